/**
 * MAP_DROPPABLE as Linux 6.18 answers it (measured with C probes on the live kernel), and its reclamation under the
 * Zircon kernel's memory pressure.
 */
import { describe, expect, it } from 'vitest';
import { PressureLevel } from '@memsim/zircon-objects';
import { Advice, MapFlags, Prot } from '../abi/constants.js';
import { LINUX_6_18_V669 } from '../profile/kernel-profile.js';
import { FIX, P, PA, RW, W, bytes, errno, newMm, peek, poke } from '../test-support/setup.js';
import type { MemoryManager } from './memory-manager.js';

const DA = MapFlags.DROPPABLE | MapFlags.ANONYMOUS;
const vmflags = (mm: MemoryManager, addr: number): string => {
  const b = mm.smaps().split(/\n(?=[0-9a-f]+-)/).find((x) => x.startsWith(addr.toString(16)));
  return /VmFlags: (.*)/.exec(b ?? '')?.[1].trim() ?? '';
};

describe('MAP_DROPPABLE', () => {
  it("maps private anonymous memory flagged 'nr wf dd dp' (no 'ac'); file, LOCKED, GROWSDOWN and HUGETLB are EINVAL", () => {
    const mm = newMm({ validate: true });
    const d = mm.mmap(0, 4 * P, RW, DA);
    expect(vmflags(mm, d)).toBe('rd wr mr mw me nr wf dd dp');
    poke(mm, d, bytes(P, 4));
    expect(peek(mm, d, 1)[0]).toBe(4);
    const fd = mm.memfdCreate('x', 4 * P);
    expect(errno(() => mm.mmap(0, 4 * P, RW, MapFlags.DROPPABLE, fd, 0))).toBe('EINVAL');
    for (const extra of [MapFlags.LOCKED, MapFlags.GROWSDOWN, MapFlags.HUGETLB]) expect(errno(() => mm.mmap(0, 4 * P, RW, DA | extra))).toBe('EINVAL');
    for (const extra of [MapFlags.POPULATE, MapFlags.NORESERVE, MapFlags.STACK]) expect(errno(() => mm.mmap(0, 4 * P, RW, DA | extra))).toBe('ok');
    // Types 0x0b and 0x0f stay invalid.
    expect(errno(() => mm.mmap(0, P, RW, 0x0b | MapFlags.ANONYMOUS))).toBe('EINVAL');
    expect(errno(() => mm.mmap(0, P, RW, 0x0f | MapFlags.ANONYMOUS))).toBe('EINVAL');
  });

  it('is never locked (mlock, mlock2 and mlockall succeed without it), and refuses KEEPONFORK and DODUMP', () => {
    const mm = newMm({ validate: true });
    const d = mm.mmap(W, 4 * P, RW, DA | FIX);
    expect(mm.mlock(d, 4 * P)).toBe(0);
    expect(mm.mlock2(d, 4 * P, 1)).toBe(0);
    expect(mm.mlockall(1)).toBe(0);
    expect(vmflags(mm, d)).not.toContain('lo');
    mm.munlockall();
    // Nor does MCL_FUTURE lock a new one (measured: Locked 0 kB, no 'lo').
    mm.mlockall(2);
    expect(vmflags(mm, mm.mmap(0, 4 * P, RW, DA))).toBe('rd wr mr mw me nr wf dd dp');
    mm.munlockall();
    expect(errno(() => mm.madvise(d, 4 * P, Advice.KEEPONFORK))).toBe('EINVAL');
    expect(errno(() => mm.madvise(d, 4 * P, Advice.DODUMP))).toBe('EINVAL');
    expect(errno(() => mm.madvise(d, 4 * P, Advice.REMOVE))).toBe('EINVAL');
    for (const a of [Advice.HUGEPAGE, Advice.FREE, Advice.DONTNEED, Advice.WIPEONFORK, Advice.DONTFORK, Advice.PAGEOUT]) expect(mm.madvise(d, 4 * P, a)).toBe(0);
    expect(vmflags(mm, d)).toBe('rd wr mr mw me dc nr wf dd hg dp');
    expect(mm.mprotect(d, P, Prot.READ)).toBe(0);
    expect(vmflags(mm, d)).toBe('rd mr mw me dc nr wf dd hg dp');
  });

  it('gives a fork child zeroed pages', () => {
    const mm = newMm({ validate: true });
    const d = mm.mmap(W, 4 * P, RW, DA | FIX);
    poke(mm, d, bytes(P, 4));
    const child = mm.fork();
    expect(peek(child, d, 1)[0]).toBe(0);
    expect(peek(mm, d, 1)[0]).toBe(4);
  });

  it('loses its contents when the kernel comes under memory pressure; other memory keeps them', () => {
    const mm = newMm({ validate: true });
    const d = mm.mmap(W, 4 * P, RW, DA | FIX);
    const a = mm.mmap(W + 16 * P, 4 * P, RW, PA | FIX);
    poke(mm, d, bytes(4 * P, 4));
    poke(mm, a, bytes(4 * P, 5));
    mm.kernel.forcePressure(PressureLevel.Warning);
    mm.validate();
    expect(peek(mm, d, 4 * P).every((b) => b === 0)).toBe(true);
    expect(peek(mm, a, 1)[0]).toBe(5);
    mm.kernel.forcePressure(null);
    poke(mm, d, bytes(P, 6));
    expect(peek(mm, d, 1)[0]).toBe(6);
    mm[Symbol.dispose]();
    // A disposed address space no longer listens.
    mm.kernel.forcePressure(PressureLevel.Critical);
  });

  it('is EINVAL on a kernel before 6.11', () => {
    const mm = newMm({ profile: { ...LINUX_6_18_V669, name: '6.10', kernel: '6.10.0', mapDroppable: false } });
    expect(errno(() => mm.mmap(0, P, RW, DA))).toBe('EINVAL');
  });
});
