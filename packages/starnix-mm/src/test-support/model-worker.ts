// Worker-thread entry of BoundedModel: runs probe-format scenarios on the model one at a time, recording the index
// of the op it is in so the parent can name it if the scenario does not return in time.
import { parentPort, workerData } from 'node:worker_threads';
import type { LinuxCallResult, LinuxOp } from '@memsim/linux-probe';
import { fillsMapCount, ModelScenario } from './model-runner.js';
import type { KernelProfile } from '../profile/kernel-profile.js';
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';

const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);

parentPort?.on('message', (job: { ops: LinuxOp[]; root: boolean; profile?: KernelProfile; design?: AnonBackingDesign }) => {
  let results: LinuxCallResult[] | undefined;
  let error: string | undefined;
  try {
    // A scenario that fills to vm.max_map_count (tens of thousands of VMAs) validates at checkpoints, not per call.
    const checkpoints = fillsMapCount(job.ops);
    const model = new ModelScenario({ root: job.root, validate: checkpoints ? 'checkpoints' : true, ...(job.design ? { anonymousBacking: job.design } : {}), ...(job.profile ? { profile: job.profile } : {}) });
    results = job.ops.map((op, i) => {
      Atomics.store(progress, 0, i);
      return model.one(op);
    });
    if (checkpoints && job.ops.at(-1)?.op !== 'maps') model.validateAll();
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  parentPort?.postMessage({ results, error });
});
parentPort?.postMessage({ ready: true });
