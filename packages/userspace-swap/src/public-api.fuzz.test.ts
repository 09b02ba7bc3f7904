/**
 * Issue 24 point 4 for userspace-swap: the public methods of a userfaultfd (on the reference address space) and
 * the clocks, called with random and boundary arguments, return or throw the package's typed errors (UffdError,
 * SwapError) or a TypeError / RangeError naming a wrong JavaScript type, never anything else. The ChromeOS policy,
 * SwapFile and SwapManager are fuzzed in `swap-policy.fuzz.test.ts`. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { mulberry32 } from '@memsim/zircon-objects';
import { SwapError, UffdError, UserfaultFD, VirtualClock } from './index.js';
import { ReferenceSpace } from './test-support/reference-space.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 300 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const space = new ReferenceSpace();
      const clock = new VirtualClock();
      const roots = [UserfaultFD.create(space, { clock }), UserfaultFD.open(space, 0, { clock }), clock];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 300,
        roots,
        ints: [0, 4096, 8192, 0x1000_0000, 0x1000_1000, 3, 1, 2],
        allowed: (e) => e instanceof UffdError || e instanceof SwapError || isArgumentError(e),
        keep: (v) => v instanceof UserfaultFD,
        // The UffdContextHooks side (fault, remove, unmap, remap, forkContext, forkComplete) is what an address
        // space calls with values it has checked; starnix-mm's fuzz reaches it through the memory manager.
        skip: ['fault', 'remove', 'unmap', 'remap', 'forkContext', 'forkComplete'],
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
