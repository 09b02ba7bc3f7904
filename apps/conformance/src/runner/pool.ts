import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { BackendName, CaseResult } from '../engine/case.js';
import { runScenario } from '../engine/run-case.js';
import type { KernelProfile } from '@memsim/starnix-mm';
import type { Scenario, Step } from '../scenario/types.js';

/** One unit of work: a scenario on a backend. */
export interface CaseJob {
  readonly scenario: Scenario;
  readonly backend: BackendName;
  /** The kernel profile the model follows (plain data: it crosses into workers). */
  readonly profile?: KernelProfile;
  /** The model's private anonymous backing design (default 'single'). */
  readonly anonBacking?: 'single' | 'per-mapping';
}

/** How to start a case worker. */
export interface WorkerSpec {
  readonly entry: URL | string;
  readonly options: WorkerOptions;
}

/**
 * The worker entry: the compiled `dist/runner/worker.js`, or, when running from TypeScript sources (tests, a
 * checkout without a build), `worker.ts` loaded through tsx when it can be found. Undefined means run in-process.
 */
export function workerSpec(): WorkerSpec | undefined {
  if (import.meta.url.endsWith('.js')) return { entry: new URL('./worker.js', import.meta.url), options: {} };
  let tsx: string;
  try {
    // require.resolve picks the CommonJS build; the ESM loader API sits beside it as index.mjs.
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    tsx = pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
  } catch {
    return undefined;
  }
  const src = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(src)}); })`;
  return { entry: code, options: { eval: true, execArgv: ['--conditions=@memsim/source'] } };
}

function failed(job: CaseJob, message: string, durationMs: number): CaseResult {
  const s = job.scenario;
  return {
    id: `${s.suite}/${s.name}`,
    suite: s.suite,
    name: s.name,
    file: s.file,
    line: s.pos.line,
    source: s.source,
    backend: job.backend,
    status: 'failed',
    message,
    durationMs,
    steps: [],
  };
}

/**
 * The message of a case stopped by its time budget: which case, the budget, and the last op it started (a model
 * case reports its progress step by step; a probe case runs in the probe's child, which has its own timeout).
 */
export function budgetMessage(id: string, limitMs: number, steps: readonly Step[], lastStep: number): string {
  const step = lastStep >= 0 ? steps[lastStep] : undefined;
  const last = step ? `step ${lastStep + 1} (${step.kind} ${step.call}, line ${step.pos.line})` : 'none recorded';
  return `case ${id} did not return in ${limitMs} ms: last op ${last}`;
}

/** Runs jobs one after another in this thread (tests, `inProcess`); a timeout fails the case unless a model call never yields. */
export async function runInProcess(jobs: readonly CaseJob[], timeoutMs: number, onResult: (r: CaseResult) => void): Promise<void> {
  for (const job of jobs) {
    const limit = job.scenario.timeoutMs ?? timeoutMs;
    const start = performance.now();
    let last = -1;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CaseResult>((resolve) => {
      timer = setTimeout(() => resolve(failed(job, budgetMessage(`${job.scenario.suite}/${job.scenario.name}`, limit, job.scenario.steps, last), performance.now() - start)), limit);
    });
    const run = runScenario(job.scenario, { backend: job.backend, timeoutMs: Math.max(1000, limit - 1000), hooks: { onStep: (i) => (last = i) }, ...(job.profile ? { profile: job.profile } : {}), ...(job.anonBacking ? { anonBacking: job.anonBacking } : {}) });
    const result = await Promise.race([run, timeout]);
    clearTimeout(timer);
    onResult(result);
  }
}

/** What the worker entry receives besides jobs: where to record progress, and an optional test hook module. */
export interface CaseWorkerData {
  /** Int32Array over a SharedArrayBuffer: slot 0 holds the index of the step the current case last started. */
  readonly progress: SharedArrayBuffer;
  /** URL of a module whose `wrapOp` export wraps every model call (tests only). */
  readonly hooksModule?: string;
}

/**
 * One worker thread that runs cases one at a time, each bounded by its time budget. A case that exceeds it or kills
 * the worker fails alone with a clear message; the worker is replaced for the next case.
 */
export class CaseWorker {
  readonly #spec: WorkerSpec;
  readonly #hooksModule: string | undefined;
  #worker: Worker | undefined;
  #progress: Int32Array | undefined;
  #ready: Promise<boolean> | undefined;
  #settle: ((r: CaseResult | { crashed: string }) => void) | undefined;
  #nextId = 0;

  constructor(spec: WorkerSpec, hooksModule?: string) {
    this.#spec = spec;
    this.#hooksModule = hooksModule;
  }

  #start(): { worker: Worker; progress: Int32Array; ready: Promise<boolean> } {
    if (this.#worker && this.#progress && this.#ready) return { worker: this.#worker, progress: this.#progress, ready: this.#ready };
    const sab = new SharedArrayBuffer(4);
    const data: CaseWorkerData = { progress: sab, ...(this.#hooksModule !== undefined ? { hooksModule: this.#hooksModule } : {}) };
    const worker = new Worker(this.#spec.entry, { ...this.#spec.options, workerData: data });
    const progress = new Int32Array(sab);
    let readyNow: (ok: boolean) => void = () => undefined;
    const ready = new Promise<boolean>((resolve) => (readyNow = resolve));
    const gone = (why: string): void => {
      readyNow(false);
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#settle?.({ crashed: why });
    };
    worker.on('message', (msg: { result: CaseResult } | { ready: true }) => {
      if ('ready' in msg) readyNow(true);
      else if (this.#worker === worker) this.#settle?.(msg.result);
    });
    worker.on('error', (e: unknown) => gone(e instanceof Error ? e.message : String(e)));
    worker.on('exit', (code) => gone(`worker exited with code ${code}`));
    this.#worker = worker;
    this.#progress = progress;
    this.#ready = ready;
    return { worker, progress, ready };
  }

  /** Runs one case; never rejects. */
  async run(job: CaseJob, limitMs: number): Promise<CaseResult> {
    const { worker, progress, ready } = this.#start();
    if (!(await ready)) return failed(job, 'crashed: the case worker did not start', 0);
    const started = performance.now();
    const id = this.#nextId++;
    Atomics.store(progress, 0, -1);
    return new Promise<CaseResult>((resolve) => {
      const timer = setTimeout(() => {
        // The worker may be spinning in a call that never returns: only terminating it stops that.
        const last = Atomics.load(progress, 0);
        this.#worker = undefined;
        this.#settle = undefined;
        void worker.terminate();
        resolve(failed(job, budgetMessage(`${job.scenario.suite}/${job.scenario.name}`, limitMs, job.scenario.steps, last), performance.now() - started));
      }, limitMs);
      this.#settle = (r) => {
        clearTimeout(timer);
        this.#settle = undefined;
        resolve('crashed' in r ? failed(job, `crashed: ${r.crashed}`, performance.now() - started) : r);
      };
      worker.postMessage({ id, scenario: job.scenario, options: { backend: job.backend, timeoutMs: Math.max(1000, limitMs - 1000), ...(job.profile ? { profile: job.profile } : {}), ...(job.anonBacking ? { anonBacking: job.anonBacking } : {}) } });
    });
  }

  /** Stops the worker (idempotent). */
  close(): void {
    const w = this.#worker;
    this.#worker = undefined;
    if (w) void w.terminate();
  }
}

/**
 * Runs jobs on `n` worker threads. A case that crashes its worker or exceeds its timeout fails alone: the worker is
 * replaced and the run goes on. `hooksModule` is a test hook (see {@link CaseWorkerData}).
 */
export async function runInWorkers(
  jobs: readonly CaseJob[],
  n: number,
  timeoutMs: number,
  spec: WorkerSpec,
  onResult: (r: CaseResult) => void,
  hooksModule?: string,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    const w = new CaseWorker(spec, hooksModule);
    try {
      while (next < jobs.length) {
        const job = jobs[next++];
        onResult(await w.run(job, job.scenario.timeoutMs ?? timeoutMs));
      }
    } finally {
      w.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, lane));
}
