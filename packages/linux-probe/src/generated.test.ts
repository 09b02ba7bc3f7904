import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenarios } from './index.js';
import type { AdviceName, LinuxOp, ProtName } from './index.js';
import { PAGE, available, skipReason } from './test-support/probe.js';

// Random call sequences like the differential checks will generate, confined to the first 64 pages of the window.
const page = fc.integer({ min: 0, max: 63 });
const pages = fc.integer({ min: 0, max: 8 });
const prot = fc.subarray<ProtName>(['READ', 'WRITE', 'EXEC']);
// HWPOISON and SOFT_OFFLINE are left out: as root they really poison memory.
const advice = fc.constantFrom<AdviceName>('DONTNEED', 'FREE', 'REMOVE', 'WILLNEED', 'DONTFORK', 'WIPEONFORK', 'COLD', 'PAGEOUT', 'POPULATE_READ');
const op: fc.Arbitrary<LinuxOp> = fc.oneof(
  fc.record({ op: fc.constant('mmap' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE), prot,
    flags: fc.constantFrom(['PRIVATE', 'ANONYMOUS', 'FIXED'] as const, ['SHARED', 'ANONYMOUS', 'FIXED'] as const, ['PRIVATE', 'ANONYMOUS', 'FIXED_NOREPLACE'] as const) }),
  fc.record({ op: fc.constant('munmap' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE) }),
  fc.record({ op: fc.constant('mprotect' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE), prot }),
  fc.record({ op: fc.constant('madvise' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE), advice }),
  fc.record({ op: fc.constant('mremap' as const), old_address: page.map((p) => p * PAGE), old_size: pages.map((n) => n * PAGE),
    new_size: pages.map((n) => n * PAGE), flags: fc.constantFrom([] as const, ['MAYMOVE'] as const) }),
  fc.record({ op: fc.constant('write' as const), addr: fc.integer({ min: 0, max: 64 * PAGE }), fill: fc.integer({ min: 0, max: 255 }), length: fc.integer({ min: 1, max: 3 * PAGE }) }),
  fc.record({ op: fc.constant('read' as const), addr: fc.integer({ min: 0, max: 64 * PAGE }), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('mlock' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE) }),
  fc.record({ op: fc.constant('mincore' as const), addr: page.map((p) => p * PAGE), length: pages.map((n) => n * PAGE) }),
  fc.constant<LinuxOp>({ op: 'maps' }),
  fc.constant<LinuxOp>({ op: 'fork' }),
);

describe(`generated call sequences ${skipReason}`, () => {
  it.skipIf(!available)('always complete with a result per op: a value, an errno or a fault', async () => {
    // One fork per scenario at most (process names must be unique).
    const scenarios = fc.sample(
      fc.array(op, { minLength: 1, maxLength: 25 }).map((ops) => {
        let forked = false;
        return ops.filter((o) => (o.op === 'fork' ? !forked && (forked = true) : true));
      }),
      { numRuns: Number(process.env["PROBE_GEN_RUNS"] ?? 40), seed: Number(process.env["PROBE_GEN_SEED"] ?? 7) },
    );
    const outcomes = await runScenarios(scenarios);
    outcomes.forEach((o, k) => {
      expect(o.status, JSON.stringify(scenarios[k])).toBe('ok');
      expect(o.results).toHaveLength(scenarios[k].length);
      for (const r of o.results) expect(r.ok || 'errno' in r || 'signal' in r).toBe(true);
    });
  });
});
