import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { BackendName, CaseResult } from '../engine/case.js';
import { runScenario } from '../engine/run-case.js';
import type { KernelProfile } from '@memsim/starnix-mm';
import type { Scenario } from '../scenario/types.js';

/** One unit of work: a scenario on a backend. */
export interface CaseJob {
  readonly scenario: Scenario;
  readonly backend: BackendName;
  /** The kernel profile the model follows (plain data: it crosses into workers). */
  readonly profile?: KernelProfile;
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

/** Runs jobs one after another in this thread (tests, `--jobs 1`); timeouts still fail the case. */
export async function runInProcess(jobs: readonly CaseJob[], timeoutMs: number, onResult: (r: CaseResult) => void): Promise<void> {
  for (const job of jobs) {
    const limit = job.scenario.timeoutMs ?? timeoutMs;
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CaseResult>((resolve) => {
      timer = setTimeout(() => resolve(failed(job, `timed out after ${limit} ms`, performance.now() - start)), limit);
    });
    const result = await Promise.race([runScenario(job.scenario, { backend: job.backend, timeoutMs: Math.max(1000, limit - 1000), ...(job.profile ? { profile: job.profile } : {}) }), timeout]);
    clearTimeout(timer);
    onResult(result);
  }
}

/**
 * Runs jobs on `n` worker threads. A case that crashes its worker or exceeds its timeout fails alone: the worker is
 * replaced and the run goes on.
 */
export function runInWorkers(
  jobs: readonly CaseJob[],
  n: number,
  timeoutMs: number,
  spec: WorkerSpec,
  onResult: (r: CaseResult) => void,
): Promise<void> {
  let next = 0;
  let pending = jobs.length;
  return new Promise((resolveAll) => {
    if (pending === 0) {
      resolveAll();
      return;
    }
    const start = (): void => {
      if (next >= jobs.length) return;
      const worker = new Worker(spec.entry, spec.options);
      let current: { job: CaseJob; id: number; started: number; timer: NodeJS.Timeout } | undefined;
      let finished = false;
      const settle = (r: CaseResult): void => {
        if (current) clearTimeout(current.timer);
        current = undefined;
        onResult(r);
        pending--;
        if (pending === 0) resolveAll();
      };
      const give = (): void => {
        if (next >= jobs.length) {
          finished = true;
          void worker.terminate();
          return;
        }
        const id = next++;
        const job = jobs[id];
        const limit = job.scenario.timeoutMs ?? timeoutMs;
        const timer = setTimeout(() => {
          if (!current || current.id !== id) return;
          const r = failed(job, `timed out after ${limit} ms (worker stopped)`, performance.now() - current.started);
          finished = true;
          void worker.terminate();
          settle(r);
          start();
        }, limit);
        current = { job, id, started: performance.now(), timer };
        worker.postMessage({ id, scenario: job.scenario, options: { backend: job.backend, timeoutMs: Math.max(1000, limit - 1000), ...(job.profile ? { profile: job.profile } : {}) } });
      };
      worker.on('message', (msg: { id: number; result: CaseResult }) => {
        if (!current || msg.id !== current.id) return;
        settle(msg.result);
        give();
      });
      const crashed = (why: string): void => {
        if (finished) return;
        finished = true;
        if (current) {
          const c = current;
          settle(failed(c.job, `crashed: ${why}`, performance.now() - c.started));
        }
        start();
      };
      worker.on('error', (e: unknown) => crashed(e instanceof Error ? e.message : String(e)));
      worker.on('exit', (code) => crashed(`worker exited with code ${code}`));
      give();
    };
    for (let i = 0; i < Math.min(n, jobs.length); i++) start();
  });
}
