import { describe, expect, it } from 'vitest';
import {
  Process,
  PressureLevel,
  Rights,
  Signals,
  VmOptions,
  Vmo,
  VmoChildOptions,
  VmoInfoFlags,
  VmoOp,
  VmoOptions,
  ZxStatus,
} from '../index.js';
import { PAGE, bytes, expectStatus, filled, setup } from '../test-support/util.js';

const U64_MAX = 2n ** 64n - 1n;

const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;

describe('vmo core tests', () => {
  it('read of a valid range larger than any Uint8Array is a RangeError naming the length', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 ** 53 - PAGE);
    expect(() => vmo.read(2 ** 53 - PAGE, 0)).toThrow(/read: length/);
  });

  it('Create', () => {
    const { kernel } = setup();
    for (let i = 0; i < 8; i++) {
      const vmo = Vmo.create(kernel, i * PAGE);
      expect(vmo.getSize()).toBe(i * PAGE);
      expect(vmo.rights).toBe(Rights.DEFAULT_VMO);
      expect(vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0)).toBe(Signals.VMO_ZERO_CHILDREN);
    }
    expect(Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE).rights).toBe((Rights.DEFAULT_VMO | Rights.RESIZE) >>> 0);
    expectStatus(() => Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE | VmoOptions.UNBOUNDED), ZxStatus.INVALID_ARGS);
    expectStatus(() => Vmo.create(kernel, PAGE, 1 << 9), ZxStatus.INVALID_ARGS);
    expectStatus(() => Vmo.create(kernel, PAGE, VmoOptions.TRAP_DIRTY), ZxStatus.INVALID_ARGS);
    expectStatus(() => Vmo.create(kernel, U64_MAX), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => Vmo.create(kernel, -1), ZxStatus.INVALID_ARGS);
    expectStatus(() => Vmo.create(kernel, 1.5), ZxStatus.INVALID_ARGS);
    expect(Vmo.create(kernel, 2n).getSize()).toBe(PAGE);
    expectStatus(() => Vmo.create(kernel, 2n ** 64n), ZxStatus.INVALID_ARGS);
    expectStatus(() => Vmo.create(kernel, '2' as unknown as number), ZxStatus.INVALID_ARGS);
    const unbounded = Vmo.create(kernel, 5000, VmoOptions.UNBOUNDED);
    expect(unbounded.getContentSize()).toBe(5000);
    expect(unbounded.getSize()).toBeGreaterThan(2 ** 50);
  });

  it('ReadWriteBadLen', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    expectStatus(() => vmo.read(PAGE + 1, 0), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.write(new Uint8Array(PAGE + 1), 0), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.read(1, U64_MAX), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.read(U64_MAX, 1), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.write('x' as unknown as Uint8Array, 0), ZxStatus.INVALID_ARGS);
  });

  it('ReadWriteRange', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    expect(vmo.read(0, PAGE)).toHaveLength(0);
    vmo.write(new Uint8Array(0), PAGE);
    expectStatus(() => vmo.read(0, PAGE + 1), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.write(new Uint8Array(1), PAGE), ZxStatus.OUT_OF_RANGE);
    vmo.write(bytes(1, 2, 3), PAGE - 3);
    expect([...vmo.read(3, PAGE - 3)]).toEqual([1, 2, 3]);
    const ro = vmo.duplicate(Rights.READ);
    expectStatus(() => ro.write(bytes(1), 0), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.WRITE).read(1, 0), ZxStatus.ACCESS_DENIED);
  });

  it('Map', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 2 * PAGE);
    expect(process.addressSpace.write(a + PAGE - 1, bytes(7, 8)).ok).toBe(true);
    expect([...vmo.read(2, PAGE - 1)]).toEqual([7, 8]);
    expect(vmo.info().numMappings).toBe(1);
  });

  it('ReadOnlyMap', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(VmOptions.PERM_READ, 0, vmo, 0, PAGE);
    expect(process.addressSpace.read(a, new Uint8Array(4)).ok).toBe(true);
    expect(process.addressSpace.write(a, bytes(1))).toEqual({ ok: false, fault: { kind: 'access-denied', address: a, access: 'write' } });
    expect(vmo.info().committedBytes).toBe(0);
  });

  it('NoPermMap', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(0, 0, vmo, 0, PAGE);
    expect(process.addressSpace.read(a, new Uint8Array(1)).ok).toBe(false);
    root.protect(VmOptions.PERM_READ, a, PAGE);
    expect(process.addressSpace.read(a, new Uint8Array(1)).ok).toBe(true);
  });

  it('NoPermProtect', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(RW, 0, vmo, 0, PAGE);
    root.protect(0, a, PAGE);
    for (const access of ['read', 'write', 'execute'] as const) {
      const r =
        access === 'read'
          ? process.addressSpace.read(a, new Uint8Array(1))
          : access === 'write'
            ? process.addressSpace.write(a, bytes(1))
            : process.addressSpace.execute(a);
      expect(r).toEqual({ ok: false, fault: { kind: 'access-denied', address: a, access } });
    }
  });

  it('Resize', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    vmo.write(filled(PAGE, 9), 0);
    vmo.setSize(4 * PAGE);
    expect(vmo.getSize()).toBe(4 * PAGE);
    expect(vmo.read(1, 3 * PAGE)[0]).toBe(0);
    vmo.write(bytes(5), 3 * PAGE);
    vmo.setSize(PAGE);
    expect(vmo.info().committedBytes).toBe(PAGE);
    vmo.setSize(4 * PAGE);
    expect(vmo.read(1, 3 * PAGE)[0]).toBe(0);
    expect(vmo.read(1, 0)[0]).toBe(9);
    expectStatus(() => vmo.setSize(U64_MAX), ZxStatus.OUT_OF_RANGE);
  });

  it('GrowMappedVmo', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    expect(process.addressSpace.write(a + 2 * PAGE, bytes(1)).ok).toBe(false);
    vmo.setSize(4 * PAGE);
    expect(process.addressSpace.write(a + 2 * PAGE, bytes(1)).ok).toBe(true);
    expect(vmo.read(1, 2 * PAGE)[0]).toBe(1);
  });

  it('MappedVmoSmallerThanMapping', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    const out = new Uint8Array(4 * PAGE);
    expect(process.addressSpace.read(a, out)).toEqual({
      ok: false,
      fault: { kind: 'beyond-vmo-size', address: a + 2 * PAGE, access: 'read' },
    });
  });

  it('NoResize', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    expectStatus(() => vmo.setSize(2 * PAGE), ZxStatus.UNAVAILABLE);
    // Even a handle that somehow holds RESIZE: still UNAVAILABLE.
    expectStatus(() => vmo.duplicate(Rights.WRITE).setSize(PAGE), ZxStatus.UNAVAILABLE);
  });

  it('ResizeRight', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    expectStatus(() => vmo.duplicate(Rights.DEFAULT_VMO).setSize(2 * PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.RESIZE | Rights.READ).setSize(2 * PAGE), ZxStatus.ACCESS_DENIED);
    vmo.duplicate(Rights.RESIZE | Rights.WRITE).setSize(2 * PAGE);
    expect(vmo.getSize()).toBe(2 * PAGE);
  });

  it('ChildResizeRight', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    const fixed = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE);
    expect(fixed.rights & Rights.RESIZE).toBe(0);
    expectStatus(() => fixed.setSize(2 * PAGE), ZxStatus.UNAVAILABLE);
    const growable = vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.RESIZABLE, 0, PAGE);
    expect(growable.rights & Rights.RESIZE).toBe(Rights.RESIZE);
    growable.setSize(3 * PAGE);
    expect(growable.getSize()).toBe(3 * PAGE);
  });

  it('Info', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    vmo.setName('info-test');
    const info = vmo.info();
    expect(info).toMatchObject({
      koid: vmo.koid(),
      name: 'info-test',
      sizeBytes: 2 * PAGE,
      parentKoid: 0,
      numChildren: 0,
      numMappings: 0,
      shareCount: 1,
      flags: VmoInfoFlags.PAGED | VmoInfoFlags.VIA_HANDLE,
      committedBytes: 0,
      populatedBytes: 0,
      handleRights: Rights.DEFAULT_VMO,
    });
    vmo.write(bytes(1), PAGE);
    expect(vmo.info().committedBytes).toBe(PAGE);
    const r = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE | VmoOptions.DISCARDABLE);
    expect(r.info().flags).toBe(VmoInfoFlags.PAGED | VmoInfoFlags.VIA_HANDLE | VmoInfoFlags.RESIZABLE | VmoInfoFlags.DISCARDABLE);
    // No right needed.
    expect(vmo.duplicate(Rights.NONE).info().koid).toBe(vmo.koid());
  });

  it('SizeAlign', () => {
    const { kernel } = setup();
    for (const size of [1, PAGE - 1, PAGE + 1, 3 * PAGE + 17]) {
      const vmo = Vmo.create(kernel, size);
      expect(vmo.getSize()).toBe(Math.ceil(size / PAGE) * PAGE);
      expect(vmo.getContentSize()).toBe(size);
    }
  });

  it('ResizeAlign', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE, VmoOptions.RESIZABLE);
    vmo.write(filled(2 * PAGE, 1), 0);
    vmo.setSize(PAGE + 10);
    expect(vmo.getSize()).toBe(2 * PAGE);
    expect(vmo.getContentSize()).toBe(PAGE + 10);
    expect(vmo.read(1, PAGE + 9)[0]).toBe(1);
    // Bytes from the size to the rounded size read as zeros.
    expect(vmo.read(1, PAGE + 10)[0]).toBe(0);
    expect(vmo.read(1, 2 * PAGE - 1)[0]).toBe(0);
  });

  it('ContentSize', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    expect(vmo.getContentSize()).toBe(2 * PAGE);
    vmo.write(filled(2 * PAGE, 1), 0);
    vmo.setContentSize(10 * PAGE);
    expect(vmo.getContentSize()).toBe(10 * PAGE);
    expect(vmo.getSize()).toBe(2 * PAGE);
    vmo.setContentSize(100);
    expect(vmo.read(1, 99)[0]).toBe(1);
    expect(vmo.read(1, 100)[0]).toBe(0);
    expect(vmo.read(1, PAGE)[0]).toBe(0);
    expectStatus(() => vmo.duplicate(Rights.WRITE).setContentSize(1), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.SET_PROPERTY).setContentSize(1), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.READ).getContentSize(), ZxStatus.ACCESS_DENIED);
  });

  it('Rights', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    const base = (Rights.DEFAULT_VMO | Rights.RESIZE) >>> 0;
    const formula = (parent: number, opts: number): number => {
      let r = ((parent & ~Rights.RESIZE) | Rights.GET_PROPERTY | Rights.SET_PROPERTY) >>> 0;
      if (opts & VmoChildOptions.RESIZABLE) r |= Rights.RESIZE;
      if (opts & VmoChildOptions.NO_WRITE) r &= ~Rights.WRITE;
      else if (opts & (VmoChildOptions.SNAPSHOT | VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE)) r = (r | Rights.WRITE) & ~Rights.EXECUTE;
      return r >>> 0;
    };
    const parents = [base, Rights.DUPLICATE | Rights.READ, Rights.DUPLICATE | Rights.READ | Rights.MAP, (base | Rights.EXECUTE) >>> 0];
    const kinds = [
      VmoChildOptions.SNAPSHOT,
      VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE,
      VmoChildOptions.SNAPSHOT | VmoChildOptions.RESIZABLE,
      VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE,
      VmoChildOptions.REFERENCE,
      VmoChildOptions.REFERENCE | VmoChildOptions.NO_WRITE,
    ];
    const exec = vmo.duplicate().replaceAsExecutable();
    for (const p of parents) {
      const h = exec.duplicate(p);
      for (const k of kinds) {
        const size = k & VmoChildOptions.REFERENCE ? 0 : PAGE;
        const child = h.createChild(k, 0, size);
        expect(child.rights).toBe(formula(p, k));
        // MAP is inherited, never added.
        expect(child.rights & Rights.MAP).toBe(p & Rights.MAP);
      }
    }
    // Needs DUPLICATE and READ.
    expectStatus(() => vmo.duplicate(Rights.READ).createChild(VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.DUPLICATE).createChild(VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.ACCESS_DENIED);
    // SNAPSHOT | NO_WRITE is immutable.
    const frozen = vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE, 0, PAGE);
    expect(frozen.info().flags & VmoInfoFlags.IMMUTABLE).toBe(VmoInfoFlags.IMMUTABLE);
    // Map-rights matrix: each permission needs the matching right.
    const perms = [0, VmOptions.PERM_READ, RW, VmOptions.PERM_READ | VmOptions.PERM_EXECUTE];
    const rights = [Rights.MAP, Rights.MAP | Rights.READ, Rights.MAP | Rights.READ | Rights.WRITE, Rights.MAP | Rights.READ | Rights.EXECUTE];
    for (const r of rights) {
      const h = exec.duplicate(r);
      for (const p of perms) {
        const need = (p & 1 ? Rights.READ : 0) | (p & 2 ? Rights.WRITE : 0) | (p & 4 ? Rights.EXECUTE : 0);
        if ((r & need) === need) expect(root.map(p, 0, h, 0, PAGE)).toBeGreaterThan(0);
        else expectStatus(() => root.map(p, 0, h, 0, PAGE), ZxStatus.ACCESS_DENIED);
      }
    }
  });

  it('Commit', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmo.opRange(VmoOp.COMMIT, 0, 2 * PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    vmo.opRange(VmoOp.COMMIT, PAGE + 1, PAGE);
    expect(vmo.info().committedBytes).toBe(3 * PAGE);
    expect(kernel.memory.pageCount()).toBe(3);
    expectStatus(() => vmo.duplicate(Rights.READ).opRange(VmoOp.COMMIT, 0, PAGE), ZxStatus.ACCESS_DENIED);
    vmo.opRange(VmoOp.DECOMMIT, 0, 4 * PAGE);
    expect(vmo.info().committedBytes).toBe(0);
    expect(kernel.memory.pageCount()).toBe(0);
  });

  it('ZeroPage', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    expect(vmo.read(4 * PAGE, 0).every((b) => b === 0)).toBe(true);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    const out = new Uint8Array(4 * PAGE).fill(1);
    process.addressSpace.read(a, out);
    expect(out.every((b) => b === 0)).toBe(true);
    // Reads never commit.
    expect(vmo.info().committedBytes).toBe(0);
    expect(vmo.pageState(0)).toBe('absent');
  });

  it('DecommitMisaligned', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    expectStatus(() => vmo.opRange(VmoOp.DECOMMIT, 0x10, 0x100), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.opRange(VmoOp.DECOMMIT, 0, PAGE + 1), ZxStatus.INVALID_ARGS);
    vmo.opRange(VmoOp.DECOMMIT, 0, PAGE);
  });

  it('ResizeHazard', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE, VmoOptions.RESIZABLE);
    const a = root.map(RW, 0, vmo, 0, 4 * PAGE);
    expect(process.addressSpace.write(a, filled(4 * PAGE, 1)).ok).toBe(true);
    vmo.setSize(0);
    expect(process.addressSpace.read(a, new Uint8Array(1)).ok).toBe(false);
    expect(kernel.memory.pageCount()).toBe(0);
    vmo.setSize(4 * PAGE);
    const out = new Uint8Array(4 * PAGE);
    expect(process.addressSpace.read(a, out).ok).toBe(true);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('Discardable', async () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE, VmoOptions.DISCARDABLE);
    expectStatus(() => vmo.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    expectStatus(() => vmo.createChild(VmoChildOptions.SLICE, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    vmo.opRange(VmoOp.LOCK, 0, 2 * PAGE);
    vmo.write(filled(2 * PAGE, 4), 0);
    kernel.forcePressure(PressureLevel.Critical);
    expect(kernel.reclaim().discarded).toBe(0);
    vmo.opRange(VmoOp.UNLOCK, 0, 2 * PAGE);
    expect(kernel.reclaim().discarded).toBe(2);
    expect(vmo.info().committedBytes).toBe(0);
    expectStatus(() => vmo.opRange(VmoOp.TRY_LOCK, 0, 2 * PAGE), ZxStatus.UNAVAILABLE);
    const state = vmo.opRange(VmoOp.LOCK, 0, 2 * PAGE);
    expect(state).toEqual({ offset: 0, size: 2 * PAGE, discardedOffset: 0, discardedSize: 2 * PAGE });
    expect(vmo.read(1, 0)[0]).toBe(0);
    // Pressure changes schedule reclamation on their own, too.
    vmo.opRange(VmoOp.UNLOCK, 0, 2 * PAGE);
    vmo.write(bytes(1), 0);
    kernel.forcePressure(null);
    kernel.forcePressure(PressureLevel.Warning);
    await Promise.resolve();
    expect(vmo.info().committedBytes).toBe(0);
  });

  it('LockUnlock', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE, VmoOptions.DISCARDABLE);
    expect(vmo.opRange(VmoOp.LOCK, 0, 2 * PAGE)).toEqual({ offset: 0, size: 2 * PAGE, discardedOffset: 0, discardedSize: 0 });
    vmo.opRange(VmoOp.TRY_LOCK, 0, 2 * PAGE);
    vmo.opRange(VmoOp.UNLOCK, 0, 2 * PAGE);
    vmo.opRange(VmoOp.UNLOCK, 0, 2 * PAGE);
    expectStatus(() => vmo.opRange(VmoOp.UNLOCK, 0, 2 * PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => vmo.opRange(VmoOp.LOCK, 0, PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.opRange(VmoOp.LOCK, PAGE, PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => Vmo.create(kernel, PAGE).opRange(VmoOp.LOCK, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    expectStatus(() => vmo.duplicate(Rights.MAP).opRange(VmoOp.LOCK, 0, 2 * PAGE), ZxStatus.ACCESS_DENIED);
  });

  it('NoWriteResizable', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    expectStatus(
      () => vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE | VmoChildOptions.RESIZABLE, 0, PAGE),
      ZxStatus.INVALID_ARGS,
    );
    // The size overflow check comes first.
    expectStatus(
      () => vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE | VmoChildOptions.RESIZABLE, 0, U64_MAX),
      ZxStatus.OUT_OF_RANGE,
    );
  });

  it('OpOutOfBounds', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    for (const op of [VmoOp.COMMIT, VmoOp.DECOMMIT, VmoOp.ZERO, VmoOp.PREFETCH, VmoOp.DONT_NEED, VmoOp.ALWAYS_NEED, VmoOp.CACHE_SYNC]) {
      expectStatus(() => vmo.opRange(op, PAGE, 2 * PAGE), ZxStatus.OUT_OF_RANGE);
      expectStatus(() => vmo.opRange(op, U64_MAX + 1n - BigInt(PAGE), 2 * PAGE), ZxStatus.OUT_OF_RANGE);
      vmo.opRange(op, 0, 2 * PAGE);
    }
    expectStatus(() => vmo.opRange(5, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.opRange(99, 0, PAGE), ZxStatus.INVALID_ARGS);
  });
});

describe('vmo properties and handles', () => {
  it('names are truncated to 31 bytes and need the property rights', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    vmo.setName('x'.repeat(40));
    expect(vmo.getName()).toBe('x'.repeat(31));
    expectStatus(() => vmo.duplicate(Rights.READ).setName('a'), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmo.duplicate(Rights.READ).getName(), ZxStatus.ACCESS_DENIED);
  });

  it('a mapping keeps its VMO alive after the handle closes', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    vmo.write(bytes(42), 0);
    const a = root.map(RW, 0, vmo, 0, PAGE);
    vmo.close();
    const out = new Uint8Array(1);
    expect(process.addressSpace.read(a, out).ok).toBe(true);
    expect(out[0]).toBe(42);
    root.unmap(a, PAGE);
    expect(kernel.memory.pageCount()).toBe(0);
  });

  it('pageState follows commit, compression and decommit', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    vmo.write(bytes(1), 0);
    expect(vmo.pageState(0)).toBe('committed');
    expect(vmo.pageState(PAGE)).toBe('absent');
    kernel.forcePressure(PressureLevel.Critical);
    kernel.reclaim();
    expect(vmo.pageState(0)).toBe('compressed');
    expect(vmo.read(1, 0)[0]).toBe(1);
    expect(vmo.pageState(0)).toBe('committed');
    expectStatus(() => vmo.pageState(2 * PAGE), ZxStatus.OUT_OF_RANGE);
  });

  it('firstAbsentPage finds the first absent page of a range', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 16 * PAGE);
    vmo.write(new Uint8Array(3 * PAGE).fill(4), 2 * PAGE);
    expect(vmo.firstAbsentPage(2 * PAGE, 3 * PAGE)).toBe(-1);
    expect(vmo.firstAbsentPage(2 * PAGE + 5, 4 * PAGE)).toBe(5 * PAGE);
    expect(vmo.firstAbsentPage(0, 16 * PAGE)).toBe(0);
    expect(vmo.firstAbsentPage(3 * PAGE, 0)).toBe(-1);
    expectStatus(() => vmo.firstAbsentPage(15 * PAGE, 2 * PAGE), ZxStatus.OUT_OF_RANGE);
  });

  it('multi-page reads and writes across committed runs, holes, clones and partial pages match a byte model', () => {
    const { kernel } = setup();
    const size = 40 * PAGE;
    const vmo = Vmo.create(kernel, size);
    const model = new Uint8Array(size);
    const put = (target: Vmo, m: Uint8Array, off: number, len: number, v: number): void => {
      const d = new Uint8Array(len).map((_, i) => (v + i) & 0xff);
      target.write(d, off);
      m.set(d, off);
    };
    put(vmo, model, 0, 8 * PAGE, 1);
    put(vmo, model, 12 * PAGE + 100, 5 * PAGE, 2);
    put(vmo, model, 30 * PAGE, 300 * 4 + PAGE, 3);
    expect(vmo.read(size, 0)).toEqual(model);
    expect(vmo.read(9 * PAGE + 17, 3 * PAGE - 5)).toEqual(model.subarray(3 * PAGE - 5, 12 * PAGE + 12));
    const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, size);
    const cm = model.slice();
    put(clone, cm, 2 * PAGE, 3 * PAGE, 9);
    put(vmo, model, 4 * PAGE, 6 * PAGE, 7);
    expect(clone.read(size, 0)).toEqual(cm);
    expect(vmo.read(size, 0)).toEqual(model);
  });

  it('presentPages lists committed and compressed pages of a range, through clones and slices', () => {
    const { kernel } = setup();
    const TiB = 2 ** 40;
    const vmo = Vmo.create(kernel, TiB);
    for (const off of [TiB - PAGE, 3 * PAGE, 9 * PAGE, 5 * PAGE]) vmo.write(bytes(1), off);
    expect(vmo.presentPages(0, TiB)).toEqual([3 * PAGE, 5 * PAGE, 9 * PAGE, TiB - PAGE]);
    // Any page the range overlaps counts; an empty range has none.
    expect(vmo.presentPages(5 * PAGE + 7, PAGE)).toEqual([5 * PAGE]);
    expect(vmo.presentPages(4 * PAGE, 0)).toEqual([]);
    expectStatus(() => vmo.presentPages(TiB - PAGE, 2 * PAGE), ZxStatus.OUT_OF_RANGE);
    // A clone shows its parent's pages where it has none of its own, and not where it zeroed them.
    const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 2 * PAGE, 8 * PAGE);
    clone.write(bytes(2), 0);
    clone.opRange(VmoOp.ZERO, 3 * PAGE, PAGE);
    expect(clone.presentPages(0, 8 * PAGE)).toEqual([0, PAGE, 7 * PAGE]);
    // Compressed pages are still present.
    kernel.forcePressure(PressureLevel.Critical);
    kernel.reclaim();
    expect(vmo.pageState(3 * PAGE)).toBe('compressed');
    expect(vmo.presentPages(0, 6 * PAGE)).toEqual([3 * PAGE, 5 * PAGE]);
    // A slice reports in its own offsets.
    const slice = vmo.createChild(VmoChildOptions.SLICE, 4 * PAGE, 2 * PAGE);
    expect(slice.presentPages(0, 2 * PAGE)).toEqual([PAGE]);
  });

  it('process kill invalidates nothing but the address space', () => {
    const { kernel } = setup();
    const { process, rootVmar } = Process.create(kernel.rootJob, 'p');
    const vmo = Vmo.create(kernel, PAGE);
    rootVmar.map(RW, 0, vmo, 0, PAGE);
    process.kill();
    expect(vmo.info().numMappings).toBe(0);
    expect(vmo.valid).toBe(true);
  });
});

describe('pinning (memsim extension)', () => {
  it('pinned pages are committed, never decommitted, truncated, reclaimed, nor snapshotted', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE, VmoOptions.RESIZABLE);
    const pin = vmo.pin(PAGE, 2 * PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    expectStatus(() => vmo.opRange(VmoOp.DECOMMIT, 0, 2 * PAGE), ZxStatus.BAD_STATE);
    vmo.opRange(VmoOp.DECOMMIT, 3 * PAGE, PAGE);
    expectStatus(() => vmo.setSize(2 * PAGE), ZxStatus.BAD_STATE);
    vmo.setSize(3 * PAGE);
    expectStatus(() => vmo.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.BAD_STATE);
    kernel.forcePressure(PressureLevel.Critical);
    expect(kernel.reclaim().compressed).toBe(0);
    expectStatus(() => vmo.pin(1, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.pin(0, 8 * PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmo.duplicate(Rights.READ).pin(0, PAGE), ZxStatus.ACCESS_DENIED);
    pin.unpin();
    expectStatus(() => pin.unpin(), ZxStatus.BAD_STATE);
    expect(() => pin[Symbol.dispose]()).not.toThrow();
    const child = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE);
    // While the child shares the pages, decommit is refused (vmo-clone.cc Decommit); once it is gone it works.
    expectStatus(() => vmo.opRange(VmoOp.DECOMMIT, 0, 2 * PAGE), ZxStatus.NOT_SUPPORTED);
    child.close();
    vmo.opRange(VmoOp.DECOMMIT, 0, 2 * PAGE);
  });
});
