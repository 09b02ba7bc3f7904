/**
 * Runs model scenarios in a worker thread with a time budget each, so a model call that never returns fails its
 * own scenario ("case ... did not return in N ms: last op ...") instead of stalling the whole test file.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LinuxCallResult, LinuxOp } from '@memsim/linux-probe';
import type { KernelProfile } from '../profile/kernel-profile.js';
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';

export type BoundedOutcome = { readonly results: LinuxCallResult[] } | { readonly failure: string };

function startWorker(progress: SharedArrayBuffer): Worker {
  // Tests run from TypeScript sources: load the worker through tsx's ESM loader, as the conformance pool does.
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
  const src = new URL('./model-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(src)}); })`;
  return new Worker(code, { eval: true, execArgv: ['--conditions=@memsim/source'], workerData: { progress } });
}

/** One model worker, reused across scenarios and replaced after a scenario that ran out of time. */
export class BoundedModel {
  #worker: { w: Worker; progress: Int32Array; ready: Promise<boolean> } | undefined;

  constructor(private readonly root: boolean) {}

  #get(): { w: Worker; progress: Int32Array; ready: Promise<boolean> } {
    if (this.#worker) return this.#worker;
    const sab = new SharedArrayBuffer(4);
    const w = startWorker(sab);
    const ready = new Promise<boolean>((resolve) => {
      w.once('message', () => resolve(true));
      w.once('exit', () => resolve(false));
    });
    this.#worker = { w, progress: new Int32Array(sab), ready };
    return this.#worker;
  }

  /** Runs `ops` on a fresh model following `profile` (default: the model's); `label` names the case in a failure. Never rejects. */
  async run(label: string, ops: readonly LinuxOp[], limitMs: number, profile?: KernelProfile, design?: AnonBackingDesign): Promise<BoundedOutcome> {
    const { w, progress, ready } = this.#get();
    if (!(await ready)) return { failure: `case ${label}: the model worker did not start` };
    Atomics.store(progress, 0, -1);
    return new Promise<BoundedOutcome>((resolve) => {
      const onMessage = (m: { results?: LinuxCallResult[]; error?: string }): void => {
        clearTimeout(timer);
        w.off('exit', onExit);
        resolve(m.results ? { results: m.results } : { failure: `case ${label} threw: ${m.error}` });
      };
      const onExit = (code: number): void => {
        clearTimeout(timer);
        this.#worker = undefined;
        resolve({ failure: `case ${label} crashed its worker (exit ${code})` });
      };
      const timer = setTimeout(() => {
        const i = Atomics.load(progress, 0);
        w.off('message', onMessage);
        w.off('exit', onExit);
        this.#worker = undefined;
        void w.terminate();
        const op = i >= 0 ? ops[i] : undefined;
        const last = op ? `op ${i + 1} ${JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}` : 'none recorded';
        resolve({ failure: `case ${label} did not return in ${limitMs} ms: last op ${last}` });
      }, limitMs);
      w.once('message', onMessage);
      w.once('exit', onExit);
      w.postMessage({ ops, root: this.root, profile, design });
    });
  }

  /** Stops the worker. */
  close(): void {
    const x = this.#worker;
    this.#worker = undefined;
    if (x) void x.w.terminate();
  }
}
