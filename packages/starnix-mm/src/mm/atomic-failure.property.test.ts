/**
 * Issue 24 point 3 over the sequence generator: a failed mmap, munmap, mremap, brk or mseal leaves everything as it was
 * (VMAs with all attributes, the Zircon mappings and their committed pages, counters, pins), compared through the
 * public API with the guard's own check off; after a failed mprotect, madvise, mlock, munlock or msync (which Linux
 * applies part-way over holes) the invariants hold, and the maps lines equal Linux's in the differential tests.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LinuxOp } from '@memsim/linux-probe';
import { generateScenario } from '../test-support/generate.js';
import { ModelScenario } from '../test-support/model-runner.js';
import type { MemoryManager } from './memory-manager.js';

const ATOMIC = new Set(['mmap', 'munmap', 'mremap', 'brk', 'mseal']);

function snapshot(mm: MemoryManager): string {
  const zx = mm.userVmar.mapsInfo().records.map((r) => `${r.base}+${r.size}:${r.mapping ? `${r.mapping.mmuFlags}/${r.mapping.vmoKoid}@${r.mapping.vmoOffset}/${r.mapping.committedBytes}` : 'vmar'}`);
  return [mm.smaps(), JSON.stringify(mm.vmas()), JSON.stringify(mm.stats), String(mm.pinnedPages), ...zx].join('\n');
}

/**
 * Linux's own part-way failures of these calls, which the model reproduces (and flags, so its guard skips them):
 * a munmap-like call splits an unsealed first VMA at the start before a later sealed VMA stops it (one maps line
 * more); a multi-VMA mremap move (Linux 6.17+) stops at a sealed VMA after moving the ones before it, which may
 * merge at their destination (fewer lines: campaign seed 27719, checked on Linux 6.18 in linux-features.test.ts).
 */
function linuxPartial(op: LinuxOp, before: string, after: string): boolean {
  if (before === after) return false;
  return op.op === 'mremap' || after.split('\n').length > before.split('\n').length;
}

/**
 * The third part-way failure Linux has: mremap with MREMAP_FIXED unmaps the destination before it looks at the source
 * again, so a failure after that point (EINVAL for an old size past the VMA, EFAULT for a source the unmapping took)
 * leaves the destination unmapped and nothing else changed (campaign seed 211564, EINVAL on Linux 6.18 with the hole
 * left). Checked by replaying the sequence up to the call and unmapping exactly that range instead.
 */
function onlyDestinationUnmapped(ops: readonly LinuxOp[], i: number, now: string): boolean {
  const op = ops[i];
  if (op.op !== 'mremap' || op.new_address === undefined || op.new_address === null) return false;
  // MREMAP_FIXED is 2; the generator writes flags as names or as a raw number.
  const fixed = Array.isArray(op.flags) ? op.flags.includes('FIXED') : (Number(op.flags ?? 0) & 2) !== 0;
  if (!fixed) return false;
  const newLen = (BigInt.asUintN(64, BigInt(op.new_size)) + 0xfffn) & ~0xfffn;
  const sc = new ModelScenario({ root: true, validate: false });
  for (const earlier of ops.slice(0, i)) sc.one(earlier);
  const mm = sc.procs.get(op.in ?? 'parent');
  const r = sc.one({ op: 'munmap', addr: op.new_address, length: newLen, ...(op.in === undefined ? {} : { in: op.in }) });
  return mm !== undefined && r.ok && snapshot(mm) === now;
}

const opText = (op: LinuxOp): string => JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * Runs the sequence of `seed` with validation after every call and checks that each failed all-or-nothing call left
 * the snapshot as it was, unless `excused` accepts the change (Linux's own part-way failures). Returns the number of
 * failures checked.
 */
function checkFailedCalls(seed: number, features: boolean, excused: (op: LinuxOp, errno: string, before: string, now: string) => boolean): number {
  let failures = 0;
  const ops: LinuxOp[] = generateScenario(seed, { ops: 60, pages: 24, anonName: true, edges: true, ...(features ? { features } : {}) });
  const sc = new ModelScenario({ root: true, validate: false });
  for (const [i, op] of ops.entries()) {
    const mm = sc.procs.get(op.in ?? 'parent');
    const before = mm && ATOMIC.has(op.op) ? snapshot(mm) : undefined;
    const r = sc.one(op);
    if (mm) mm.validate(op.op);
    if (before !== undefined && mm && !r.ok && 'errno' in r) {
      const now = snapshot(mm);
      if (excused(op, r.errno, before, now) || onlyDestinationUnmapped(ops, i, now)) continue;
      failures++;
      expect(now, `seed ${seed}: failed ${opText(op)}`).toBe(before);
    }
  }
  return failures;
}

describe('failed calls', () => {
  it('all-or-nothing calls change nothing when they fail; the others keep the invariants (seeds from 24000)', () => {
    let failures = 0;
    fc.assert(
      fc.property(fc.integer({ min: 24_000, max: 1_023_999 }), (seed) => {
        failures += checkFailedCalls(seed, false, () => false);
      }),
      { numRuns: 60, seed: 24 },
    );
    // The generator's boundary arguments make such failures common; the property is not vacuous.
    expect(failures).toBeGreaterThan(100);
  });

  it('with mseal, guard regions and MAP_DROPPABLE in the mix, a failed mseal changes nothing either (seeds from 27000)', () => {
    let failures = 0;
    fc.assert(
      fc.property(fc.integer({ min: 27_000, max: 1_026_999 }), (seed) => {
        // EPERM from a sealed VMA may leave Linux's part-way effect behind (linuxPartial).
        failures += checkFailedCalls(seed, true, (op, errno, before, now) => errno === 'EPERM' && linuxPartial(op, before, now));
      }),
      { numRuns: 40 },
    );
    expect(failures).toBeGreaterThan(50);
  });

  it('campaign seed 211564: a failed mremap FIXED leaves its destination unmapped, and only that', () => {
    const excuse = (op: LinuxOp, errno: string, before: string, now: string): boolean => errno === 'EPERM' && linuxPartial(op, before, now);
    expect(checkFailedCalls(211_564, true, excuse)).toBeGreaterThan(0);
  });

  it('campaign seed 27719: a multi-VMA mremap move stopped by a sealed VMA keeps the moved, merged VMA', () => {
    const excuse = (op: LinuxOp, errno: string, before: string, now: string): boolean => errno === 'EPERM' && linuxPartial(op, before, now);
    expect(checkFailedCalls(27_719, true, excuse)).toBeGreaterThan(0);
    // Without the mremap excuse the same sequence fails: the case still reaches the behaviour it is kept for.
    expect(() => checkFailedCalls(27_719, true, (op, errno, before, now) => op.op !== 'mremap' && excuse(op, errno, before, now))).toThrow(/seed 27719: failed \{"op":"mremap"/);
  });
});
