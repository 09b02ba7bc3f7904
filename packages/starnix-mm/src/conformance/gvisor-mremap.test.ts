/** gVisor test/syscalls/linux/mremap.cc cases (each for PRIVATE and SHARED anonymous memory), same names. */
import { describe, expect, it } from 'vitest';
import { MapFlags, MremapFlags, Prot } from '../abi/constants.js';
import { bytes, errno, FIX, newMm, P, PA, peek, poke, RW, SA, W, windowMaps } from '../test-support/setup.js';
import type { MemoryManager } from '../mm/memory-manager.js';

const MAYMOVE = MremapFlags.MAYMOVE;
const MFIXED = MremapFlags.FIXED;

function mapped(mm: MemoryManager, a: number): boolean {
  return mm.read(a, 1).ok;
}

describe.each([
  ['PRIVATE', PA],
  ['SHARED', SA],
])('gVisor mremap.cc (%s)', (_name, flags) => {
  const setup = (pages: number): { mm: MemoryManager } => {
    const mm = newMm();
    mm.mmap(W, pages * P, RW, flags | FIX);
    return { mm };
  };
  it('Noop', () => {
    const { mm } = setup(3);
    expect(mm.mremap(W, 3 * P, 3 * P, 0)).toBe(W);
    expect(windowMaps(mm)).toHaveLength(1);
  });
  it('InPlace_ShrinkingWholeVMA', () => {
    const { mm } = setup(3);
    expect(mm.mremap(W, 3 * P, P, 0)).toBe(W);
    expect(mapped(mm, W)).toBe(true);
    expect(mapped(mm, W + P)).toBe(false);
  });
  it('InPlace_ShrinkingPartialVMA', () => {
    const { mm } = setup(3);
    expect(mm.mremap(W, 2 * P, P, 0)).toBe(W);
    expect([mapped(mm, W), mapped(mm, W + P), mapped(mm, W + 2 * P)]).toEqual([true, false, true]);
  });
  it('InPlace_ShrinkingAcrossVMAs', () => {
    const { mm } = setup(3);
    mm.mprotect(W + P, P, Prot.READ);
    // Shrinking ignores VMA boundaries.
    expect(mm.mremap(W, 3 * P, P, 0)).toBe(W);
    expect([mapped(mm, W), mapped(mm, W + P), mapped(mm, W + 2 * P)]).toEqual([true, false, false]);
  });
  it('InPlace_ExpansionSuccess', () => {
    const { mm } = setup(1);
    expect(mm.mremap(W, P, 3 * P, 0)).toBe(W);
    expect(mm.mremap(W, 3 * P, 3 * P, 0)).toBe(W);
  });
  it('InPlace_ExpansionFailure', () => {
    const { mm } = setup(1);
    mm.mmap(W + 2 * P, P, RW, flags | FIX);
    expect(errno(() => mm.mremap(W, P, 3 * P, 0))).toBe('ENOMEM');
    expect(mapped(mm, W + P)).toBe(false);
  });
  it('MayMove_Expansion', () => {
    const { mm } = setup(1);
    mm.mmap(W + P, P, RW, flags | FIX);
    poke(mm, W, bytes(4, 6));
    const to = mm.mremap(W, P, 3 * P, MAYMOVE);
    expect(to).not.toBe(W);
    expect([...peek(mm, to, 2)]).toEqual([6, 6]);
    expect(mapped(mm, W)).toBe(false);
  });
  it('Fixed_SourceAndDestinationCannotOverlap', () => {
    const { mm } = setup(2);
    expect(errno(() => mm.mremap(W, 2 * P, 2 * P, MAYMOVE | MFIXED, W + P))).toBe('EINVAL');
  });
  it('Fixed_SameSize', () => {
    const { mm } = setup(1);
    poke(mm, W, bytes(1, 3));
    mm.mmap(W + 4 * P, P, RW, flags | FIX);
    expect(mm.mremap(W, P, P, MAYMOVE | MFIXED, W + 4 * P)).toBe(W + 4 * P);
    expect(peek(mm, W + 4 * P, 1)[0]).toBe(3);
    expect(mapped(mm, W)).toBe(false);
  });
  it('Fixed_ShrinkingWholeVMA', () => {
    const { mm } = setup(2);
    expect(mm.mremap(W, 2 * P, P, MAYMOVE | MFIXED, W + 8 * P)).toBe(W + 8 * P);
    expect([mapped(mm, W), mapped(mm, W + P), mapped(mm, W + 8 * P), mapped(mm, W + 9 * P)]).toEqual([false, false, true, false]);
  });
  it('Fixed_ShrinkingAcrossVMAs (6.18: EFAULT is checked before any unmap)', () => {
    const { mm } = setup(3);
    mm.mprotect(W + P, P, Prot.READ);
    mm.mmap(W + 8 * P, 3 * P, RW, flags | FIX);
    // The shrunk source (2 pages) still crosses a VMA boundary: EFAULT, and on Linux 6.18 nothing was unmapped.
    expect(errno(() => mm.mremap(W, 3 * P, 2 * P, MAYMOVE | MFIXED, W + 8 * P))).toBe('EFAULT');
    expect([mapped(mm, W + 2 * P), mapped(mm, W + 8 * P)]).toEqual([true, true]);
  });
  it('Fixed_Expansion', () => {
    const { mm } = setup(1);
    poke(mm, W, bytes(1, 4));
    expect(mm.mremap(W, P, 2 * P, MAYMOVE | MFIXED, W + 8 * P)).toBe(W + 8 * P);
    expect(peek(mm, W + 8 * P, 1)[0]).toBe(4);
  });
  it('InPlace_Copy (ENOMEM for shared, EINVAL for private)', () => {
    const { mm } = setup(1);
    expect(errno(() => mm.mremap(W, 0, P, 0))).toBe(flags === SA ? 'ENOMEM' : 'EINVAL');
  });
  it('MayMove_Copy', () => {
    const { mm } = setup(1);
    if (flags === SA) {
      poke(mm, W, bytes(1, 8));
      const to = mm.mremap(W, 0, P, MAYMOVE);
      expect(peek(mm, to, 1)[0]).toBe(8);
      poke(mm, to, bytes(1, 9));
      expect(peek(mm, W, 1)[0]).toBe(9);
    } else expect(errno(() => mm.mremap(W, 0, P, MAYMOVE))).toBe('EINVAL');
  });
  it('MustMove_Copy', () => {
    const { mm } = setup(1);
    if (flags === SA) expect(mm.mremap(W, 0, P, MAYMOVE | MFIXED, W + 4 * P)).toBe(W + 4 * P);
    else expect(errno(() => mm.mremap(W, 0, P, MAYMOVE | MFIXED, W + 4 * P))).toBe('EINVAL');
  });
  it('SharedAnon (SIGBUS past the object) / private grows zero-filled', () => {
    const { mm } = setup(1);
    mm.mremap(W, P, 2 * P, 0);
    const r = mm.read(W + P, 1);
    if (flags === SA) expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGBUS' });
    else expect(r.ok).toBe(true);
  });
});

describe('gVisor mremap.cc (file)', () => {
  it('ExpansionPreservesCOWPagesAndExposesNewFilePages', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', 2 * P);
    mm.fd(fd).file.pwrite(bytes(2 * P, 1), 0);
    mm.mmap(W, P, RW, MapFlags.PRIVATE | FIX, fd, 0);
    poke(mm, W, bytes(1, 2));
    const to = mm.mremap(W, P, 2 * P, MAYMOVE);
    expect([peek(mm, to, 1)[0], peek(mm, to + P, 1)[0]]).toEqual([2, 1]);
  });
});
