/** validate() on the state of mseal, guard regions and MAP_DROPPABLE: each invariant catches its corruption. */
import { describe, expect, it } from 'vitest';
import { Advice, MapFlags, VM } from '../abi/constants.js';
import { FIX, P, PA, RW, W, newMm } from '../test-support/setup.js';
import type { MemoryManager } from './memory-manager.js';
import type { MmState } from './state.js';

const state = (mm: MemoryManager): MmState => (mm as unknown as { s: MmState }).s;

describe('validate: seals, guards and droppable mappings', () => {
  it('passes on an address space using all three, and its fork', () => {
    const mm = newMm({ validate: true });
    mm.mmap(W, 8 * P, RW, PA | FIX);
    mm.madvise(W + P, 2 * P, Advice.GUARD_INSTALL);
    mm.mseal(W + 4 * P, 2 * P);
    mm.mmap(W + 16 * P, 4 * P, RW, MapFlags.DROPPABLE | MapFlags.ANONYMOUS | FIX);
    mm.validate();
    mm.fork().validate();
  });

  it('catches a guard marker outside every VMA', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    state(mm).guards.add(W + 4 * P, W + 5 * P);
    expect(() => mm.validate()).toThrow(/guard-in-vma/);
  });

  it('catches a sealed VMA the address space does not know of', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    const s = state(mm);
    const v = s.tree.find(W);
    if (v) v.flags |= VM.SEALED;
    expect(() => mm.validate()).toThrow(/sealed-known/);
  });

  it('catches a droppable VMA that lost wipe-on-fork', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, MapFlags.DROPPABLE | MapFlags.ANONYMOUS | FIX);
    const v = state(mm).tree.find(W);
    if (v) v.flags &= ~VM.WIPEONFORK;
    expect(() => mm.validate()).toThrow(/droppable-vma/);
  });
});
