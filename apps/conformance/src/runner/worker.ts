// Worker-thread entry: runs one case per message, isolated, so a crash or hang only loses this worker.
import { parentPort, workerData } from 'node:worker_threads';
import { runScenario, type RunCaseOptions } from '../engine/run-case.js';
import type { Scenario } from '../scenario/types.js';
import type { ModelSessionHooks } from '../session/model-session.js';
import type { CaseWorkerData } from './pool.js';

interface Job {
  readonly id: number;
  readonly scenario: Scenario;
  readonly options: RunCaseOptions;
}

const data = workerData as CaseWorkerData | undefined;
const progress = data?.progress ? new Int32Array(data.progress) : undefined;
// The test hook module (if any) is loaded once, before the first case runs.
const wrap: Promise<ModelSessionHooks['wrapOp']> =
  data?.hooksModule !== undefined ? import(data.hooksModule).then((m: { wrapOp?: ModelSessionHooks['wrapOp'] }) => m.wrapOp) : Promise.resolve(undefined);

// The parent starts a case's clock only once the worker has loaded (loading is not the case's time).
void wrap.then(() => parentPort?.postMessage({ ready: true }));

parentPort?.on('message', (job: Job) => {
  void wrap.then(async (wrapOp) => {
    const hooks: ModelSessionHooks = {
      // The parent reads the last started step when the case runs out of time.
      onStep: (i) => {
        if (progress) Atomics.store(progress, 0, i);
      },
      ...(wrapOp ? { wrapOp } : {}),
    };
    const result = await runScenario(job.scenario, { ...job.options, isolated: true, hooks });
    try {
      parentPort?.postMessage({ id: job.id, result });
    } catch (e) {
      // A result that cannot cross threads is a runner bug; report it as this case's failure, not a lost worker.
      parentPort?.postMessage({ id: job.id, result: { ...result, status: 'failed', message: `result not transferable: ${String(e)}`, steps: [], outputs: [] } });
    }
  });
});
