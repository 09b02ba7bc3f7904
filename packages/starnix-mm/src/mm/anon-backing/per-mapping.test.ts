import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { MapFlags, Prot } from '../../abi/constants.js';
import { MemoryManager } from '../memory-manager.js';

const RW = Prot.READ | Prot.WRITE;
const ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
const FIXED = ANON | MapFlags.FIXED;

function make(design: 'single' | 'per-mapping'): MemoryManager {
  return MemoryManager.create(new Kernel(), { anonymousBacking: design, validate: true });
}

describe("anonymousBacking: 'per-mapping'", () => {
  it('defaults to single, one VMO named starnix:private-anon', () => {
    const mm = MemoryManager.create(new Kernel());
    expect(mm.anonymousBacking).toBe('single');
    expect(mm.anonVmos().map((v) => v.name)).toEqual(['starnix:private-anon']);
  });

  it('rejects an unknown design', () => {
    expect(() => MemoryManager.create(new Kernel(), { anonymousBacking: 'other' as never })).toThrow(TypeError);
  });

  it("seed 004: munmap of the middle page resizes the VMO and backs the last page with a snapshot child", () => {
    const mm = make('per-mapping');
    const before = mm.anonVmos().length; // the [stack]
    const a = mm.mmap(0x10000000, 0x3000, RW, FIXED);
    for (let i = 0; i < 3; i++) expect(mm.write(a + i * 0x1000, new Uint8Array([0x41 + i])).ok).toBe(true);
    const vmos = mm.anonVmos();
    expect(vmos.length).toBe(before + 1);
    const A = vmos[vmos.length - 1];
    expect(A).toMatchObject({ name: 'starnix-anon', size: 0x3000, committedBytes: 0x3000, parentKoid: null });
    mm.munmap(a + 0x1000, 0x1000);
    const after = mm.anonVmos();
    const a2 = after.find((v) => v.koid === A.koid);
    expect(a2).toMatchObject({ size: 0x1000 });
    const child = after.find((v) => v.parentKoid === A.koid);
    expect(child).toMatchObject({ size: 0x1000, depth: 1, name: 'starnix-anon' });
    const r = mm.read(a + 0x2000, 1);
    expect(r.ok && r.data?.[0]).toBe(0x43);
    const r0 = mm.read(a, 1);
    expect(r0.ok && r0.data?.[0]).toBe(0x41);
    const maps = mm.userVmar.mapsInfo().records.filter((x) => x.depth === 1 && x.base >= a && x.base < a + 0x3000);
    expect(maps.map((m) => [m.base - a, m.size, m.mapping?.vmoKoid, m.mapping?.vmoOffset])).toEqual([
      [0, 0x1000, A.koid, 0],
      [0x2000, 0x1000, child?.koid, 0],
    ]);
  });

  it('single: the same calls keep one VMO, offset = address', () => {
    const mm = make('single');
    const a = mm.mmap(0x10000000, 0x3000, RW, FIXED);
    mm.write(a + 0x2000, new Uint8Array([7]));
    mm.munmap(a + 0x1000, 0x1000);
    expect(mm.anonVmos().length).toBe(1);
    const m = mm.userVmar.mapsInfo().records.find((x) => x.depth === 1 && x.base === a + 0x2000);
    expect(m?.mapping?.vmoOffset).toBe(a + 0x2000);
  });

  it('adjacent mmaps stay separate VMAs (each has its VMO); an mprotect split merges back', () => {
    const pm = make('per-mapping');
    const a = pm.mmap(0x10000000, 0x2000, RW, FIXED);
    pm.mmap(a + 0x2000, 0x2000, RW, FIXED);
    const single = make('single');
    single.mmap(0x10000000, 0x2000, RW, FIXED);
    single.mmap(a + 0x2000, 0x2000, RW, FIXED);
    expect(pm.vmaCount).toBe(single.vmaCount + 1);
    const n = pm.vmaCount;
    pm.mprotect(a, 0x1000, Prot.READ);
    expect(pm.vmaCount).toBe(n + 1);
    pm.mprotect(a, 0x1000, RW);
    expect(pm.vmaCount).toBe(n);
  });

  it('mremap grows in place by resizing the VMO, and moves keep the data', () => {
    const mm = make('per-mapping');
    const a = mm.mmap(0x10000000, 0x2000, RW, FIXED);
    mm.write(a, new Uint8Array([1, 2, 3]));
    expect(mm.mremap(a, 0x2000, 0x4000, 0)).toBe(a);
    expect(mm.anonVmos().some((v) => v.size === 0x4000)).toBe(true);
    mm.mmap(a + 0x4000, 0x1000, RW, FIXED);
    const b = mm.mremap(a, 0x4000, 0x8000, 1);
    expect(b).not.toBe(a);
    const r = mm.read(b, 3);
    expect(r.ok && [...(r.data ?? [])]).toEqual([1, 2, 3]);
    expect(mm.read(b + 0x7000, 1)).toMatchObject({ ok: true });
  });

  it('fork gives the child a snapshot per VMO; writes stay private', () => {
    const mm = make('per-mapping');
    const a = mm.mmap(0x10000000, 0x2000, RW, FIXED);
    mm.write(a, new Uint8Array([9]));
    const child = mm.fork();
    expect(child.anonymousBacking).toBe('per-mapping');
    child.write(a, new Uint8Array([8]));
    expect(mm.read(a, 1)).toMatchObject({ ok: true, data: new Uint8Array([9]) });
    expect(child.read(a, 1)).toMatchObject({ ok: true, data: new Uint8Array([8]) });
    expect(child.anonVmos().every((v) => v.parentKoid !== null)).toBe(true);
    child.validate();
    expect(mm.exec().anonymousBacking).toBe('per-mapping');
  });

  it('fork, pagemap and a droppable sweep cost the pages a huge sparse mapping holds, not its size', () => {
    // Campaign seed 3378: a fork after a 16 TiB mapping walked every page of it (billions) in this design.
    const mm = make('per-mapping');
    const a = mm.mmap(0, 2 ** 44, RW, ANON | MapFlags.NORESERVE);
    mm.write(a + 2 ** 40, new Uint8Array([7]));
    const child = mm.fork();
    expect(child.read(a + 2 ** 40, 1)).toMatchObject({ ok: true, data: new Uint8Array([7]) });
    expect(child.pagemap(a + 2 ** 40, 1)[0] >> 55n).toBe(0x100n);
    child.validate();
  });

  it('MADV_DONTNEED zeroes the pages in the mapping VMO', () => {
    const mm = make('per-mapping');
    const a = mm.mmap(0, 0x2000, RW, ANON);
    mm.write(a + 0x1000, new Uint8Array([5]));
    mm.madvise(a, 0x2000, 4);
    expect(mm.read(a + 0x1000, 1)).toMatchObject({ ok: true, data: new Uint8Array([0]) });
  });

  it('closes the VMO of a mapping unmapped whole', () => {
    const mm = make('per-mapping');
    const n = mm.anonVmos().length;
    const a = mm.mmap(0, 0x2000, RW, ANON);
    expect(mm.anonVmos().length).toBe(n + 1);
    mm.munmap(a, 0x2000);
    expect(mm.anonVmos().length).toBe(n);
  });

  it('stack growth below [stack] maps a new VMO of its own', () => {
    const mm = make('per-mapping');
    const n = mm.vmaCount;
    const stackLow = mm.startStack + 0x100 - 0x21000;
    expect(mm.write(stackLow - 0x1000, new Uint8Array([1])).ok).toBe(true);
    expect(mm.vmaCount).toBe(n + 1);
  });
});
