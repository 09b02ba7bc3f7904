/**
 * mseal(2) as Linux 6.18 answers it (each expectation was measured with a C probe on the live kernel; the
 * differential in src/conformance/linux-features.test.ts runs the same cases there when the host has mseal).
 */
import { describe, expect, it } from 'vitest';
import { Advice, MapFlags, MremapFlags, Prot } from '../abi/constants.js';
import { LINUX_6_18_V669 } from '../profile/kernel-profile.js';
import { FIX, P, PA, RW, W, errno, newMm, peek, poke, bytes } from '../test-support/setup.js';

const lines = (maps: string): string[] => maps.trim().split('\n').filter((l) => l.startsWith(W.toString(16).slice(0, 6)));
const vmflags = (smaps: string, addr: number): string => {
  const blocks = smaps.split(/\n(?=[0-9a-f]+-)/);
  const b = blocks.find((x) => x.startsWith(addr.toString(16)));
  return /VmFlags: (.*)/.exec(b ?? '')?.[1].trim() ?? '';
};

describe('mseal', () => {
  it('checks flags, alignment, length and holes in that order, and a zero length is a no-op', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 8 * P, RW, PA | FIX);
    mm.munmap(W + 4 * P, P);
    expect(errno(() => mm.mseal(W + 1, P, 0))).toBe('EINVAL');
    expect(errno(() => mm.mseal(W, P, 1))).toBe('EINVAL');
    expect(errno(() => mm.mseal(W + 4 * P, P, 1))).toBe('EINVAL');
    expect(mm.mseal(W, 0)).toBe(0);
    expect(errno(() => mm.mseal(W + 1, 0))).toBe('EINVAL');
    expect(errno(() => mm.mseal(W, 2n ** 64n - 1n))).toBe('EINVAL');
    expect(errno(() => mm.mseal(W, 2n ** 64n - 4096n))).toBe('EINVAL');
    // An unmapped page anywhere in the range: ENOMEM, and nothing is sealed.
    expect(errno(() => mm.mseal(W + 3 * P, 3 * P))).toBe('ENOMEM');
    expect(mm.smaps()).not.toContain(' sl');
    expect(errno(() => mm.mseal(0x7ffffffff000, P))).toBe('ENOMEM');
    expect(errno(() => mm.mseal(2 ** 47, P))).toBe('ENOMEM');
  });

  it("shows 'sl' and refuses munmap, MAP_FIXED, mremap and mprotect with EPERM", () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    poke(mm, W, bytes(6 * P, 7));
    expect(mm.mseal(W + P, 2 * P)).toBe(0);
    expect(lines(mm.maps())).toHaveLength(3);
    expect(vmflags(mm.smaps(), W + P)).toBe('rd wr mr mw me ac sl');
    expect(errno(() => mm.munmap(W + P, P))).toBe('EPERM');
    expect(errno(() => mm.munmap(W, 6 * P))).toBe('EPERM');
    expect(errno(() => mm.mmap(W, 3 * P, Prot.READ, PA | FIX))).toBe('EPERM');
    expect(errno(() => mm.mprotect(W + P, P, RW))).toBe('EPERM');
    expect(errno(() => mm.mremap(W + P, 2 * P, P, 0))).toBe('EPERM');
    expect(errno(() => mm.mremap(W + P, 2 * P, 3 * P, 0))).toBe('EPERM');
    expect(errno(() => mm.mremap(W + P, 2 * P, 3 * P, MremapFlags.MAYMOVE))).toBe('EPERM');
    expect(errno(() => mm.mremap(W + P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 20 * P))).toBe('EPERM');
    expect(errno(() => mm.mremap(W + P, P, P, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP))).toBe('EPERM');
    // As a destination too.
    mm.mmap(W + 20 * P, P, Prot.READ, PA | FIX);
    expect(errno(() => mm.mremap(W + 20 * P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 2 * P))).toBe('EPERM');
    expect(peek(mm, W + P, 1)[0]).toBe(7);
    // Sealing again is fine; mlock and the non-discarding madvise calls are allowed.
    expect(mm.mseal(W + P, 2 * P)).toBe(0);
    expect(mm.mlock(W + P, P)).toBe(0);
    expect(mm.munlock(W + P, P)).toBe(0);
    expect(mm.madvise(W + P, P, Advice.RANDOM)).toBe(0);
  });

  it('mprotect keeps its effect on the VMAs before the sealed one; munmap and MAP_FIXED change nothing', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    poke(mm, W, bytes(6 * P, 7));
    mm.mseal(W + 3 * P, 3 * P);
    const before = mm.maps();
    expect(errno(() => mm.munmap(W, 6 * P))).toBe('EPERM');
    expect(errno(() => mm.mmap(W, 6 * P, Prot.READ, PA | FIX))).toBe('EPERM');
    expect(mm.maps()).toBe(before);
    expect(peek(mm, W, 1)[0]).toBe(7);
    expect(errno(() => mm.mprotect(W, 6 * P, Prot.READ))).toBe('EPERM');
    expect(mm.vmas().map((v) => [v.start - W, v.prot]).filter(([s]) => s >= 0 && s < 6 * P)).toEqual([[0, Prot.READ], [3 * P, RW]]);
  });

  it('a hole before the sealed VMA gives mprotect ENOMEM after the part before it', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    mm.mseal(W + 4 * P, 2 * P);
    mm.munmap(W + 2 * P, P);
    expect(errno(() => mm.mprotect(W, 6 * P, Prot.READ))).toBe('ENOMEM');
    expect(mm.vmas().filter((v) => v.start >= W && v.start < W + 6 * P).map((v) => [v.start - W, v.prot])).toEqual([[0, Prot.READ], [3 * P, RW], [4 * P, RW]]);
    expect(errno(() => mm.mseal(W, 6 * P))).toBe('ENOMEM');
  });

  it('an mremap shrink over an unsealed VMA then a sealed one leaves the first split, as Linux does', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    mm.mprotect(W, 3 * P, Prot.READ);
    mm.mseal(W + 3 * P, 3 * P);
    expect(errno(() => mm.mremap(W, 6 * P, P, 0))).toBe('EPERM');
    expect(mm.vmas().filter((v) => v.start >= W && v.start < W + 6 * P).map((v) => v.start - W)).toEqual([0, P, 3 * P]);
  });

  it('refuses the discarding madvise calls only on sealed private anonymous memory it cannot write', () => {
    const mm = newMm({ validate: true });
    const ro = W;
    mm.mmap(ro, 4 * P, Prot.READ, PA | FIX);
    mm.mseal(ro, 4 * P);
    const refused = [Advice.DONTNEED, Advice.FREE, Advice.REMOVE, Advice.DONTFORK, Advice.WIPEONFORK, Advice.DONTNEED_LOCKED, Advice.GUARD_INSTALL];
    for (const a of refused) expect(errno(() => mm.madvise(ro + P, P, a)), `advice ${a}`).toBe('EPERM');
    for (const a of [Advice.NORMAL, Advice.RANDOM, Advice.WILLNEED, Advice.DOFORK, Advice.KEEPONFORK, Advice.COLD, Advice.PAGEOUT, Advice.GUARD_REMOVE]) {
      expect(errno(() => mm.madvise(ro + P, P, a)), `advice ${a}`).toBe('ok');
    }
    expect(errno(() => mm.madvise(ro + P, P, Advice.POPULATE_WRITE))).toBe('EINVAL');
    // Writable: everything the advice itself allows.
    const rw = W + 16 * P;
    mm.mmap(rw, 4 * P, RW, PA | FIX);
    mm.mseal(rw, 4 * P);
    expect(mm.madvise(rw, P, Advice.DONTNEED)).toBe(0);
    expect(errno(() => mm.madvise(rw, P, Advice.REMOVE))).toBe('EINVAL');
    // Shared anonymous read-only: allowed (FREE and WIPEONFORK fail for their own reasons).
    const sh = W + 32 * P;
    mm.mmap(sh, 4 * P, Prot.READ, MapFlags.SHARED | MapFlags.ANONYMOUS | FIX);
    mm.mseal(sh, 4 * P);
    expect(mm.madvise(sh, P, Advice.DONTNEED)).toBe(0);
    expect(mm.madvise(sh, P, Advice.REMOVE)).toBe(0);
    expect(errno(() => mm.madvise(sh, P, Advice.FREE))).toBe('EINVAL');
  });

  it('madvise keeps what it did to the VMAs before the sealed one', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    poke(mm, W, bytes(4 * P, 7));
    mm.mprotect(W, 4 * P, Prot.READ);
    mm.mseal(W + 2 * P, 2 * P);
    expect(errno(() => mm.madvise(W, 4 * P, Advice.DONTNEED))).toBe('EPERM');
    expect(peek(mm, W, 1)[0]).toBe(0);
    expect(peek(mm, W + 2 * P, 1)[0]).toBe(7);
  });

  it('survives fork', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    mm.mseal(W, 4 * P);
    const child = mm.fork();
    expect(errno(() => child.munmap(W, P))).toBe('EPERM');
    expect(vmflags(child.smaps(), W)).toContain('sl');
  });

  it('refuses a brk shrink over a sealed heap (brk keeps the old break)', () => {
    const mm = newMm({ validate: true });
    const b0 = mm.brk(0);
    mm.brk(b0 + 4 * P);
    mm.mseal(b0, 4 * P);
    expect(mm.brk(b0)).toBe(b0 + 4 * P);
  });

  it('is ENOSYS on a kernel before 6.10', () => {
    const mm = newMm({ profile: { ...LINUX_6_18_V669, name: '6.6', kernel: '6.6.0', mseal: false } });
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mseal(W, P))).toBe('ENOSYS');
    expect(mm.syscall('mseal', [W, P, 0])).toBe(-38);
  });
});
