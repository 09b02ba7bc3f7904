import { describe, expect, it } from 'vitest';
import { internals } from '../kernel/kernel-state.js';
import { Vmo, VmoChildOptions, VmoOp, type Kernel } from '../index.js';
import { PAGE, filled, setup } from '../test-support/util.js';
import { auditCowPages } from './cow-audit.js';

const { SLICE, SNAPSHOT } = VmoChildOptions;
const audit = (k: Kernel): string[] => auditCowPages(internals(k));

describe('hidden copy-on-write pages are freed when no live VMO can reach them', () => {
  it('issue 28: a snapshot of a slice outlives the root; the root-only page is freed', () => {
    const { kernel: k } = setup();
    const root = Vmo.create(k, 4 * PAGE);
    root.createChild(SLICE, 0, 4 * PAGE).close();
    root.opRange(VmoOp.COMMIT, 0, 4 * PAGE);
    const snap = root.createChild(SNAPSHOT, PAGE, 4 * PAGE);
    const s2 = root.createChild(SLICE, PAGE, 3 * PAGE);
    const snap2 = s2.createChild(SNAPSHOT, 0, 4 * PAGE);
    s2.close();
    root.close();
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(3);
    expect(snap.info().populatedBytes + snap2.info().populatedBytes).toBe(3 * PAGE);
    snap.close();
    snap2.close();
    expect(k.memory.pageCount()).toBe(0);
  });

  it('a clone chain whose middle view narrows frees the grandparent pages only the closed side saw', () => {
    const { kernel: k } = setup();
    const root = Vmo.create(k, 8 * PAGE);
    root.write(filled(8 * PAGE, 1), 0);
    const a = root.createChild(SNAPSHOT, 0, 8 * PAGE);
    const b = a.createChild(SNAPSHOT, 4 * PAGE, 4 * PAGE);
    root.close();
    expect(audit(k)).toEqual([]);
    a.close();
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(4);
    expect(b.read(4 * PAGE, 0)).toEqual(filled(4 * PAGE, 1));
    b.close();
    expect(k.memory.pageCount()).toBe(0);
  });

  it('shrinking a clone frees the hidden pages only it saw, through several levels', () => {
    const { kernel: k } = setup();
    const root = Vmo.create(k, 4 * PAGE, 0);
    root.write(filled(4 * PAGE, 2), 0);
    const c = root.createChild(SNAPSHOT | VmoChildOptions.RESIZABLE, 0, 4 * PAGE);
    const d = c.createChild(SNAPSHOT, 0, 2 * PAGE);
    root.close();
    c.setSize(PAGE);
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(2);
    expect(d.read(2 * PAGE, 0)).toEqual(filled(2 * PAGE, 2));
  });
});

describe('regressions found by the reachability property', () => {
  it('zeroing pages a sibling clone still sees, then closing that clone, frees the hidden pages', () => {
    // Shrunk counterexample: commit, snapshot [0,1), snapshot [1,2), zero [0,2) of the root, then close everything.
    const { kernel: k } = setup();
    const root = Vmo.create(k, 4 * PAGE);
    root.opRange(VmoOp.COMMIT, 0, 4 * PAGE);
    const a = root.createChild(SNAPSHOT, 0, PAGE);
    const b = root.createChild(SNAPSHOT, PAGE, PAGE);
    root.opRange(VmoOp.ZERO, 0, 2 * PAGE);
    expect(audit(k)).toEqual([]);
    b.close();
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(3);
    a.close();
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(2);
    root.close();
    expect(k.memory.pageCount()).toBe(0);
  });
});

describe('regressions found by the randomized campaign (docs/testing.md)', () => {
  it('closing the original of a clone of a clone frees the pages that only the original saw', () => {
    const { kernel: k } = setup();
    const root = Vmo.create(k, 4 * PAGE);
    root.opRange(VmoOp.COMMIT, 0, 4 * PAGE);
    const a = root.createChild(SNAPSHOT, 0, 4 * PAGE);
    const b = a.createChild(SNAPSHOT, PAGE, 4 * PAGE);
    a.opRange(VmoOp.COMMIT, 0, 4 * PAGE);
    root.close();
    expect(audit(k)).toEqual([]);
    // a holds its 4 copies; b sees 3 of the original pages.
    expect(k.memory.pageCount()).toBe(7);
    expect(a.info().populatedBytes + b.info().populatedBytes).toBe(7 * PAGE);
  });

  it('zeroing the original, then closing the wider clone, frees the pages only that clone saw', () => {
    const { kernel: k } = setup();
    const root = Vmo.create(k, 4 * PAGE);
    root.opRange(VmoOp.COMMIT, 0, 4 * PAGE);
    const wide = root.createChild(SNAPSHOT, 0, 2 * PAGE);
    const narrow = root.createChild(SNAPSHOT, 0, PAGE);
    root.opRange(VmoOp.ZERO, 0, 2 * PAGE);
    wide.close();
    expect(audit(k)).toEqual([]);
    expect(k.memory.pageCount()).toBe(3);
    narrow.close();
    root.close();
    expect(k.memory.pageCount()).toBe(0);
  });
});
