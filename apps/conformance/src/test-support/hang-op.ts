// Test hook for the worker pool: a deliberately inserted infinite loop in one model op. Loaded by a case worker
// (its `hooksModule`), it makes every Linux `mremap` on the model spin forever, as the DONTUNMAP|FIXED bug did.
import type { ModelSessionHooks } from '../session/model-session.js';

export const wrapOp: ModelSessionHooks['wrapOp'] = (step, call) => {
  if (step.kind === 'linux' && step.call === 'mremap') {
    for (;;) {
      // Never yields: only terminating the worker stops it.
    }
  }
  return call();
};
