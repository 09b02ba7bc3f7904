import { describe, expect, it } from 'vitest';
import { Kernel, MemoryPriority, PressureLevel, Process, VmOptions, Vmo, VmoChildOptions, VmoOp, VmoOptions, ZxStatus } from '../index.js';
import { PAGE, expectStatus, filled, setup } from '../test-support/util.js';

const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;
const CAN_RW = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE;

function smallKernel(): Kernel {
  return new Kernel({
    physicalMemoryBytes: 100 * PAGE,
    watermarks: {
      [PressureLevel.Warning]: 50 * PAGE,
      [PressureLevel.Critical]: 30 * PAGE,
      [PressureLevel.ImminentOutOfMemory]: 20 * PAGE,
      [PressureLevel.OutOfMemory]: 10 * PAGE,
    },
    hysteresisBytes: 5 * PAGE,
  });
}

describe('kernel', () => {
  it('options that would break later calls are INVALID_ARGS at construction', () => {
    expectStatus(() => new Kernel({ clock: 5 as never }), ZxStatus.INVALID_ARGS);
    expectStatus(() => new Kernel({ hysteresisBytes: -1 }), ZxStatus.INVALID_ARGS);
    expectStatus(() => new Kernel({ hysteresisBytes: Number.NaN }), ZxStatus.INVALID_ARGS);
    expectStatus(() => new Kernel({ hysteresisBytes: '5' as never }), ZxStatus.INVALID_ARGS);
  });

  it('ASLR is seeded and reproducible; aslr:false places lowest first', () => {
    const place = (k: Kernel): number[] => {
      const { rootVmar } = Process.create(k.rootJob, 'p');
      const vmo = Vmo.create(k, PAGE);
      return Array.from({ length: 5 }, () => rootVmar.map(RW, 0, vmo, 0, PAGE));
    };
    expect(place(new Kernel())).toEqual(place(new Kernel()));
    expect(place(new Kernel({ seed: 1 }))).not.toEqual(place(new Kernel({ seed: 2 })));
    expect(place(new Kernel({ seed: 7n }))).toEqual(place(new Kernel({ seed: 7 })));
    const low = place(new Kernel({ aslr: false }));
    expect(low).toEqual([0, 1, 2, 3, 4].map((i) => 0x200000 + i * PAGE));
    const k = new Kernel();
    const r = k.random();
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
    expect(k.randomInt(10)).toBeLessThan(10);
  });

  it('two kernels never interact', () => {
    const a = new Kernel();
    const b = new Kernel();
    Vmo.create(a, 4 * PAGE).write(filled(4 * PAGE, 1), 0);
    expect(a.memory.pageCount()).toBe(4);
    expect(b.memory.pageCount()).toBe(0);
    const { rootVmar } = Process.create(a.rootJob, 'p');
    expectStatus(() => rootVmar.map(RW, 0, Vmo.create(b, PAGE), 0, PAGE), ZxStatus.BAD_HANDLE);
  });

  it('pressure levels follow free memory, with hysteresis on easing', async () => {
    const k = smallKernel();
    const seen: PressureLevel[] = [];
    using _sub = k.onPressureChange((l) => seen.push(l));
    expect(k.pressureLevel()).toBe(PressureLevel.Normal);
    // Locked so that the reclamation the worsening triggers cannot undo the test's allocations.
    const vmo = Vmo.create(k, 100 * PAGE, VmoOptions.DISCARDABLE);
    vmo.opRange(VmoOp.LOCK, 0, 100 * PAGE);
    vmo.opRange(VmoOp.COMMIT, 0, 55 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.Warning);
    vmo.opRange(VmoOp.COMMIT, 0, 85 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.ImminentOutOfMemory);
    vmo.opRange(VmoOp.COMMIT, 0, 95 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.OutOfMemory);
    await Promise.resolve();
    expect(seen.at(-1)).toBe(PressureLevel.OutOfMemory);
    // Free 3 pages: 8 free is above nothing; still OOM. Free to 12: above OOM (10) but inside hysteresis (15).
    vmo.opRange(VmoOp.DECOMMIT, 88 * PAGE, 7 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.OutOfMemory);
    vmo.opRange(VmoOp.DECOMMIT, 80 * PAGE, 8 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.ImminentOutOfMemory);
    vmo.opRange(VmoOp.DECOMMIT, 0, 100 * PAGE);
    expect(k.pressureLevel()).toBe(PressureLevel.Normal);
    await Promise.resolve();
    expect(seen.at(-1)).toBe(PressureLevel.Normal);
  });

  it('forced pressure is announced at once and can be released', () => {
    const k = new Kernel();
    const seen: PressureLevel[] = [];
    const sub = k.onPressureChange((l) => seen.push(l));
    k.forcePressure(PressureLevel.Critical);
    expect(seen).toEqual([PressureLevel.Critical]);
    k.forcePressure(null);
    expect(seen).toEqual([PressureLevel.Critical, PressureLevel.Normal]);
    sub[Symbol.dispose]();
    k.forcePressure(PressureLevel.Warning);
    expect(seen).toHaveLength(2);
    expectStatus(() => k.forcePressure(9 as PressureLevel), ZxStatus.INVALID_ARGS);
  });

  it('reclamation compresses anonymous pages, keeping contents; populated keeps counting them', () => {
    const k = new Kernel();
    const vmo = Vmo.create(k, 4 * PAGE);
    for (let i = 0; i < 4; i++) vmo.write(filled(PAGE, i + 1), i * PAGE);
    expect(k.reclaim()).toEqual({ discarded: 0, compressed: 0 });
    k.forcePressure(PressureLevel.Critical);
    expect(k.reclaim().compressed).toBe(4);
    const info = vmo.info();
    expect(info.committedBytes).toBe(0);
    expect(info.populatedBytes).toBe(4 * PAGE);
    expect(k.memory.compressedBytes()).toBe(4 * PAGE);
    expect(k.memory.compressedStorageBytes()).toBeLessThan(4 * PAGE);
    expect(k.memory.pageCount()).toBe(4);
    expect(vmo.read(1, 2 * PAGE)[0]).toBe(3);
    expect(vmo.info().committedBytes).toBe(PAGE);
    // Writing a compressed page brings it back too; clones of compressed pages read correctly.
    const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, 4 * PAGE);
    clone.write(filled(1, 9), 3 * PAGE);
    expect(clone.read(2, 3 * PAGE - 1)[0]).toBe(3);
    expect(clone.read(2, 3 * PAGE)[0]).toBe(9);
    expect(vmo.read(1, 3 * PAGE)[0]).toBe(4);
    vmo.opRange(VmoOp.PREFETCH, 0, 4 * PAGE);
    expect(vmo.info().committedBytes).toBe(4 * PAGE);
  });

  it('memory priority: HIGH protects mapped VMOs, applies to the subtree and new children, resets on destroy', () => {
    const { kernel: k, root } = setup();
    const { vmar } = root.allocate(CAN_RW, 0, 64 * PAGE);
    const inner = vmar.allocate(CAN_RW, 0, 16 * PAGE).vmar;
    const protectedVmo = Vmo.create(k, 2 * PAGE);
    const otherVmo = Vmo.create(k, 2 * PAGE);
    protectedVmo.write(filled(2 * PAGE, 1), 0);
    otherVmo.write(filled(2 * PAGE, 2), 0);
    inner.map(RW, 0, protectedVmo, 0, 2 * PAGE);
    vmar.setMemoryPriority(MemoryPriority.HIGH);
    expect(inner.memoryPriority()).toBe(MemoryPriority.HIGH);
    const later = vmar.allocate(CAN_RW, 0, 4 * PAGE).vmar;
    expect(later.memoryPriority()).toBe(MemoryPriority.HIGH);
    k.forcePressure(PressureLevel.OutOfMemory);
    k.reclaim();
    expect(protectedVmo.info().committedBytes).toBe(2 * PAGE);
    expect(otherVmo.info().committedBytes).toBe(0);
    // Discardable VMOs mapped there are safe too.
    const disc = Vmo.create(k, PAGE, VmoOptions.DISCARDABLE);
    disc.write(filled(PAGE, 3), 0);
    later.map(RW | VmOptions.ALLOW_FAULTS, 0, disc, 0, PAGE);
    expect(k.reclaim().discarded).toBe(0);
    // Destroying resets: the VMO is reclaimable again.
    vmar.destroy();
    expect(k.reclaim().compressed).toBeGreaterThanOrEqual(2);
    expect(protectedVmo.info().committedBytes).toBe(0);
    expect(protectedVmo.read(1, PAGE)[0]).toBe(1);
    expectStatus(() => vmar.setMemoryPriority(MemoryPriority.HIGH), ZxStatus.BAD_STATE);
    expectStatus(() => root.setMemoryPriority(3 as MemoryPriority), ZxStatus.INVALID_ARGS);
  });

  it('setting HIGH brings compressed pages of mapped VMOs back', () => {
    const { kernel: k, root } = setup();
    const vmo = Vmo.create(k, 2 * PAGE);
    vmo.write(filled(2 * PAGE, 1), 0);
    const { vmar } = root.allocate(CAN_RW, 0, 4 * PAGE);
    vmar.map(RW, 0, vmo, 0, 2 * PAGE);
    k.forcePressure(PressureLevel.Critical);
    k.reclaim();
    expect(vmo.info().committedBytes).toBe(0);
    vmar.setMemoryPriority(MemoryPriority.HIGH);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
  });

  it('allocation failure evicts unlocked discardable VMOs synchronously', () => {
    const k = new Kernel({ physicalMemoryBytes: 4 * PAGE });
    const cache = Vmo.create(k, 3 * PAGE, VmoOptions.DISCARDABLE);
    cache.write(filled(3 * PAGE, 1), 0);
    const vmo = Vmo.create(k, 3 * PAGE);
    vmo.write(filled(3 * PAGE, 2), 0);
    expect(cache.info().committedBytes).toBe(0);
    expect(vmo.read(1, 2 * PAGE)[0]).toBe(2);
  });
});
