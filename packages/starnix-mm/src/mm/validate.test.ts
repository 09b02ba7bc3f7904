/** validate(): the invariants between the Linux and the Zircon view, the errno boundary and atomic failures. */
import { describe, expect, it } from 'vitest';
import { Kernel, VmOptions, Vmo, ZxError } from '@memsim/zircon-objects';
import { UffdRegisterMode, VirtualClock } from '@memsim/userspace-swap';
import { ErrnoError } from '../errno/errno.js';
import { MapFlags, Prot } from '../abi/constants.js';
import { MemoryManager } from './memory-manager.js';
import { MmInvariantError } from './validate.js';
import { errno, P, PA, RW, W, FIX } from '../test-support/setup.js';

const mk = (): MemoryManager => MemoryManager.create(new Kernel({ seed: 3 }), { validate: true });
const SHARED = MapFlags.SHARED;
const PRIVATE = MapFlags.PRIVATE;

describe('validate', () => {
  it('passes on a fresh and a busy address space', () => {
    const mm = mk();
    mm.validate();
    const a = mm.mmap(W, 8 * P, RW, PA | FIX);
    mm.write(a, new Uint8Array(5 * P).fill(1));
    mm.mprotect(a + P, P, Prot.READ);
    mm.mlock(a + 4 * P, 2 * P);
    mm.munmap(a + 2 * P, P);
    mm.mremap(a + 4 * P, 2 * P, 4 * P, 1);
    mm.fork().validate();
    mm.validate();
  });

  it('catches a VMA whose Zircon mapping is gone, naming the invariant and the call', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 3 }));
    const a = mm.mmap(W, 4 * P, RW, PA | FIX);
    // Corrupt the Zircon view behind the memory manager's back.
    mm.userVmar.unmap(a + P, P);
    let err: unknown;
    try {
      mm.validate('after corruption');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MmInvariantError);
    expect((err as MmInvariantError).invariant).toBe('zircon-mapping-covers-vma');
    expect((err as MmInvariantError).message).toMatch(/zircon-mapping-covers-vma broken by after corruption/);
  });

  it('catches a Zircon mapping outside every VMA and one with the wrong permissions', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 3 }));
    const a = mm.mmap(W, 4 * P, RW, PA | FIX);
    mm.munmap(a + 2 * P, 2 * P);
    const vmo = Vmo.create(mm.kernel, P);
    mm.userVmar.map(VmOptions.SPECIFIC | VmOptions.PERM_READ, a + 3 * P - mm.userVmar.info().base, vmo, 0, P);
    expect(() => mm.validate()).toThrow(/no-zircon-mapping-outside-vma/);
    mm.userVmar.unmap(a + 3 * P, P);
    mm.userVmar.protect(VmOptions.PERM_READ, a, P);
    expect(() => mm.validate()).toThrow(/zircon-mapping-perms/);
  });

  it('runs after every call with options.validate, naming the call that broke an invariant', () => {
    const mm = mk();
    const a = mm.mmap(W, 4 * P, RW, PA | FIX);
    mm.userVmar.unmap(a, P);
    expect(() => mm.mprotect(a + 2 * P, P, Prot.READ)).toThrow(/zircon-mapping-covers-vma broken by mprotect\(0x100000002000/);
  });
});

describe('mmap of a file at huge offsets (Linux: the mapping must end below 2^63)', () => {
  const offsets: [bigint, number, string][] = [
    [0x7fffffffffffe000n, P, 'ok'],
    [0x7fffffffffffe000n, 2 * P, 'EOVERFLOW'],
    [0x7ffffffffffff000n, P, 'EOVERFLOW'],
    [0x8000000000000000n, P, 'EOVERFLOW'],
    [0xfffffffffffff000n, P, 'EOVERFLOW'],
    [1n << 53n, 2 * P, 'ok'],
    [(1n << 53n) - 4096n, 2 * P, 'ok'],
    [1n << 52n, P, 'ok'],
    [(1n << 52n) - 4096n, 3 * P, 'ok'],
  ];
  for (const type of [SHARED, PRIVATE]) {
    for (const [off, len, want] of offsets) {
      it(`${type === SHARED ? 'MAP_SHARED' : 'MAP_PRIVATE'} offset 0x${off.toString(16)} length ${len}: ${want}, never half-made`, () => {
        const mm = mk();
        const fd = mm.memfdCreate('f', 2 * P);
        const before = mm.maps();
        let got = 'ok';
        let addr = 0;
        try {
          addr = mm.mmap(0, len, RW, type, fd, off);
        } catch (e) {
          if (!(e instanceof ErrnoError)) throw e;
          got = e.code;
        }
        expect(got).toBe(want);
        if (got !== 'ok') {
          expect(mm.maps()).toBe(before);
          return;
        }
        // Every page lies past the end of the file: SIGBUS, as on Linux.
        const r = mm.read(addr, 1);
        expect(r.ok ? 'read' : r.fault.signal).toBe('SIGBUS');
        expect(mm.maps()).toContain(off.toString(16).padStart(8, '0'));
        mm.mprotect(addr, P, Prot.READ);
        mm.madvise(addr, len, 4);
        expect(errno(() => mm.msync(addr, len, 4))).toBe('ok');
        mm.mincore(addr, len);
        // The mprotect split the mapping: a resize over two VMAs is EFAULT (as on Linux), of one it moves.
        expect(errno(() => mm.mremap(addr, len, len + P, 1))).toBe(len === P ? 'ok' : 'EFAULT');
        mm.fork().validate();
      });
    }
  }
});

describe('the errno boundary', () => {
  it('no ZxError leaves the public API', () => {
    const mm = mk();
    const fd = mm.memfdCreate('f', P);
    for (const off of [0x7fffffffffffe000n, 0x8000000000000000n, 2n ** 53n, 2n ** 60n]) {
      try {
        mm.mmap(0, P, RW, SHARED, fd, off);
      } catch (e) {
        expect(e).not.toBeInstanceOf(ZxError);
        expect(e).toBeInstanceOf(ErrnoError);
      }
    }
  });
});

describe('cases the campaign found', () => {
  it('munmap of a range starting below the user VMAR unmaps the Zircon side too', () => {
    const mm = mk();
    const fd = mm.memfdCreate('f', 0);
    const a = mm.mmap(W + 0x17000, 4 * P, Prot.READ, SHARED, fd, P);
    expect(mm.munmap(0x8000, a + 4 * P + 0x9000 - 0x8000)).toBe(0);
    expect(mm.vmas().some((v) => v.start === a)).toBe(false);
    mm.validate();
  });

  it('mremap(MREMAP_FIXED) below the user VMAR is EPERM, as mmap(MAP_FIXED) there', () => {
    const mm = mk();
    const a = mm.mmap(W, 8 * P, RW, PA | FIX);
    expect(errno(() => mm.mremap(a, 8 * P, 8 * P, 3, 0x4000))).toBe('EPERM');
    expect(errno(() => mm.mremap(a, 4 * P, 8 * P, 3, 0x4000))).toBe('EPERM');
    expect(errno(() => mm.mmap(0x4000, P, RW, PA | FIX))).toBe('EPERM');
  });
});

describe('mremap: a multi-VMA move over userfaultfd-registered VMAs (Linux 6.18, measured)', () => {
  // Source: 2 pages rw, 2 pages r, 2 pages rw (three VMAs) at W; destination 6 PROT_NONE pages at W + 8 pages.
  const setup = (register: 'none' | 'first' | 'second' | 'single'): { mm: MemoryManager; a: number; d: number } => {
    const mm = mk();
    const a = mm.mmap(W, 6 * P, RW, PA | FIX);
    mm.mprotect(a + 2 * P, 2 * P, Prot.READ);
    const d = mm.mmap(W + 8 * P, 6 * P, 0, PA | FIX);
    mm.write(a, new Uint8Array([1]));
    const fd = mm.userfaultfd({ features: 0, clock: new VirtualClock() });
    if (register === 'first' || register === 'single') fd.registerRange(a, 2 * P, UffdRegisterMode.MISSING);
    if (register === 'second') fd.registerRange(a + 2 * P, 2 * P, UffdRegisterMode.MISSING);
    return { mm, a, d };
  };
  const lines = (mm: MemoryManager, a: number): string[] => mm.vmas().filter((v) => v.start >= a && v.start < a + 14 * P).map((v) => `${(v.start - a).toString(16)} ${v.prot}`);

  it('the first VMA registered: EFAULT, nothing moved or unmapped', () => {
    const { mm, a, d } = setup('first');
    const before = lines(mm, a);
    expect(errno(() => mm.mremap(a, 6 * P, 6 * P, 3, d))).toBe('EFAULT');
    expect(lines(mm, a)).toEqual(before);
  });

  it('a later VMA registered: the VMAs before it move, then EFAULT (part-way, as Linux)', () => {
    const { mm, a, d } = setup('second');
    expect(errno(() => mm.mremap(a, 6 * P, 6 * P, 3, d))).toBe('EFAULT');
    expect(lines(mm, a)).toEqual(['2000 1', '4000 3', '8000 3', 'a000 0']);
  });

  it('a registered single VMA moves, and an unregistered multi-VMA move works', () => {
    const one = setup('single');
    expect(one.mm.mremap(one.a, 2 * P, 2 * P, 3, one.d)).toBe(one.d);
    const multi = setup('none');
    expect(multi.mm.mremap(multi.a, 6 * P, 6 * P, 3, multi.d)).toBe(multi.d);
    expect(lines(multi.mm, multi.a)).toEqual(['8000 3', 'a000 1', 'c000 3']);
  });
});
