/**
 * Issue 24 point 4 for fuchsia-runtime: the runtime, namespaces and channels, called with random and boundary
 * arguments, return or throw a ZxError, the package's RuntimeError, or a TypeError / RangeError naming a wrong
 * JavaScript type. A fixed-seed slice.
 */
import { describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Kernel, ZxError, mulberry32 } from '@memsim/zircon-objects';
import { Channel, Namespace, Runtime, RuntimeError } from './index.js';

describe('public API fuzz', () => {
  it('seeds 1-30, 200 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const kernel = new Kernel({ seed });
      const namespace = new Namespace();
      const [a, b] = Channel.create();
      const roots = [Runtime.create(kernel, { name: 'fuzz', namespace }), namespace, a, b];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 200,
        roots,
        allowed: (e) => e instanceof ZxError || e instanceof RuntimeError || isArgumentError(e),
        keep: (v) => v instanceof Runtime || v instanceof Namespace || v instanceof Channel,
        // run() executes a callback and blocks on nothing the fuzzer can supply.
        skip: ['run'],
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);
});
