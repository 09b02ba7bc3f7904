/**
 * Issue 24 point 4 for thread-create-vmars: the public methods and getters of the pools and compact VMARs, called
 * with random and boundary arguments and with the package's own objects, return or throw the package's typed errors
 * (VmarPoolError and its subclasses) or a TypeError / RangeError naming a wrong JavaScript type. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Kernel, Process, mulberry32 } from '@memsim/zircon-objects';
import { CompactVmar, GrowableVmars, VmarPoolError } from './index.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 200 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const kernel = new Kernel({ seed });
      const { rootVmar } = Process.create(kernel.rootJob, 'fuzz');
      const roots = [new GrowableVmars({ rootVmar })];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 200,
        roots,
        allowed: (e) => e instanceof VmarPoolError || isArgumentError(e),
        keep: (v) => v instanceof GrowableVmars || v instanceof CompactVmar,
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
