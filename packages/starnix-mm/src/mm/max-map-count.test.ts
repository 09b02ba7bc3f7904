/**
 * vm.max_map_count on every call that adds VMAs, as Linux 6.18 answers at the limit (measured on the live kernel
 * with a mapping storm up to the default 65530; here a profile with a low limit gives the same answers).
 */
import { describe, expect, it } from 'vitest';
import { Advice, MremapFlags, Prot } from '../abi/constants.js';
import { LINUX_6_18_V669 } from '../profile/kernel-profile.js';
import { FIX, P, PA, RW, W, errno, newMm } from '../test-support/setup.js';

const LIMIT = 10;

function atLimit(): ReturnType<typeof newMm> {
  const mm = newMm({ validate: true, stack: false, profile: { ...LINUX_6_18_V669, name: 'low', maxMapCount: LIMIT } });
  mm.mmap(W, 64 * P, Prot.READ, PA | FIX);
  // Split the head off one page at a time until the limit.
  for (let i = 0; mm.vmaCount < LIMIT; i++) mm.mprotect(W + 2 * i * P, P, Prot.NONE);
  expect(mm.vmaCount).toBe(LIMIT);
  return mm;
}

describe('vm.max_map_count', () => {
  it('refuses every split at the limit: mprotect, mlock, mseal and a munmap in the middle ENOMEM, madvise EAGAIN', () => {
    const mm = atLimit();
    const x = W + 40 * P;
    expect(errno(() => mm.mprotect(x, P, Prot.NONE))).toBe('ENOMEM');
    expect(errno(() => mm.madvise(x, P, Advice.DONTFORK))).toBe('EAGAIN');
    expect(errno(() => mm.mlock(x, P))).toBe('ENOMEM');
    expect(errno(() => mm.mseal(x, P))).toBe('ENOMEM');
    expect(errno(() => mm.munmap(x, P))).toBe('ENOMEM');
    // No split needed: allowed.
    expect(mm.madvise(x, P, Advice.GUARD_INSTALL)).toBe(0);
    expect(mm.madvise(x, P, Advice.GUARD_REMOVE)).toBe(0);
    expect(mm.munmap(W + 63 * P, P)).toBe(0);
    expect(mm.vmaCount).toBe(LIMIT);
  });

  it('lets mmap reach one past the limit, then refuses it (MAP_FIXED too)', () => {
    const mm = atLimit();
    mm.mmap(W + 100 * P, P, RW, PA | FIX);
    expect(mm.vmaCount).toBe(LIMIT + 1);
    expect(errno(() => mm.mmap(W + 102 * P, P, RW, PA | FIX))).toBe('ENOMEM');
    expect(errno(() => mm.mmap(W + 40 * P, P, RW, PA | FIX))).toBe('ENOMEM');
  });

  it('keeps mremap moves 3-5 VMAs below the limit', () => {
    const mm = atLimit();
    mm.munmap(W + 2 * P, 3 * P);
    // map_count + 2 >= limit - 3: a move to a fixed address is refused before anything happens.
    expect(mm.vmaCount).toBe(LIMIT - 3);
    expect(errno(() => mm.mremap(W + 40 * P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 200 * P))).toBe('ENOMEM');
    mm.munmap(W, 12 * P);
    expect(mm.vmaCount + 2 < LIMIT - 3).toBe(true);
    expect(mm.mremap(W + 40 * P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 200 * P)).toBe(W + 200 * P);
  });

  // Found by the differential test against Linux 6.18 (max-map-count.differential.test.ts, 'merges at the limit').
  it('lets mprotect at the limit move a boundary when the changed part joins its neighbour (no split)', () => {
    const mm = atLimit();
    // Pages 0, 2, 4, 6 and 8 are PROT_NONE VMAs of their own, 1, 3, 5 and 7 READ ones, then 9-63 one READ VMA.
    expect(errno(() => mm.mprotect(W + 40 * P, P, Prot.NONE))).toBe('ENOMEM');
    // The head of 9-63 joins page 8 once PROT_NONE: the boundary moves, no VMA is added.
    expect(mm.mprotect(W + 9 * P, P, Prot.NONE)).toBe(0);
    expect(mm.vmaCount).toBe(LIMIT);
    expect(mm.vmas().filter((v) => v.start >= W + 8 * P).map((v) => [(v.start - W) / P, (v.end - W) / P, v.prot])).toEqual([
      [8, 10, Prot.NONE],
      [10, 64, Prot.READ],
    ]);
    // A whole VMA joining both neighbours.
    expect(mm.mprotect(W + 7 * P, P, Prot.NONE)).toBe(0);
    expect(mm.vmaCount).toBe(LIMIT - 2);
  });

  // Found by the differential test against Linux 6.18 ('fork at the limit'): split_vma cuts off the part below the
  // range first, then refuses the second split, and the first stays.
  it('leaves the first of two splits in place when only one fits (ENOMEM, the VMA cut in two, unchanged)', () => {
    const mm = atLimit();
    mm.munmap(W, P);
    expect(mm.vmaCount).toBe(LIMIT - 1);
    const vmas = (): string[] => mm.vmas().filter((v) => v.start >= W + 9 * P).map((v) => `${(v.start - W) / P}-${(v.end - W) / P}:${v.prot}`);
    expect(vmas()).toEqual(['9-64:1']);
    expect(errno(() => mm.mprotect(W + 40 * P, P, Prot.NONE))).toBe('ENOMEM');
    expect(vmas()).toEqual(['9-40:1', '40-64:1']);
    expect(mm.vmaCount).toBe(LIMIT);
    expect(errno(() => mm.madvise(W + 50 * P, P, Advice.DONTFORK))).toBe('EAGAIN');
    expect(mm.vmaCount).toBe(LIMIT);
  });
});
