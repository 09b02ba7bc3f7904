/**
 * MADV_GUARD_INSTALL / MADV_GUARD_REMOVE as Linux 6.18 answers them (measured with C probes on the live kernel).
 */
import { describe, expect, it } from 'vitest';
import { Advice, MapFlags, MremapFlags, Prot } from '../abi/constants.js';
import { LINUX_6_18_V669 } from '../profile/kernel-profile.js';
import { FIX, P, PA, RW, SA, W, bytes, errno, newMm, peek, poke } from '../test-support/setup.js';
import type { MemoryManager } from './memory-manager.js';

const fault = (mm: MemoryManager, addr: number, write = false): string => {
  const r = write ? mm.write(addr, new Uint8Array([1])) : mm.read(addr, 1);
  return r.ok ? 'ok' : `${r.fault.signal} ${r.fault.code}`;
};
const vmflags = (mm: MemoryManager, addr: number): string => {
  const b = mm.smaps().split(/\n(?=[0-9a-f]+-)/).find((x) => x.startsWith(addr.toString(16)));
  return /VmFlags: (.*)/.exec(b ?? '')?.[1].trim() ?? '';
};

describe('guard regions', () => {
  it('fault on any access, without splitting the VMA; kernel copies stop there; mincore says absent', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    poke(mm, W, bytes(6 * P, 7));
    const maps = mm.maps();
    expect(mm.madvise(W + P, 2 * P, Advice.GUARD_INSTALL)).toBe(0);
    expect(mm.maps()).toBe(maps);
    expect(vmflags(mm, W)).toBe('rd wr mr mw me gu ac');
    expect(fault(mm, W + P)).toBe('SIGSEGV SEGV_MAPERR');
    expect(fault(mm, W + 2 * P, true)).toBe('SIGSEGV SEGV_MAPERR');
    expect(peek(mm, W + 3 * P, 1)[0]).toBe(7);
    expect(mm.kernelRead(W, 3 * P)).toHaveLength(P);
    expect(errno(() => mm.kernelRead(W + P, P))).toBe('EFAULT');
    expect([...mm.mincore(W, 4 * P)]).toEqual([1, 0, 0, 1]);
    // Rss: the two guarded pages were zapped.
    expect(mm.smaps()).toMatch(/Rss: +16 kB/);
  });

  it('survive DONTNEED, FREE, DONTNEED_LOCKED and mprotect; PROT_NONE faults with SEGV_ACCERR first', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    mm.madvise(W + P, P, Advice.GUARD_INSTALL);
    for (const a of [Advice.DONTNEED, Advice.FREE, Advice.DONTNEED_LOCKED, Advice.PAGEOUT, Advice.COLD]) {
      expect(mm.madvise(W, 4 * P, a)).toBe(0);
      expect(fault(mm, W + P)).toBe('SIGSEGV SEGV_MAPERR');
    }
    expect(errno(() => mm.madvise(W, P, Advice.REMOVE))).toBe('EINVAL');
    mm.mprotect(W, 4 * P, Prot.READ);
    expect(fault(mm, W + P)).toBe('SIGSEGV SEGV_MAPERR');
    mm.mprotect(W, 4 * P, Prot.NONE);
    expect(fault(mm, W + P)).toBe('SIGSEGV SEGV_ACCERR');
    mm.mprotect(W, 4 * P, RW);
    // The sticky 'gu' flag let the VMAs merge back into one.
    expect(mm.vmas().filter((v) => v.start >= W && v.start < W + 4 * P)).toHaveLength(1);
  });

  it('stop populating: MADV_POPULATE_* EFAULT, mlock ENOMEM (the VMA stays locked), mlock2 ONFAULT succeeds', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    mm.madvise(W + 3 * P, P, Advice.GUARD_INSTALL);
    expect(errno(() => mm.madvise(W, 6 * P, Advice.POPULATE_READ))).toBe('EFAULT');
    expect(errno(() => mm.madvise(W, 6 * P, Advice.POPULATE_WRITE))).toBe('EFAULT');
    expect(errno(() => mm.mlock(W, 6 * P))).toBe('ENOMEM');
    expect(vmflags(mm, W)).toContain('lo');
    mm.munlock(W, 6 * P);
    expect(mm.mlock2(W, 6 * P, 1)).toBe(0);
    mm.munlock(W, 6 * P);
    expect(fault(mm, W + 3 * P)).toBe('SIGSEGV SEGV_MAPERR');
  });

  it('are refused on locked VMAs (EINVAL), though removing is allowed there', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    mm.mlock(W, P);
    expect(errno(() => mm.madvise(W, P, Advice.GUARD_INSTALL))).toBe('EINVAL');
    expect(mm.madvise(W, 2 * P, Advice.GUARD_REMOVE)).toBe(0);
    mm.munlock(W, P);
    mm.mlock2(W, P, 1);
    expect(errno(() => mm.madvise(W, P, Advice.GUARD_INSTALL))).toBe('EINVAL');
  });

  it('are removed by GUARD_REMOVE (private anonymous pages read zero), munmap and MAP_FIXED; a hole is ENOMEM after the rest', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 6 * P, RW, PA | FIX);
    poke(mm, W, bytes(6 * P, 7));
    mm.madvise(W + P, 2 * P, Advice.GUARD_INSTALL);
    expect(mm.madvise(W + P, P, Advice.GUARD_REMOVE)).toBe(0);
    expect(peek(mm, W + P, 1)[0]).toBe(0);
    expect(fault(mm, W + 2 * P)).toBe('SIGSEGV SEGV_MAPERR');
    // Still 'gu' (sticky).
    mm.madvise(W + 2 * P, P, Advice.GUARD_REMOVE);
    expect(vmflags(mm, W)).toContain('gu');
    mm.madvise(W + 3 * P, P, Advice.GUARD_INSTALL);
    mm.munmap(W + 3 * P, P);
    mm.mmap(W + 3 * P, P, RW, PA | FIX);
    expect(fault(mm, W + 3 * P)).toBe('ok');
    mm.madvise(W + 4 * P, P, Advice.GUARD_INSTALL);
    mm.mmap(W + 4 * P, P, RW, PA | FIX);
    expect(fault(mm, W + 4 * P)).toBe('ok');
    mm.munmap(W + 5 * P, P);
    expect(errno(() => mm.madvise(W + 4 * P, 2 * P, Advice.GUARD_INSTALL))).toBe('ENOMEM');
    expect(fault(mm, W + 4 * P)).toBe('SIGSEGV SEGV_MAPERR');
  });

  it('are kept across fork (not in wipe-on-fork or don\'t-fork VMAs) and move with mremap', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    poke(mm, W, bytes(4 * P, 7));
    mm.madvise(W + P, P, Advice.GUARD_INSTALL);
    const child = mm.fork();
    expect(fault(child, W + P)).toBe('SIGSEGV SEGV_MAPERR');
    expect(peek(child, W, 1)[0]).toBe(7);
    expect(vmflags(child, W)).toContain('gu');
    mm.madvise(W, 4 * P, Advice.WIPEONFORK);
    const wiped = mm.fork();
    expect(fault(wiped, W + P)).toBe('ok');
    expect(peek(wiped, W, 1)[0]).toBe(0);
    mm.madvise(W, 4 * P, Advice.KEEPONFORK);
    const to = mm.mremap(W, 4 * P, 4 * P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 100 * P);
    expect(fault(mm, to + P)).toBe('SIGSEGV SEGV_MAPERR');
    expect(fault(mm, to)).toBe('ok');
  });

  it('work on shared anonymous and file mappings, whose data stays in the object', () => {
    const mm = newMm({ validate: true });
    const s = W;
    mm.mmap(s, 4 * P, RW, SA | FIX);
    poke(mm, s, new Uint8Array([5]));
    expect(mm.madvise(s, P, Advice.GUARD_INSTALL)).toBe(0);
    expect(fault(mm, s)).toBe('SIGSEGV SEGV_MAPERR');
    mm.madvise(s, P, Advice.GUARD_REMOVE);
    expect(peek(mm, s, 1)[0]).toBe(5);
    const fd = mm.memfdCreate('x', 4 * P);
    const f = mm.mmap(W + 16 * P, 4 * P, RW, MapFlags.SHARED | FIX, fd, 0);
    poke(mm, f, new Uint8Array([9]));
    mm.madvise(f, P, Advice.GUARD_INSTALL);
    expect(fault(mm, f)).toBe('SIGSEGV SEGV_MAPERR');
    mm.madvise(f, P, Advice.GUARD_REMOVE);
    expect(peek(mm, f, 1)[0]).toBe(9);
    const g = mm.mmap(W + 32 * P, 4 * P, RW, MapFlags.PRIVATE | FIX, fd, 0);
    poke(mm, g, new Uint8Array([3]));
    mm.madvise(g, P, Advice.GUARD_INSTALL);
    mm.madvise(g, P, Advice.GUARD_REMOVE);
    // The private copy was zapped: the page reads the file again.
    expect(peek(mm, g, 1)[0]).toBe(9);
    // Read-only, PROT_NONE and MAP_GROWSDOWN VMAs accept markers too.
    mm.mmap(W + 48 * P, P, Prot.READ, PA | FIX);
    expect(mm.madvise(W + 48 * P, P, Advice.GUARD_INSTALL)).toBe(0);
    mm.mmap(W + 50 * P, P, Prot.NONE, PA | FIX);
    expect(mm.madvise(W + 50 * P, P, Advice.GUARD_INSTALL)).toBe(0);
  });

  it('are EINVAL on a kernel before 6.13, and the gu flag follows its profile field', () => {
    const old = newMm({ profile: { ...LINUX_6_18_V669, name: '6.12', kernel: '6.12.0', guardRegions: false, guardVmFlag: false } });
    old.mmap(W, P, RW, PA | FIX);
    expect(errno(() => old.madvise(W, P, Advice.GUARD_INSTALL))).toBe('EINVAL');
    expect(errno(() => old.madvise(W, P, Advice.GUARD_REMOVE))).toBe('EINVAL');
    const noFlag = newMm({ profile: { ...LINUX_6_18_V669, name: '6.15', kernel: '6.15.0', guardVmFlag: false } });
    noFlag.mmap(W, P, RW, PA | FIX);
    noFlag.madvise(W, P, Advice.GUARD_INSTALL);
    expect(vmflags(noFlag, W)).not.toContain('gu');
    expect(fault(noFlag, W)).toBe('SIGSEGV SEGV_MAPERR');
  });

  it('give an untouched anonymous VMA its anon_vma, so mprotect(PROT_READ) keeps the ac flag (Linux 6.18)', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    mm.mmap(W + 16 * P, 2 * P, RW, PA | FIX);
    mm.madvise(W + P, P, Advice.GUARD_INSTALL);
    mm.mprotect(W, 2 * P, Prot.READ);
    mm.mprotect(W + 16 * P, 2 * P, Prot.READ);
    expect(vmflags(mm, W)).toBe('rd mr mw me gu ac');
    expect(vmflags(mm, W + 16 * P)).toBe('rd mr mw me');
  });

  it('cost one range entry however large the range', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 2 ** 40, RW, PA | FIX | MapFlags.NORESERVE);
    expect(mm.madvise(W, 2 ** 40, Advice.GUARD_INSTALL)).toBe(0);
    expect(fault(mm, W + 2 ** 39)).toBe('SIGSEGV SEGV_MAPERR');
    expect(mm.madvise(W + P, 2 ** 39, Advice.GUARD_REMOVE)).toBe(0);
    expect(fault(mm, W + 2 * P)).toBe('ok');
  });
});
