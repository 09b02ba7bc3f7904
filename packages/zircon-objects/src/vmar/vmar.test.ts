import { describe, expect, it } from 'vitest';
import { MapsType, MemoryPriority, Rights, VmarOp, VmoChildOptions, VmoOptions, VmOptions, Vmo, ZxStatus, vmAlign } from '../index.js';
import { PAGE, bytes, expectStatus, filled, setup } from '../test-support/util.js';

const U64_MAX = 2n ** 64n - 1n;

const R = VmOptions.PERM_READ;
const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;
const RWX = RW | VmOptions.PERM_EXECUTE;
const CAN_RW = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE;
const CAN_RWX = CAN_RW | VmOptions.CAN_MAP_EXECUTE;
const SPEC = VmOptions.SPECIFIC;

describe('vmar core tests', () => {
  it('DestroyTest', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 10 * PAGE);
    const vmo = Vmo.create(kernel, PAGE);
    const at = vmar.map(RW, 0, vmo, 0, PAGE);
    expect(vmo.info().numMappings).toBe(1);
    vmar.destroy();
    // Mappings are gone, the handle stays valid, every mutation is BAD_STATE.
    expect(vmo.info().numMappings).toBe(0);
    expect(vmar.valid).toBe(true);
    expectStatus(() => vmar.map(RW, 0, vmo, 0, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => vmar.destroy(), ZxStatus.BAD_STATE);
    expectStatus(() => vmar.allocate(CAN_RW, 0, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => vmar.unmap(at, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => vmar.protect(R, at, PAGE), ZxStatus.BAD_STATE);
    // The range is free again and can be reused with SPECIFIC.
    const again = root.allocate(CAN_RW | SPEC, address - root.info().base, 10 * PAGE);
    expect(again.address).toBe(address);
  });

  it('BasicAllocateTest', () => {
    const { root } = setup();
    const { base, len } = root.info();
    const a = root.allocate(CAN_RWX, 0, 4 * PAGE);
    expect(a.address).toBeGreaterThanOrEqual(base);
    expect(a.address + 4 * PAGE).toBeLessThanOrEqual(base + len);
    expect(a.vmar.info()).toEqual({ base: a.address, len: 4 * PAGE });
    expect(a.vmar.rights).toBe((Rights.DEFAULT_VMAR | Rights.READ | Rights.WRITE | Rights.EXECUTE) >>> 0);
    const b = a.vmar.allocate(VmOptions.CAN_MAP_READ, 0, PAGE);
    expect(b.address).toBeGreaterThanOrEqual(a.address);
    expect(b.address + PAGE).toBeLessThanOrEqual(a.address + 4 * PAGE);
    expect(b.vmar.rights).toBe((Rights.DEFAULT_VMAR | Rights.READ) >>> 0);
    // Closing the handle does not free the range.
    const before = a.vmar.mapsInfo().avail;
    b.vmar.close();
    expect(a.vmar.mapsInfo().avail).toBe(before);
  });

  it('MapInCompactTest', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.COMPACT, 0, 64 * PAGE);
    const vmo = Vmo.create(kernel, PAGE);
    const addrs = Array.from({ length: 16 }, () => vmar.map(RW, 0, vmo, 0, PAGE)).sort((x, y) => x - y);
    // Dense: lowest first fit, one page after the other.
    addrs.forEach((a, i) => expect(a).toBe(address + i * PAGE));
  });

  it('MapInUpperLimitTest', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 64 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const UL = VmOptions.OFFSET_IS_UPPER_LIMIT;
    // Map until the space below the limit is full (ASLR may fragment it): every mapping ends below the limit.
    let count = 0;
    for (;;) {
      let a: number;
      try {
        a = vmar.map(RW | UL, 16 * PAGE, vmo, 0, 2 * PAGE);
      } catch {
        break;
      }
      expect(a).toBeGreaterThanOrEqual(address);
      expect(a + 2 * PAGE).toBeLessThanOrEqual(address + 16 * PAGE);
      count++;
    }
    expect(count).toBeGreaterThanOrEqual(5);
    expectStatus(() => vmar.map(RW | UL, 16 * PAGE, vmo, 0, 2 * PAGE), ZxStatus.NO_RESOURCES);
    // Lowest-first placement packs exactly 8 two-page mappings under a 16-page limit.
    const dense = setup({ aslr: false });
    const sub = dense.root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 64 * PAGE).vmar;
    const v2 = Vmo.create(dense.kernel, 2 * PAGE);
    for (let i = 0; i < 8; i++) sub.map(RW | UL, 16 * PAGE, v2, 0, 2 * PAGE);
    expectStatus(() => sub.map(RW | UL, 16 * PAGE, v2, 0, 2 * PAGE), ZxStatus.NO_RESOURCES);
    expectStatus(() => vmar.map(RW | UL, PAGE, vmo, 0, 2 * PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.map(RW | UL, 65 * PAGE, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.map(RW | UL | SPEC, 32 * PAGE, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    const plain = root.allocate(CAN_RW, 0, 8 * PAGE).vmar;
    expectStatus(() => plain.map(RW | UL, 8 * PAGE, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
  });

  it('AllocateOobTest', () => {
    const { root } = setup();
    const { vmar } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    expectStatus(() => vmar.allocate(CAN_RW | SPEC, 16 * PAGE, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.allocate(CAN_RW | SPEC, 15 * PAGE, 2 * PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.allocate(CAN_RW | SPEC, 0, 17 * PAGE), ZxStatus.INVALID_ARGS);
    expect(vmar.allocate(CAN_RW | SPEC, 15 * PAGE, PAGE).address).toBe(vmar.info().base + 15 * PAGE);
  });

  it('AllocateUnsatisfiableTest', () => {
    const { root } = setup();
    const { vmar } = root.allocate(CAN_RW, 0, 16 * PAGE);
    expectStatus(() => vmar.allocate(CAN_RW, 0, 17 * PAGE), ZxStatus.INVALID_ARGS);
    vmar.allocate(CAN_RW, 0, 16 * PAGE);
    expectStatus(() => vmar.allocate(CAN_RW, 0, PAGE), ZxStatus.NO_RESOURCES);
  });

  it('DestroyedVmarTest', () => {
    const { kernel, root } = setup();
    const a = root.allocate(CAN_RW, 0, 16 * PAGE).vmar;
    const b = a.allocate(CAN_RW, 0, 4 * PAGE).vmar;
    const vmo = Vmo.create(kernel, PAGE);
    b.map(RW, 0, vmo, 0, PAGE);
    a.destroy();
    for (const v of [a, b]) {
      expectStatus(() => v.allocate(CAN_RW, 0, PAGE), ZxStatus.BAD_STATE);
      expectStatus(() => v.map(RW, 0, vmo, 0, PAGE), ZxStatus.BAD_STATE);
      expectStatus(() => v.unmap(v.info().base, PAGE), ZxStatus.BAD_STATE);
      expectStatus(() => v.protect(R, v.info().base, PAGE), ZxStatus.BAD_STATE);
      expectStatus(() => v.destroy(), ZxStatus.BAD_STATE);
      expectStatus(() => v.mapsInfo(), ZxStatus.BAD_STATE);
    }
    expect(vmo.info().numMappings).toBe(0);
  });

  it('MapOverDestroyedTest', () => {
    const { kernel, process, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW, 0, 4 * PAGE);
    const v1 = Vmo.create(kernel, PAGE);
    v1.write(bytes(1), 0);
    const inner = vmar.map(RW, 0, v1, 0, PAGE);
    vmar.destroy();
    const v2 = Vmo.create(kernel, 4 * PAGE);
    v2.write(bytes(2), inner - address);
    const at = root.map(RW | SPEC, address - root.info().base, v2, 0, 4 * PAGE);
    expect(at).toBe(address);
    const out = new Uint8Array(1);
    expect(process.addressSpace.read(inner, out).ok).toBe(true);
    expect(out[0]).toBe(2);
  });

  it('AlignmentVmarMapTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    for (let log2 = 10; log2 <= 32; log2++) {
      const a = root.map(R | vmAlign(log2), 0, vmo, 0, PAGE);
      expect(a % 2 ** log2).toBe(0);
    }
    expectStatus(() => root.map(R | vmAlign(9), 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(R | vmAlign(33), 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    // SPECIFIC with an alignment the address does not have.
    const base = root.info().base;
    const off = Math.ceil(base / 2 ** 20) * 2 ** 20 - base + PAGE;
    expectStatus(() => root.map(R | SPEC | VmOptions.ALIGN_1MB, off, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expect(root.map(R | SPEC | VmOptions.ALIGN_1MB, off - PAGE, vmo, 0, PAGE) % 2 ** 20).toBe(0);
  });

  it('AlignmentVmarAllocateTest', () => {
    const { root } = setup();
    for (let log2 = 12; log2 <= 32; log2++) {
      const { address } = root.allocate(CAN_RW | vmAlign(log2), 0, PAGE);
      expect(address % 2 ** log2).toBe(0);
    }
    expectStatus(() => root.allocate(CAN_RW | vmAlign(33), 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW | vmAlign(5), 0, PAGE), ZxStatus.INVALID_ARGS);
  });

  it('vmAlign refuses what the 8-bit field cannot hold instead of returning NaN or non-u32 bits', () => {
    for (const bad of [Number.NaN, -1, 0.5, 256, Number.POSITIVE_INFINITY, null, -1n, '12']) {
      expect(() => vmAlign(bad as never)).toThrow(/vmAlign: log2/);
    }
    expect(vmAlign(255)).toBe(0xff00_0000);
  });

  it('OvermappingTest', () => {
    const { kernel, root } = setup();
    const { vmar } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, 4 * PAGE, vmo, 0, 4 * PAGE);
    expectStatus(() => vmar.map(RW | SPEC, 6 * PAGE, vmo, 0, 4 * PAGE), ZxStatus.ALREADY_EXISTS);
    expectStatus(() => vmar.map(RW | SPEC, 2 * PAGE, vmo, 0, 4 * PAGE), ZxStatus.ALREADY_EXISTS);
    vmar.allocate(CAN_RW | SPEC, 10 * PAGE, 2 * PAGE);
    expectStatus(() => vmar.map(RW | SPEC, 9 * PAGE, vmo, 0, 2 * PAGE), ZxStatus.ALREADY_EXISTS);
    expectStatus(() => vmar.allocate(CAN_RW | SPEC, 11 * PAGE, 2 * PAGE), ZxStatus.ALREADY_EXISTS);
    expect(vmar.map(RW | SPEC, 8 * PAGE, vmo, 0, 2 * PAGE)).toBe(vmar.info().base + 8 * PAGE);
  });

  it('InvalidArgsTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    // Bad options.
    expectStatus(() => root.map(RW | VmOptions.CAN_MAP_READ, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW | VmOptions.COMPACT, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(VmOptions.PERM_WRITE, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(VmOptions.PERM_EXECUTE, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW | VmOptions.MAP_RANGE | VmOptions.SPECIFIC_OVERWRITE, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW | VmOptions.FAULT_BEYOND_STREAM_SIZE, 0, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW | VmOptions.PERM_READ, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW | VmOptions.SPECIFIC_OVERWRITE, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW | VmOptions.MAP_RANGE, 0, PAGE), ZxStatus.INVALID_ARGS);
    // Offsets and sizes.
    expectStatus(() => root.map(RW, PAGE, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW | SPEC, 1, vmo, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW, 0, vmo, 1, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW, 0, vmo, 0, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW, 0, vmo, 0, U64_MAX), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => root.map(RW, 0, vmo, U64_MAX + 1n - BigInt(PAGE), PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => root.allocate(CAN_RW, 0, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW, 0, PAGE + 1), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW, PAGE, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.allocate(CAN_RW | SPEC | VmOptions.OFFSET_IS_UPPER_LIMIT, PAGE, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.unmap(0, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.unmap(root.info().base + 1, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.unmap(0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.protect(R, root.info().base, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.protect(R | VmOptions.SPECIFIC, root.info().base, PAGE), ZxStatus.INVALID_ARGS);
    // JS-level bad arguments map to Zircon statuses, never crashes.
    expectStatus(() => root.map(RW, 0, vmo, 0, 1.5), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW, 0, vmo, 0, '10' as unknown as number), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(RW, 0, {} as Vmo, 0, PAGE), ZxStatus.BAD_HANDLE);
    expectStatus(() => root.map(RW, 0, root as unknown as Vmo, 0, PAGE), ZxStatus.WRONG_TYPE);
    expectStatus(() => root.unmap(-PAGE, PAGE), ZxStatus.INVALID_ARGS);
  });

  it('UnalignedLenTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    root.protect(R, a, 4 * PAGE - 1);
    expect(root.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING).map((r) => r.mapping?.mmuFlags)).toEqual([R]);
    root.unmap(a, 4 * PAGE - 1);
    expect(vmo.info().numMappings).toBe(0);
  });

  it('UnalignedLenMapTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE - 1);
    const rec = root.mapsInfo().records.find((r) => r.base === a);
    expect(rec?.size).toBe(4 * PAGE);
    root.unmap(a, 4 * PAGE);
    expect(vmo.info().numMappings).toBe(0);
  });

  it('RightsDropTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const cases: [number, number][] = [
      [Rights.MAP | Rights.READ, R],
      [Rights.MAP | Rights.READ | Rights.WRITE, RW],
      [Rights.MAP | Rights.READ | Rights.EXECUTE, R | VmOptions.PERM_EXECUTE],
    ];
    const exec = vmo.duplicate(Rights.SAME_RIGHTS).replaceAsExecutable();
    for (const [rights, ok] of cases) {
      const h = exec.duplicate(rights);
      root.map(ok, 0, h, 0, PAGE);
      for (const perm of [R, RW, R | VmOptions.PERM_EXECUTE, RWX]) {
        if ((perm & ~ok) !== 0) expectStatus(() => root.map(perm, 0, h, 0, PAGE), ZxStatus.ACCESS_DENIED);
      }
    }
    // Without MAP nothing maps, even with no permissions.
    expectStatus(() => root.map(0, 0, vmo.duplicate(Rights.READ), 0, PAGE), ZxStatus.ACCESS_DENIED);
    // The VMAR handle's rights limit too.
    const ro = root.duplicate(Rights.DEFAULT_VMAR | Rights.READ);
    expectStatus(() => ro.map(RW, 0, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
    expect(ro.map(R, 0, vmo, 0, PAGE)).toBeGreaterThan(0);
  });

  it('ProtectTest', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(RW, 0, vmo, 0, PAGE);
    root.protect(R, a, PAGE);
    expect(process.addressSpace.write(a, bytes(1))).toEqual({ ok: false, fault: { kind: 'access-denied', address: a, access: 'write' } });
    root.protect(RW, a, PAGE);
    expect(process.addressSpace.write(a, bytes(1)).ok).toBe(true);
    root.protect(0, a, PAGE);
    expect(process.addressSpace.read(a, new Uint8Array(1)).ok).toBe(false);
    // Above the mapping's maximum (the VMO handle had no EXECUTE).
    expectStatus(() => root.protect(RWX, a, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => root.protect(VmOptions.PERM_WRITE, a, PAGE), ZxStatus.INVALID_ARGS);
    const ro = root.duplicate(Rights.DEFAULT_VMAR | Rights.READ);
    expectStatus(() => ro.protect(RW, a, PAGE), ZxStatus.ACCESS_DENIED);
    // Gaps are NOT_FOUND.
    expectStatus(() => root.protect(R, a, 2 * PAGE), ZxStatus.NOT_FOUND);
    // Max permissions are fixed at map time: a read-only map of a read-only handle can't become writable.
    const b = root.map(R, 0, vmo.duplicate(Rights.MAP | Rights.READ), 0, PAGE);
    expectStatus(() => root.protect(RW, b, PAGE), ZxStatus.ACCESS_DENIED);
  });

  it('ProtectSubregionTest', () => {
    const { kernel, root } = setup();
    const { vmar } = root.allocate(CAN_RW, 0, 4 * PAGE);
    const vmo = Vmo.create(kernel, PAGE);
    const a = vmar.map(R, 0, vmo, 0, PAGE);
    // May only lose permissions through the parent.
    expectStatus(() => root.protect(RW, a, PAGE), ZxStatus.ACCESS_DENIED);
    root.protect(0, a, PAGE);
    // Without OP_CHILDREN, mappings in sub-regions are off limits.
    const noChildren = root.duplicate((Rights.DEFAULT_VMAR | Rights.READ) & ~Rights.OP_CHILDREN);
    expectStatus(() => noChildren.protect(0, a, PAGE), ZxStatus.INVALID_ARGS);
    // The empty rest of the sub-region is a gap.
    expectStatus(() => root.protect(R, vmar.info().base, 4 * PAGE), ZxStatus.NOT_FOUND);
    vmar.protect(R, a, PAGE);
  });

  it('NestedRegionPermsTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const r = root.allocate(VmOptions.CAN_MAP_READ, 0, 8 * PAGE).vmar;
    expectStatus(() => r.allocate(CAN_RW, 0, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => r.map(RW, 0, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
    const rr = r.allocate(VmOptions.CAN_MAP_READ, 0, 4 * PAGE).vmar;
    expect(rr.map(R, 0, vmo, 0, PAGE)).toBeGreaterThan(0);
    expectStatus(() => rr.map(R | VmOptions.PERM_EXECUTE, 0, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
    // A handle without WRITE cannot create write-capable children.
    const roHandle = root.duplicate(Rights.DEFAULT_VMAR | Rights.READ);
    expectStatus(() => roHandle.allocate(CAN_RW, 0, PAGE), ZxStatus.ACCESS_DENIED);
  });

  it('ObjectInfoTest', () => {
    const { root } = setup();
    const { vmar, address } = root.allocate(CAN_RW, 0, 32 * PAGE);
    expect(vmar.info()).toEqual({ base: address, len: 32 * PAGE });
    expectStatus(() => vmar.duplicate(Rights.DEFAULT_VMAR & ~Rights.INSPECT).info(), ZxStatus.ACCESS_DENIED);
  });

  it('UnmapSplitTest', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    for (let i = 0; i < 4; i++) vmo.write(bytes(i + 1), i * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    root.unmap(a + PAGE, 2 * PAGE);
    const maps = root.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);
    expect(maps.map((m) => [m.base - a, m.size, m.mapping?.vmoOffset])).toEqual([
      [0, PAGE, 0],
      [3 * PAGE, PAGE, 3 * PAGE],
    ]);
    const out = new Uint8Array(1);
    process.addressSpace.read(a + 3 * PAGE, out);
    expect(out[0]).toBe(4);
    expect(process.addressSpace.read(a + PAGE, out).ok).toBe(false);
    expect(vmo.info().numMappings).toBe(2);
  });

  it('UnmapMultipleTest', () => {
    const { kernel, root } = setup();
    const { vmar } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, 0, vmo, 0, 2 * PAGE);
    vmar.map(RW | SPEC, 2 * PAGE, vmo, 0, 2 * PAGE);
    vmar.map(RW | SPEC, 6 * PAGE, vmo, 0, 2 * PAGE);
    vmar.unmap(vmar.info().base + PAGE, 6 * PAGE);
    const maps = vmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);
    expect(maps.map((m) => (m.base - vmar.info().base) / PAGE)).toEqual([0, 7]);
  });

  it('UnmapBaseNotMappedTest', () => {
    const { kernel, root } = setup();
    const { vmar } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, PAGE, vmo, 0, 4 * PAGE);
    vmar.unmap(vmar.info().base, 3 * PAGE);
    const maps = vmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);
    expect(maps.map((m) => [(m.base - vmar.info().base) / PAGE, m.size / PAGE])).toEqual([[3, 2]]);
    // Only gaps: OK (tests > docs).
    vmar.unmap(vmar.info().base + 8 * PAGE, 4 * PAGE);
  });

  it('UnmapOpChildren', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW, 0, 4 * PAGE);
    const vmo = Vmo.create(kernel, PAGE);
    vmar.map(RW, 0, vmo, 0, PAGE);
    const weak = root.duplicate((Rights.DEFAULT_VMAR | Rights.READ | Rights.WRITE) & ~Rights.OP_CHILDREN);
    expectStatus(() => weak.unmap(address, 4 * PAGE), ZxStatus.INVALID_ARGS);
    // Partly covering a sub-VMAR is INVALID_ARGS even with OP_CHILDREN.
    expectStatus(() => root.unmap(address, 2 * PAGE), ZxStatus.INVALID_ARGS);
    root.unmap(address, 4 * PAGE);
    expectStatus(() => vmar.map(RW, 0, vmo, 0, PAGE), ZxStatus.BAD_STATE);
    expect(vmo.info().numMappings).toBe(0);
  });

  it('MapSpecificOverwriteTest', () => {
    const { kernel, process, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const a = Vmo.create(kernel, 4 * PAGE);
    const b = Vmo.create(kernel, 2 * PAGE);
    a.write(filled(4 * PAGE, 0xa), 0);
    b.write(filled(2 * PAGE, 0xb), 0);
    vmar.map(RW | SPEC, 0, a, 0, 4 * PAGE);
    vmar.map(RW | VmOptions.SPECIFIC_OVERWRITE, PAGE, b, 0, 2 * PAGE);
    const out = new Uint8Array(4 * PAGE);
    process.addressSpace.read(address, out);
    expect([out[0], out[PAGE], out[2 * PAGE], out[3 * PAGE]]).toEqual([0xa, 0xb, 0xb, 0xa]);
    expect(a.info().numMappings).toBe(2);
    vmar.allocate(CAN_RW | SPEC, 8 * PAGE, 2 * PAGE);
    expectStatus(() => vmar.map(RW | VmOptions.SPECIFIC_OVERWRITE, 7 * PAGE, b, 0, 2 * PAGE), ZxStatus.INVALID_ARGS);
  });

  it('ProtectSplitTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    root.protect(R, a + PAGE, PAGE);
    const maps = root.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);
    expect(maps.map((m) => [(m.base - a) / PAGE, m.size / PAGE, m.mapping?.mmuFlags])).toEqual([
      [0, 1, RW],
      [1, 1, R],
      [2, 2, RW],
    ]);
  });

  it('ProtectMultipleTest', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, 0, vmo, 0, 2 * PAGE);
    vmar.map(RW | SPEC, 2 * PAGE, vmo, 0, 2 * PAGE);
    vmar.map(RW | SPEC, 5 * PAGE, vmo, 0, 2 * PAGE);
    vmar.protect(R, address + PAGE, 2 * PAGE);
    const flags = (): (number | undefined)[] =>
      vmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING).map((r) => r.mapping?.mmuFlags);
    expect(flags()).toEqual([RW, R, R, RW, RW]);
    // A gap anywhere: NOT_FOUND and nothing changes.
    expectStatus(() => vmar.protect(0, address, 7 * PAGE), ZxStatus.NOT_FOUND);
    expect(flags()).toEqual([RW, R, R, RW, RW]);
  });

  it('RangeOpCommitVmoPages', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    root.opRange(VmarOp.COMMIT, a, 2 * PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    root.opRange(VmarOp.DECOMMIT, a, PAGE);
    expect(vmo.info().committedBytes).toBe(PAGE);
    // A mapping that can never be writable refuses COMMIT.
    const b = root.map(R, 0, vmo.duplicate(Rights.MAP | Rights.READ), 0, PAGE);
    expectStatus(() => root.opRange(VmarOp.COMMIT, b, PAGE), ZxStatus.ACCESS_DENIED);
    // A read-only mapping whose maximum allows writing may commit.
    const c = root.map(R, 0, vmo, 0, 4 * PAGE);
    root.opRange(VmarOp.COMMIT, c, 4 * PAGE);
    expect(vmo.info().committedBytes).toBe(4 * PAGE);
  });

  it('RangeOpMapRange', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    root.opRange(VmarOp.MAP_RANGE, a, 4 * PAGE);
    expectStatus(() => root.opRange(VmarOp.MAP_RANGE, a, 5 * PAGE), ZxStatus.BAD_STATE);
    expect(vmo.info().committedBytes).toBe(0);
  });

  it('RangeOpSubRegions', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 4 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, 0, vmo, 0, 4 * PAGE);
    expectStatus(() => root.opRange(VmarOp.COMMIT, address, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.opRange(VmarOp.DECOMMIT, address, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.opRange(VmarOp.PREFETCH, address, PAGE), ZxStatus.INVALID_ARGS);
    vmo.write(filled(PAGE, 1), 0);
    root.opRange(VmarOp.ZERO, address, PAGE);
    expect(vmo.read(1, 0)[0]).toBe(0);
    vmar.opRange(VmarOp.COMMIT, address, PAGE);
    expect(vmo.info().committedBytes).toBe(PAGE);
  });

  it('BadRangeOpNestedVmar', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 4 * PAGE);
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmar.map(RW | SPEC, 0, vmo, 0, 4 * PAGE);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address, 5 * PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address - PAGE, PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address + 1, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.opRange(99, address, PAGE), ZxStatus.INVALID_ARGS);
    vmar.destroy();
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address, PAGE), ZxStatus.BAD_STATE);
  });

  it('ProtectCowWritable', () => {
    const { kernel, process, root } = setup();
    const parent = Vmo.create(kernel, PAGE);
    parent.write(bytes(5), 0);
    const clone = parent.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE);
    const a = root.map(R, 0, clone, 0, PAGE);
    expect(process.addressSpace.write(a, bytes(6)).ok).toBe(false);
    root.protect(RW, a, PAGE);
    expect(process.addressSpace.write(a, bytes(6)).ok).toBe(true);
    expect(parent.read(1, 0)[0]).toBe(5);
    expect(clone.read(1, 0)[0]).toBe(6);
  });

  it('MapRangeResizable', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE, VmoOptions.RESIZABLE);
    expectStatus(() => root.map(RW | VmOptions.REQUIRE_NON_RESIZABLE, 0, vmo, 0, 4 * PAGE), ZxStatus.NOT_SUPPORTED);
    const a = root.map(RW | VmOptions.MAP_RANGE, 0, vmo, 0, 4 * PAGE);
    vmo.setSize(2 * PAGE);
    expect(process.addressSpace.read(a + 3 * PAGE, new Uint8Array(1))).toEqual({
      ok: false,
      fault: { kind: 'beyond-vmo-size', address: a + 3 * PAGE, access: 'read' },
    });
    expect(process.addressSpace.write(a + PAGE, bytes(1)).ok).toBe(true);
  });

  it('AllowFaultsTest', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.DISCARDABLE);
    expectStatus(() => root.map(RW, 0, vmo, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    expect(root.map(RW | VmOptions.ALLOW_FAULTS, 0, vmo, 0, PAGE)).toBeGreaterThan(0);
    const plain = Vmo.create(kernel, PAGE);
    expect(root.map(RW | VmOptions.ALLOW_FAULTS | VmOptions.FAULT_BEYOND_STREAM_SIZE, 0, plain, 0, PAGE)).toBeGreaterThan(0);
  });

  it('PartialUnmapAndRead', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    vmo.write(filled(2 * PAGE, 3), 0);
    const a = root.map(RW, 0, vmo, 0, 2 * PAGE);
    root.unmap(a + PAGE, PAGE);
    const out = new Uint8Array(2 * PAGE);
    const r = process.addressSpace.read(a, out);
    expect(r).toEqual({ ok: false, fault: { kind: 'not-mapped', address: a + PAGE, access: 'read' } });
    // Bytes before the fault were transferred.
    expect(out[PAGE - 1]).toBe(3);
  });

  it('PartialUnmapAndWrite', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 2 * PAGE);
    root.unmap(a, PAGE);
    expect(process.addressSpace.write(a, filled(2 * PAGE, 1))).toEqual({
      ok: false,
      fault: { kind: 'not-mapped', address: a, access: 'write' },
    });
    expect(process.addressSpace.write(a + PAGE, filled(PAGE, 1)).ok).toBe(true);
    expect(vmo.read(1, PAGE)[0]).toBe(1);
  });

  it('PartialUnmapWithVmarOffset', () => {
    const { kernel, process, root } = setup();
    const { vmar, address } = root.allocate(CAN_RW | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    const vmo = Vmo.create(kernel, 8 * PAGE);
    for (let i = 0; i < 8; i++) vmo.write(bytes(i), i * PAGE);
    vmar.map(RW | SPEC, 4 * PAGE, vmo, 2 * PAGE, 4 * PAGE);
    vmar.unmap(address + 5 * PAGE, PAGE);
    const out = new Uint8Array(1);
    for (const [page, want] of [
      [4, 2],
      [6, 4],
      [7, 5],
    ] as const) {
      expect(process.addressSpace.read(address + page * PAGE, out).ok).toBe(true);
      expect(out[0]).toBe(want);
    }
    expect(process.addressSpace.read(address + 5 * PAGE, out).ok).toBe(false);
  });
});

describe('deeply nested sub-VMARs', () => {
  it('walks of 20000 nested regions (maps, protect, op_range, priority, destroy, kill) do not overflow the stack', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const CAN = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC;
    const top = root.allocate(CAN, 0, 4 * PAGE).vmar;
    let inner = top;
    for (let i = 0; i < 20000; i++) inner = inner.allocate(CAN | SPEC, 0, 4 * PAGE).vmar;
    const addr = inner.map(RW | SPEC, 0, vmo, 0, PAGE);
    const maps = root.mapsInfo();
    expect(maps.records.at(-1)).toMatchObject({ base: addr, depth: 20002, type: MapsType.MAPPING });
    expect(process.mapsInfo().avail).toBe(maps.avail + 1);
    top.protect(R, addr, PAGE);
    // op_range walks the whole chain before refusing a mapping of a sub-VMAR (BadRangeOpNestedVmar).
    expectStatus(() => top.opRange(VmarOp.COMMIT, addr, PAGE), ZxStatus.INVALID_ARGS);
    inner.opRange(VmarOp.COMMIT, addr, PAGE);
    expectStatus(() => top.protect(R, addr, 2 * PAGE), ZxStatus.NOT_FOUND);
    root.setMemoryPriority(MemoryPriority.HIGH);
    expect(inner.memoryPriority()).toBe(MemoryPriority.HIGH);
    top.destroy();
    expectStatus(() => inner.map(R, 0, vmo, 0, PAGE), ZxStatus.BAD_STATE);
    expect(vmo.info().numMappings).toBe(0);
    process.kill();
  });
});
