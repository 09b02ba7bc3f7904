/**
 * Issue 24 point 4 for mapped-vmo: the public methods and getters of mappings and byte views, called with random
 * and boundary arguments, return or throw the package's typed errors (MappedVmoError and its subclasses, which carry
 * any Zircon status as `cause`) or a TypeError / RangeError naming a wrong JavaScript type. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Vmo, mulberry32 } from '@memsim/zircon-objects';
import { ImmutableMapping, Mapping, MappedVmoError } from './index.js';
import { newProcess } from './test-support/process.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 300 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { kernel, target } = newProcess(seed);
      const vmo = Vmo.create(kernel, 4 * 4096);
      vmo.write(new Uint8Array([1, 2, 3]), 0);
      const roots = [ImmutableMapping.createFromVmo(vmo, seed % 2 === 0, target), Mapping.createFromVmo(vmo, target), Mapping.allocate(kernel, 8192, target).mapping];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 300,
        roots,
        ints: [0, 1, 3, 16, 4095, 4096, 8192],
        allowed: (e) => e instanceof MappedVmoError || isArgumentError(e),
        keep: (v) => v instanceof ImmutableMapping || v instanceof Mapping,
        // Protected helpers of the views (visible at run time, not part of the API).
        skip: ['readRange', 'writeRange', 'derive', 'bounds'],
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
