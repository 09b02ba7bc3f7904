/**
 * Issue 24 point 4 for zircon-objects: every public method (and getter) of the kernel objects, called with random
 * and boundary arguments and with the package's own objects, returns or throws a ZxError (or a TypeError /
 * RangeError naming a wrong JavaScript type), never anything else. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Kernel, Process, Vmo, ZxError, mulberry32 } from './index.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 300 calls each: only ZxError or argument-type errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const kernel = new Kernel({ seed, physicalMemoryBytes: 32 << 20 });
      const { process, rootVmar } = Process.create(kernel.rootJob, 'fuzz');
      const roots = [kernel, kernel.rootJob, process, rootVmar, Vmo.create(kernel, 4 * 4096), kernel.memory];
      const r = await fuzzMethods({ random: mulberry32(seed), calls: 300, roots, allowed: (e) => e instanceof ZxError || isArgumentError(e) });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
