import { describe, expect, it } from 'vitest';
import { Vmo, VmOptions, VmoChildOptions, VmoInfoFlags, VmoOp, ZxStatus, type Kernel } from '../index.js';
import { PAGE, bytes, expectStatus, filled, setup } from '../test-support/util.js';

const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;

// Zircon runs its clone tests for both snapshot flavours; anonymous AT_LEAST_ON_WRITE clones behave as snapshots.
const FLAVOURS = [
  ['SNAPSHOT', VmoChildOptions.SNAPSHOT],
  ['SNAPSHOT_AT_LEAST_ON_WRITE', VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE],
] as const;

function valueVmo(kernel: Kernel, pages: number, first = 1): Vmo {
  const vmo = Vmo.create(kernel, pages * PAGE);
  for (let i = 0; i < pages; i++) vmo.write(filled(PAGE, first + i), i * PAGE);
  return vmo;
}

describe.each(FLAVOURS)('vmo clone core tests (%s)', (_name, CLONE) => {
  it('Info', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 2);
    const clone = vmo.createChild(CLONE, 0, 2 * PAGE);
    const info = clone.info();
    expect(info.flags).toBe(VmoInfoFlags.PAGED | VmoInfoFlags.IS_COW_CLONE | VmoInfoFlags.VIA_HANDLE);
    expect(info.parentKoid).toBe(vmo.koid());
    expect(info.populatedBytes).toBe(0);
    expect(info.committedBytes).toBe(0);
    expect(vmo.info().numChildren).toBe(1);
  });

  it('Read', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 3);
    const clone = vmo.createChild(CLONE, 0, 3 * PAGE);
    for (let i = 0; i < 3; i++) expect(clone.read(1, i * PAGE)[0]).toBe(i + 1);
  });

  it('CloneVmoWrite', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 1);
    const clone = vmo.createChild(CLONE, 0, PAGE);
    clone.write(bytes(9), 0);
    expect(vmo.read(1, 0)[0]).toBe(1);
    expect(clone.read(1, 0)[0]).toBe(9);
  });

  it('ParentVmoWrite', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 1);
    const clone = vmo.createChild(CLONE, 0, PAGE);
    vmo.write(bytes(9), 0);
    expect(clone.read(1, 0)[0]).toBe(1);
    expect(vmo.read(1, 0)[0]).toBe(9);
  });

  it('CloneVmarWrite', () => {
    const { kernel, process, root } = setup();
    const vmo = valueVmo(kernel, 1);
    const clone = vmo.createChild(CLONE, 0, PAGE);
    const a = root.map(RW, 0, clone, 0, PAGE);
    process.addressSpace.write(a, bytes(9));
    expect(vmo.read(1, 0)[0]).toBe(1);
    expect(clone.read(1, 0)[0]).toBe(9);
  });

  it('ParentVmarWrite', () => {
    const { kernel, process, root } = setup();
    const vmo = valueVmo(kernel, 1);
    const clone = vmo.createChild(CLONE, 0, PAGE);
    const a = root.map(RW, 0, vmo, 0, PAGE);
    process.addressSpace.write(a, bytes(9));
    expect(clone.read(1, 0)[0]).toBe(1);
    expect(vmo.read(1, 0)[0]).toBe(9);
  });

  it('CloseOriginal', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 2);
    const clone = vmo.createChild(CLONE, 0, 2 * PAGE);
    vmo.close();
    expect(clone.read(1, 0)[0]).toBe(1);
    expect(clone.read(1, PAGE)[0]).toBe(2);
    expect(clone.info().committedBytes).toBe(2 * PAGE);
    expect(kernel.memory.pageCount()).toBe(2);
    clone.write(bytes(5), 0);
    expect(kernel.memory.pageCount()).toBe(2);
  });

  it('CloseClone', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 2);
    const clone = vmo.createChild(CLONE, 0, 2 * PAGE);
    clone.write(bytes(5), 0);
    expect(kernel.memory.pageCount()).toBe(3);
    clone.close();
    expect(kernel.memory.pageCount()).toBe(2);
    expect(vmo.read(1, 0)[0]).toBe(1);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
  });

  it('ObjMemAccounting', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    vmo.write(filled(2 * PAGE, 1), 0);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    const clone = vmo.createChild(CLONE, 0, 2 * PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    expect(clone.info().committedBytes).toBe(0);
    // Writing the clone forks a page into it.
    clone.write(bytes(2), 0);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    expect(clone.info().committedBytes).toBe(PAGE);
    // Writing the original's other page leaves the old one to the clone alone: it is attributed there.
    vmo.write(bytes(2), PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    expect(clone.info().committedBytes).toBe(2 * PAGE);
    // Further writes to private pages change nothing.
    clone.write(bytes(3), 0);
    vmo.write(bytes(3), PAGE);
    expect(vmo.info().committedBytes).toBe(2 * PAGE);
    expect(clone.info().committedBytes).toBe(2 * PAGE);
    expect(kernel.memory.pageCount()).toBe(4);
  });

  it('ZeroPageWrite', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const clone = vmo.createChild(CLONE, 0, 4 * PAGE);
    clone.write(bytes(1), 0);
    vmo.write(bytes(2), PAGE);
    expect(clone.read(1, PAGE)[0]).toBe(0);
    expect(vmo.read(1, 0)[0]).toBe(0);
    expect(clone.info().committedBytes).toBe(PAGE);
    expect(vmo.info().committedBytes).toBe(PAGE);
    expect(kernel.memory.pageCount()).toBe(2);
  });

  it('SplitPageClosure', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 1);
    const clone = vmo.createChild(CLONE, 0, PAGE);
    // Once both sides have written, the shared original is seen by nobody and is freed (or moved, not copied).
    vmo.write(bytes(7), 0);
    expect(kernel.memory.pageCount()).toBe(2);
    clone.write(bytes(8), 0);
    expect(kernel.memory.pageCount()).toBe(2);
    expect(vmo.info().committedBytes + clone.info().committedBytes).toBe(2 * PAGE);
    const grand = clone.createChild(CLONE, 0, PAGE);
    grand.write(bytes(9), 0);
    clone.write(bytes(10), 0);
    expect(kernel.memory.pageCount()).toBe(3);
    expect([vmo.read(1, 0)[0], clone.read(1, 0)[0], grand.read(1, 0)[0]]).toEqual([7, 10, 9]);
  });

  it('Offset', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 3);
    const clone = vmo.createChild(CLONE, PAGE, 4 * PAGE);
    expect(clone.read(1, 0)[0]).toBe(2);
    expect(clone.read(1, PAGE)[0]).toBe(3);
    // Beyond the parent's size: zeros.
    expect(clone.read(1, 2 * PAGE)[0]).toBe(0);
    expect(clone.read(1, 3 * PAGE)[0]).toBe(0);
    expectStatus(() => vmo.createChild(CLONE, 1, PAGE), ZxStatus.INVALID_ARGS);
    // A clone past the parent's end sees zeros only.
    const far = vmo.createChild(CLONE, 10 * PAGE, PAGE);
    expect(far.read(1, 0)[0]).toBe(0);
  });
});

describe('copy-on-write structure', () => {
  it('snapshot of a snapshot stays isolated three ways', () => {
    const { kernel } = setup();
    const a = valueVmo(kernel, 2);
    const b = a.createChild(VmoChildOptions.SNAPSHOT, 0, 2 * PAGE);
    const c = b.createChild(VmoChildOptions.SNAPSHOT, 0, 2 * PAGE);
    a.write(bytes(10), 0);
    b.write(bytes(20), PAGE);
    c.write(bytes(30), 0);
    expect([a.read(1, 0)[0], a.read(1, PAGE)[0]]).toEqual([10, 2]);
    expect([b.read(1, 0)[0], b.read(1, PAGE)[0]]).toEqual([1, 20]);
    expect([c.read(1, 0)[0], c.read(1, PAGE)[0]]).toEqual([30, 2]);
    b.close();
    expect([c.read(1, 0)[0], c.read(1, PAGE)[0]]).toEqual([30, 2]);
    a.close();
    c.close();
    expect(kernel.memory.pageCount()).toBe(0);
  });

  it('1,000 clone-and-close cycles leave no pages and no chain', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 8);
    for (let i = 0; i < 1000; i++) {
      const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, 8 * PAGE);
      clone.write(bytes(i & 0xff), (i % 8) * PAGE);
      if (i % 2 === 0) vmo.write(bytes(1 + (i % 8)), (i % 8) * PAGE);
      clone.close();
    }
    expect(kernel.memory.pageCount()).toBe(8);
    expect(vmo.info().committedBytes).toBe(8 * PAGE);
    for (let i = 0; i < 8; i++) expect(vmo.read(1, i * PAGE)[0]).toBe(i + 1);
  });

  it('COMMIT in a clone makes private copies; DECOMMIT there is not supported', () => {
    const { kernel } = setup();
    const vmo = valueVmo(kernel, 2);
    const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, 2 * PAGE);
    clone.opRange(VmoOp.COMMIT, 0, 2 * PAGE);
    expect(clone.info().committedBytes).toBe(2 * PAGE);
    expect(clone.read(1, PAGE)[0]).toBe(2);
    expectStatus(() => clone.opRange(VmoOp.DECOMMIT, 0, PAGE), ZxStatus.NOT_SUPPORTED);
    clone.opRange(VmoOp.ZERO, 0, PAGE);
    expect(clone.read(1, 0)[0]).toBe(0);
    expect(vmo.read(1, 0)[0]).toBe(1);
  });

  it('ZERO over a huge sparse range touches only what is held, in the VMO and through its parents', () => {
    const { kernel } = setup();
    const TiB = 2 ** 40;
    const vmo = Vmo.create(kernel, TiB);
    const far = TiB - 3 * PAGE;
    vmo.write(bytes(1), 5 * PAGE);
    vmo.write(bytes(2), far);
    vmo.write(bytes(3), far + PAGE);
    const clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, TiB);
    clone.write(bytes(4), 7 * PAGE);
    // Unaligned ends: the partial pages at either end are zero-filled, everything between is dropped.
    clone.opRange(VmoOp.ZERO, 5 * PAGE + 1, far + 2 - (5 * PAGE + 1));
    expect([...clone.read(2, 5 * PAGE)]).toEqual([1, 0]);
    expect(clone.read(1, 7 * PAGE)[0]).toBe(0);
    expect([...clone.read(3, far)]).toEqual([0, 0, 0]);
    expect(clone.read(1, far + PAGE)[0]).toBe(3);
    // The parent still reads its own pages.
    expect([vmo.read(1, 5 * PAGE)[0], vmo.read(1, far)[0], vmo.read(1, far + PAGE)[0]]).toEqual([1, 2, 3]);
    vmo.opRange(VmoOp.ZERO, 0, TiB);
    expect(vmo.info().committedBytes).toBe(0);
    expect([vmo.read(1, 5 * PAGE)[0], vmo.read(1, far + PAGE)[0]]).toEqual([0, 0]);
    // The clone keeps what it saw before the parent was zeroed.
    expect([clone.read(1, 5 * PAGE)[0], clone.read(1, far + PAGE)[0]]).toEqual([1, 3]);
    clone.close();
    vmo.close();
    expect(kernel.memory.pageCount()).toBe(0);
  });

  it('REFERENCE shares content and size', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE, 2);
    const ref = vmo.createChild(VmoChildOptions.REFERENCE | VmoChildOptions.RESIZABLE, 0, 0);
    ref.write(bytes(4), 0);
    expect(vmo.read(1, 0)[0]).toBe(4);
    vmo.setSize(3 * PAGE);
    expect(ref.getSize()).toBe(3 * PAGE);
    expect(ref.getContentSize()).toBe(3 * PAGE);
    expectStatus(() => vmo.createChild(VmoChildOptions.REFERENCE, PAGE, 0), ZxStatus.INVALID_ARGS);
    expectStatus(
      () => Vmo.create(kernel, PAGE).createChild(VmoChildOptions.REFERENCE | VmoChildOptions.RESIZABLE, 0, 0),
      ZxStatus.NOT_SUPPORTED,
    );
  });

  it('exactly one child type', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    expectStatus(() => vmo.createChild(0, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.SNAPSHOT_MODIFIED, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmo.createChild(1 << 12, 0, PAGE), ZxStatus.INVALID_ARGS);
    const m = vmo.createChild(VmoChildOptions.SNAPSHOT_MODIFIED, 0, PAGE);
    expect(m.info().flags & VmoInfoFlags.IS_COW_CLONE).toBe(VmoInfoFlags.IS_COW_CLONE);
  });
});

describe('deep clone chains', () => {
  it('a chain of 3,000 live snapshots reads, writes and frees correctly', () => {
    const { kernel } = setup();
    const first = valueVmo(kernel, 2);
    const chain: Vmo[] = [first];
    for (let i = 0; i < 3000; i++) chain.push((chain[i]).createChild(VmoChildOptions.SNAPSHOT, 0, 2 * PAGE));
    const last = chain[3000];
    expect(last.read(1, PAGE)[0]).toBe(2);
    first.write(bytes(9), PAGE);
    last.write(bytes(8), 0);
    expect(last.read(1, PAGE)[0]).toBe(2);
    expect((chain[1500]).read(1, 0)[0]).toBe(1);
    expect(last.info().committedBytes).toBe(PAGE);
    for (const v of chain) v.close();
    expect(kernel.memory.pageCount()).toBe(0);
  });
});
