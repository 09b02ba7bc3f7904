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
  // Checked against Starnix's memory_manager.rs before alternate_anon_allocs (docs/architecture.md, "What Starnix's
  // code did"): extend_brk grows the [heap] mapping with try_remap_in_place, which resizes its VMO, zeroes the new
  // pages and maps the whole mapping again; remap_move creates the destination's snapshot child at the new length.
  function zirconMaps(mm: MemoryManager, lo: number, hi: number): [number, number, number | undefined, number | undefined][] {
    return mm.userVmar
      .mapsInfo()
      .records.filter((x) => x.depth === 1 && x.base >= lo && x.base < hi)
      .map((m) => [m.base - lo, m.size, m.mapping?.vmoKoid, m.mapping?.vmoOffset]);
  }

  it('brk growth resizes the [heap] VMO and maps the whole heap again as one Zircon mapping', () => {
    const mm = make('per-mapping');
    const b0 = mm.brk(0);
    expect(mm.brk(b0 + 0x1000)).toBe(b0 + 0x1000);
    mm.write(b0, new Uint8Array([0x5a]));
    const heap = mm.anonVmos().at(-1);
    expect(heap).toMatchObject({ size: 0x1000, name: 'starnix-anon' });
    const n = mm.anonVmos().length;
    expect(mm.brk(b0 + 0x3000)).toBe(b0 + 0x3000);
    expect(mm.anonVmos().length).toBe(n);
    expect(mm.anonVmos().find((v) => v.koid === heap?.koid)).toMatchObject({ size: 0x3000 });
    expect(zirconMaps(mm, b0, b0 + 0x3000)).toEqual([[0, 0x3000, heap?.koid, 0]]);
    expect(mm.read(b0, 1)).toMatchObject({ ok: true, data: new Uint8Array([0x5a]) });
    expect(mm.read(b0 + 0x2000, 1)).toMatchObject({ ok: true, data: new Uint8Array([0]) });
    // single: one VMO, offset = address (Zircon merges the growth's mapping with the heap's).
    const s = make('single');
    const s0 = s.brk(0);
    s.brk(s0 + 0x1000);
    s.brk(s0 + 0x3000);
    expect(zirconMaps(s, s0, s0 + 0x3000).map((m) => [m[0], m[1], m[3]])).toEqual([[0, 0x3000, s0]]);
  });

  it('an mremap move gives the destination a snapshot child of the moved range at the new length', () => {
    const mm = make('per-mapping');
    const a = mm.mmap(0x10000000, 0x3000, RW, FIXED);
    for (let i = 0; i < 3; i++) mm.write(a + i * 0x1000, new Uint8Array([0x61 + i]));
    const A = mm.anonVmos().at(-1);
    // Move the first page, growing it to two: the parent's second page must not show through.
    const to = 0x20000000;
    expect(mm.mremap(a, 0x1000, 0x2000, 3, to)).toBe(to);
    const child = mm.anonVmos().find((v) => v.parentKoid === A?.koid && v.size === 0x2000);
    expect(child).toMatchObject({ depth: 1, name: 'starnix-anon' });
    expect(zirconMaps(mm, to, to + 0x2000)).toEqual([[0, 0x2000, child?.koid, 0]]);
    expect(mm.read(to, 1)).toMatchObject({ ok: true, data: new Uint8Array([0x61]) });
    expect(mm.read(to + 0x1000, 1)).toMatchObject({ ok: true, data: new Uint8Array([0]) });
    // The source's remaining pages went to a snapshot child of their own (munmap's tail rule).
    expect(mm.read(a + 0x1000, 1)).toMatchObject({ ok: true, data: new Uint8Array([0x62]) });
    mm.validate();
  });
  it('closes exactly the VMOs no VMA maps, looking only at those a call released', () => {
    // The VMOs left after each call are the VMOs the Zircon mappings use (what a walk over every VMA would keep).
    const mm = make('per-mapping');
    const mapped = (): number[] => {
      const koids = new Set(mm.anonVmos().map((v) => v.koid));
      const used = new Set<number>();
      for (const r of mm.userVmar.mapsInfo().records) if (r.mapping && koids.has(r.mapping.vmoKoid)) used.add(r.mapping.vmoKoid);
      return [...used].sort((x, y) => x - y);
    };
    const check = (): void => expect(mm.anonVmos().map((v) => v.koid).sort((x, y) => x - y)).toEqual(mapped());
    const base = 0x10000000;
    for (let i = 0; i < 40; i++) mm.mmap(base + i * 0x5000, 0x4000, RW, FIXED);
    check();
    for (let i = 0; i < 40; i += 3) {
      mm.mprotect(base + i * 0x5000 + 0x1000, 0x1000, Prot.READ); // three pieces sharing one VMO
      mm.munmap(base + i * 0x5000, 0x2000); // the head and the read-only piece: a snapshot child for the rest
      check();
    }
    for (let i = 1; i < 40; i += 3) {
      mm.munmap(base + i * 0x5000 + 0x1000, 0x2000); // the middle: resize + child
      check();
      mm.mremap(base + i * 0x5000 + 0x3000, 0x1000, 0x2000, 3, 0x30000000 + i * 0x4000); // a move: the source VMO goes
      check();
    }
    mm.munmap(base, 40 * 0x5000); // everything at once
    check();
    const child = mm.fork();
    expect(child.anonVmos().length).toBe(mm.anonVmos().length);
    mm.validate();
    child.validate();
  });
  it('a failed mmap closes the VMO it made (no VMA changed, so only the new VMO is looked at)', () => {
    const mm = make('per-mapping');
    const a = mm.mmap(0x10000000, 0x2000, RW, FIXED);
    mm.mseal(a, 0x2000, 0);
    const n = mm.anonVmos().length;
    expect(() => mm.mmap(a, 0x2000, Prot.READ, FIXED)).toThrow(expect.objectContaining({ code: 'EPERM' }));
    expect(mm.anonVmos().length).toBe(n);
    mm.validate();
  });
});
