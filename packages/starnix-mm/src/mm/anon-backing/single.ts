/**
 * The 'single' design (today's Starnix, alternate_anon_allocs): every private anonymous page of the address space
 * lives in one sparse VMO, `ZirconSpace.anonVmo`, at offset = address. Nothing is created per mmap.
 */
import { VmoOp } from '@memsim/zircon-objects';
import type { Vmo } from '@memsim/zircon-objects';
import { ANON_BACKING, type Backing, type Vma } from '../../vma/vma.js';
import type { MmState } from '../state.js';
import type { AnonBacking } from './backing.js';

function vmo(mm: MmState): Vmo {
  return mm.zx.anonVmo as Vmo;
}

/** The single-VMO design. It holds no state: the VMO is the Zircon space's. */
export const SINGLE_BACKING: AnonBacking = Object.freeze({
  design: 'single' as const,
  movesPages: true,
  create(): Backing {
    return ANON_BACKING;
  },
  zero(mm: MmState, _v: Vma | undefined, start: number, end: number): void {
    if (end > start) vmo(mm).opRange(VmoOp.ZERO, start, end - start);
  },
  release(mm: MmState, _v: Vma, start: number, end: number): void {
    if (end > start) vmo(mm).opRange(VmoOp.ZERO, start, end - start);
  },
  unmapping(): undefined {
    return undefined;
  },
  grown(_mm: MmState, v: Vma): number {
    // Starnix's PrivateAnonymous branch maps only the growth.
    return v.end;
  },
  growsDownSeparately(): undefined {
    return undefined;
  },
  moved(): void {},
  forkInto(parent: MmState, child: MmState): (v: Vma, nv: Vma) => void {
    child.zx.anonVmo?.close();
    child.zx.anonVmo = parent.zx.snapshotAnon();
    return () => {};
  },
  present(mm: MmState, _v: Vma, page: number): boolean {
    return vmo(mm).pageState(page) !== 'absent';
  },
  vmos(mm: MmState): Vmo[] {
    return [vmo(mm)];
  },
  sweep(): void {},
  destroy(): void {},
});
