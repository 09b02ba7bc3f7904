/**
 * Issue 24 point 4: every public method of starnix-mm called with random and boundary arguments answers a value, an
 * ErrnoError, or a typed argument error, never a Zircon error or a crash; validation runs after every call (so a
 * broken invariant or a failed all-or-nothing call that changed something fails too). A fixed-seed slice; the big
 * campaign (docs/conformance.md) runs the same generator over other seeds.
 */
import { describe, expect, it } from 'vitest';
import { fuzzPublicApi } from '../test-support/api-fuzz.js';
import { foreignError } from '../test-support/api-fuzz.js';
import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import { ErrnoError } from '../errno/errno.js';

describe('public API fuzz', () => {
  it('seeds 1-40, 150 calls each: no foreign error, no broken invariant', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const calls = await fuzzPublicApi(seed, 150);
      const bad = calls.find((c) => c.foreign !== undefined);
      expect(bad, bad ? `seed ${seed}: ${bad.text}\n${bad.foreign}\nafter:\n${calls.slice(-8, -1).map((c) => c.text).join('\n')}` : '').toBeUndefined();
    }
  }, 120_000);

  it("'per-mapping' design, seeds 1-20, 150 calls each: no foreign error, no broken invariant", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const calls = await fuzzPublicApi(seed, 150, undefined, 'per-mapping');
      const bad = calls.find((c) => c.foreign !== undefined);
      expect(bad, bad ? `seed ${seed}: ${bad.text}\n${bad.foreign}\nafter:\n${calls.slice(-8, -1).map((c) => c.text).join('\n')}` : '').toBeUndefined();
    }
  }, 120_000);

  it('tells documented errors from foreign ones', () => {
    expect(foreignError(new ErrnoError('EINVAL'))).toBeUndefined();
    expect(foreignError(new TypeError('options.layout must be a string'))).toBeUndefined();
    expect(foreignError(new ZxError(ZxStatus.OUT_OF_RANGE))).toMatch(/Zircon error leaked/);
    expect(foreignError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatch(/foreign/);
  });
});
