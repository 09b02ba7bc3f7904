/**
 * Issue 24 point 4 for memory-pinning: the shadow process and its pinned mappings, called with random and boundary
 * arguments (and with VMOs of the kernel), return or throw the package's ErrnoError (Zircon statuses mapped as
 * Starnix maps them) or a TypeError / RangeError naming a wrong JavaScript type. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Vmo, mulberry32 } from '@memsim/zircon-objects';
import { ErrnoError, PinnedMapping, ShadowProcess } from './index.js';
import { recordingLogger, world } from './test-support/world.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 200 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { kernel, rt } = world({ roleManager: true, kernel: { seed } });
      const shadow = ShadowProcess.create('fuzz', { runtime: rt, logger: recordingLogger() });
      const vmo = Vmo.create(kernel, 8 * 4096);
      const roots = [shadow, shadow.pinPages(vmo, 0, 4096)];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 200,
        roots,
        allowed: (e) => e instanceof ErrnoError || isArgumentError(e),
        values: [vmo, Vmo.create(kernel, 4096)],
        ints: [0, 4096, 8192, 3 * 4096, 8 * 4096],
        keep: (v) => v instanceof ShadowProcess || v instanceof PinnedMapping,
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
