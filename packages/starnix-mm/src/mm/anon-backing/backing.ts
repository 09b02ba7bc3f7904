/**
 * How private anonymous memory is backed on the Zircon side: the one interface both of Starnix's designs implement.
 * 'single' (single.ts) is today's Starnix (alternate_anon_allocs): one sparse VMO per address space, offset =
 * address. 'per-mapping' (per-mapping.ts) is the design Starnix had before and seed 004's "Unmap and remap" example
 * describes: a VMO per mmap, snapshot children and resizes when a munmap cuts a mapping.
 */
import type { Vmo } from '@memsim/zircon-objects';
import type { Backing, Vma } from '../../vma/vma.js';
import type { MmState } from '../state.js';
import type { AnonBackingDesign } from './design.js';

export type { AnonBackingDesign, AnonVmoInfo } from './design.js';

/** The design-specific half of the memory manager's private anonymous memory. */
export interface AnonBacking {
  readonly design: AnonBackingDesign;
  /** The backing of a new private anonymous VMA [start, end) whose vm_pgoff is start / PAGE. */
  create(mm: MmState, start: number, end: number): Backing;
  /** Makes [start, end) of `v` read back zero (MADV_DONTNEED, the swap path, a DONTUNMAP source). */
  zero(mm: MmState, v: Vma | undefined, start: number, end: number): void;
  /** [start, end) of `v` leaves the address space (munmap and friends). */
  release(mm: MmState, v: Vma, start: number, end: number): void;
  /**
   * Called by a range unmap before it cuts the VMAs of [start, end) (`first` is the first VMA ending above start):
   * returns the work to do once the Zircon mappings are gone, or undefined when there is none.
   */
  unmapping(mm: MmState, start: number, end: number, first: Vma): (() => void) | undefined;
  /**
   * `v` (private anonymous, still ending at v.end) grows in place to `newEnd`: its object must cover the new pages.
   * Returns the address from which the caller maps `v` again (v.end: only the new pages; per-mapping: v.start, as
   * Starnix maps the whole grown mapping over the old one).
   */
  grown(mm: MmState, v: Vma, newEnd: number): number;
  /**
   * A MAP_GROWSDOWN VMA `v` must reach down to `to`: returns the VMA this design inserted for the new pages, or
   * undefined when the caller extends `v` as Linux does.
   */
  growsDownSeparately(mm: MmState, v: Vma, to: number): Vma | undefined;
  /** The backing the destination of a move of [addr, addr + oldLen) of `v` gets (newLen bytes long at `to`). */
  moved(mm: MmState, v: Vma, nv: Vma, addr: number, oldLen: number, newLen: number): void;
  /** Whether the move's caller copies committed pages itself (single: offsets are addresses, so pages move). */
  readonly movesPages: boolean;
  /** fork: gives the child its private anonymous objects (before its VMAs are inserted) and rebinds `childVma`. */
  forkInto(parent: MmState, child: MmState): (v: Vma, nv: Vma) => void;
  /** Whether a page of `v` is committed (the zero page is not). */
  present(mm: MmState, v: Vma, page: number): boolean;
  /** The private anonymous VMOs alive now. */
  vmos(mm: MmState): Vmo[];
  /** Closes the objects no VMA uses any longer (per-mapping; nothing to do for single). */
  sweep(mm: MmState): void;
  /** Closes every object (exec, dispose). */
  destroy(mm: MmState): void;
}
