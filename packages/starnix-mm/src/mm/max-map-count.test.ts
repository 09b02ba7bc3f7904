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
});
