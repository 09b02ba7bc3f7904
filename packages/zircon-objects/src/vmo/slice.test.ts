import { describe, expect, it } from 'vitest';
import { Signals, VmOptions, Vmo, VmoChildOptions, VmoOp, VmoOptions, ZxStatus } from '../index.js';
import { PAGE, bytes, expectStatus, filled, setup } from '../test-support/util.js';

const U64_MAX = 2n ** 64n - 1n;

const SLICE = VmoChildOptions.SLICE;

describe('vmo slice core tests', () => {
  it('WriteThrough', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const slice = vmo.createChild(SLICE, PAGE, 2 * PAGE);
    slice.write(bytes(7), 0);
    expect(vmo.read(1, PAGE)[0]).toBe(7);
    vmo.write(bytes(8), 2 * PAGE + 5);
    expect(slice.read(1, PAGE + 5)[0]).toBe(8);
    const a = root.map(VmOptions.PERM_READ | VmOptions.PERM_WRITE, 0, slice, 0, 2 * PAGE);
    process.addressSpace.write(a + 1, bytes(9));
    expect(vmo.read(1, PAGE + 1)[0]).toBe(9);
    expect(slice.info().flags & 4).toBe(0);
  });

  it('DecommitParent', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    vmo.write(filled(2 * PAGE, 1), 0);
    const slice = vmo.createChild(SLICE, 0, 2 * PAGE);
    vmo.opRange(VmoOp.DECOMMIT, 0, PAGE);
    expect(slice.read(1, 0)[0]).toBe(0);
    expect(slice.read(1, PAGE)[0]).toBe(1);
    expect(kernel.memory.pageCount()).toBe(1);
  });

  it('Nested', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 8 * PAGE);
    const s1 = vmo.createChild(SLICE, 2 * PAGE, 4 * PAGE);
    const s2 = s1.createChild(SLICE, PAGE, 2 * PAGE);
    s2.write(bytes(3), PAGE);
    expect(vmo.read(1, 4 * PAGE)[0]).toBe(3);
    expect(s1.read(1, 2 * PAGE)[0]).toBe(3);
    expectStatus(() => s1.createChild(SLICE, 2 * PAGE, 3 * PAGE), ZxStatus.INVALID_ARGS);
  });

  it('NonSlice', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    expectStatus(() => vmo.createChild(SLICE | VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.createChild(SLICE | VmoChildOptions.RESIZABLE, 0, PAGE), ZxStatus.INVALID_ARGS);
    const ro = vmo.createChild(SLICE | VmoChildOptions.NO_WRITE, 0, PAGE);
    expectStatus(() => ro.write(bytes(1), 0), ZxStatus.ACCESS_DENIED);
    // A snapshot of a slice is isolated from the slice's parent.
    const slice = vmo.createChild(SLICE, PAGE, PAGE);
    vmo.write(bytes(1), PAGE);
    const snap = slice.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE);
    vmo.write(bytes(2), PAGE);
    expect(snap.read(1, 0)[0]).toBe(1);
    expect(slice.read(1, 0)[0]).toBe(2);
  });

  it('NonResizable', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE, VmoOptions.RESIZABLE);
    // The range check comes first.
    expectStatus(() => vmo.createChild(SLICE, 0, 4 * PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.createChild(SLICE, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    // An offset + size past 2^64 is just outside the parent (vmo-slice.cc NonSlice); a size past Zircon's VMO limit
    // is OUT_OF_RANGE before that.
    expectStatus(() => vmo.createChild(SLICE, U64_MAX + 1n - BigInt(PAGE), 2 * PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.createChild(SLICE, 0, U64_MAX + 1n - BigInt(PAGE)), ZxStatus.OUT_OF_RANGE);
  });

  it('CommitChild', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const slice = vmo.createChild(SLICE, PAGE, 2 * PAGE);
    slice.opRange(VmoOp.COMMIT, 0, 2 * PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    // The pages are the parent's: a slice is attributed none (vmo-slice.cc AttributedCounts).
    expect(slice.info().committedBytes).toBe(0);
    expect(kernel.memory.pageCount()).toBe(2);
  });

  it('DecommitChild', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmo.write(filled(4 * PAGE, 1), 0);
    const slice = vmo.createChild(SLICE, PAGE, 2 * PAGE);
    slice.opRange(VmoOp.DECOMMIT, 0, PAGE);
    expect(vmo.read(1, PAGE)[0]).toBe(0);
    expect(vmo.info().committedBytes).toBe(3 * PAGE);
  });

  it('ZeroSized', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const empty = vmo.createChild(SLICE, PAGE, 0);
    expect(empty.getSize()).toBe(0);
    expectStatus(() => empty.read(1, 0), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => empty.write(bytes(1), 0), ZxStatus.OUT_OF_RANGE);
    expect(empty.read(0, 0)).toHaveLength(0);
  });

  it('ZeroChildren', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    expect(vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0)).toBe(Signals.VMO_ZERO_CHILDREN);
    const slice = vmo.createChild(SLICE, 0, PAGE);
    expectStatus(() => vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0), ZxStatus.TIMED_OUT);
    expect(vmo.info().numChildren).toBe(1);
    slice.close();
    expect(vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0)).toBe(Signals.VMO_ZERO_CHILDREN);
    expect(vmo.info().numChildren).toBe(0);
  });

  it('ZeroChildrenGrandchildClosedLast', async () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const child = vmo.createChild(SLICE, 0, 2 * PAGE);
    const grandchild = child.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE);
    const a = root.map(VmOptions.PERM_READ, 0, grandchild, 0, PAGE);
    const wait = vmo.waitAsync(Signals.VMO_ZERO_CHILDREN, 5000);
    child.close();
    expectStatus(() => vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0), ZxStatus.TIMED_OUT);
    grandchild.close();
    // Its mapping still keeps it alive.
    expectStatus(() => vmo.waitOne(Signals.VMO_ZERO_CHILDREN, 0), ZxStatus.TIMED_OUT);
    root.unmap(a, PAGE);
    expect(await wait).toBe(Signals.VMO_ZERO_CHILDREN);
  });
});
