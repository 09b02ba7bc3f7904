// Worker-thread entry: runs one case per message, isolated, so a crash or hang only loses this worker.
import { parentPort } from 'node:worker_threads';
import { runScenario, type RunCaseOptions } from '../engine/run-case.js';
import type { Scenario } from '../scenario/types.js';

interface Job {
  readonly id: number;
  readonly scenario: Scenario;
  readonly options: RunCaseOptions;
}

parentPort?.on('message', (job: Job) => {
  void runScenario(job.scenario, { ...job.options, isolated: true }).then((result) => {
    try {
      parentPort?.postMessage({ id: job.id, result });
    } catch (e) {
      // A result that cannot cross threads is a runner bug; report it as this case's failure, not a lost worker.
      parentPort?.postMessage({ id: job.id, result: { ...result, status: 'failed', message: `result not transferable: ${String(e)}`, steps: [], outputs: [] } });
    }
  });
});
