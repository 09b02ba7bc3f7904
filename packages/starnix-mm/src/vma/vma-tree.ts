import { RangeTree } from '@memsim/zircon-objects';
import type { AnonObject, Backing, Vma } from './vma.js';

/** VM_GROWSDOWN. */
const GROWSDOWN = 0x100;

/**
 * The VMA list, ordered by start address (Linux's maple tree). It is zircon-objects' RangeTree, the index VMARs use
 * for their children, so lookups, inserts, removals and top-down gap searches are O(log n) and touch few cache
 * lines; each VMA's fence is its vm_start_gap, so the guard gap below a MAP_GROWSDOWN VMA is never handed out.
 */
export class VmaTree {
  private readonly index = new RangeTree<Vma>();
  /**
   * 'per-mapping': the VMOs whose last VMA left the tree (or was rebound to another VMO), and those made, since the
   * last `takeOrphans`.
   * The tree counts the VMAs mapping each VMO (`AnonObject.refs`), so the memory manager closes unused VMOs by
   * looking at these only, never at every VMA.
   */
  private orphans: Set<AnonObject> | null = null;

  constructor(
    /** Lowest usable address (the gap of the first VMA starts here). */
    private readonly low: number,
    /** Guard gap kept below MAP_GROWSDOWN VMAs. */
    private readonly guardGap: number,
  ) {}

  get size(): number {
    return this.index.size;
  }

  /** vm_start_gap: a growsdown VMA keeps the guard gap free below it. */
  startGap(v: Vma): number {
    if (v.flags & GROWSDOWN) return Math.max(this.low, v.start - this.guardGap);
    return v.start;
  }

  /** First VMA with end > addr (Linux find_vma). */
  findFrom(addr: number): Vma | undefined {
    return this.index.endingAbove(addr);
  }

  /** The VMA containing addr. */
  find(addr: number): Vma | undefined {
    return this.index.at(addr);
  }

  /** Last VMA with start < addr (the predecessor of whatever starts at addr). */
  findBefore(addr: number): Vma | undefined {
    return this.index.below(addr);
  }

  next(v: Vma): Vma | undefined {
    return this.index.endingAbove(v.end);
  }

  prev(v: Vma): Vma | undefined {
    return this.index.below(v.start);
  }

  first(): Vma | undefined {
    return this.index.first();
  }

  last(): Vma | undefined {
    return this.index.last();
  }

  /** VMAs intersecting [start, end), in order. */
  range(start: number, end: number): Vma[] {
    return this.index.overlapping(start, end);
  }

  [Symbol.iterator](): IterableIterator<Vma> {
    return this.index[Symbol.iterator]();
  }

  insert(v: Vma): void {
    this.index.insert(v, v.start, v.end, Math.min(v.start, this.startGap(v)));
    const obj = anonObjectOf(v.backing);
    if (obj) obj.refs++;
  }

  /** Removes the VMA starting where `v` starts. */
  remove(v: Vma): void {
    const gone = this.index.remove(v.start);
    const obj = gone && anonObjectOf(gone.backing);
    if (obj) this.release(obj);
  }

  /** Gives `v`, which is in the tree, another backing (keeping the per-VMO counts right). */
  setBacking(v: Vma, backing: Backing): void {
    const old = anonObjectOf(v.backing);
    v.backing = backing;
    const obj = anonObjectOf(backing);
    if (obj) obj.refs++;
    if (old) this.release(old);
  }

  /** Marks a VMO made during a call, which must be closed if the call ends without a VMA mapping it. */
  noteNew(obj: AnonObject): void {
    (this.orphans ??= new Set()).add(obj);
  }

  /** The VMOs that lost their last VMA since the last call (some may have gained one again since). */
  takeOrphans(): Iterable<AnonObject> {
    const o = this.orphans;
    this.orphans = null;
    return o ?? [];
  }

  private release(obj: AnonObject): void {
    if (--obj.refs === 0) (this.orphans ??= new Set()).add(obj);
  }

  /** Call after changing a VMA's end in place (start unchanged). */
  endChanged(v: Vma): void {
    this.index.setEnd(v.start, v.end);
  }

  /**
   * The highest address `a` with [a, a+len) free, low <= a, a+len <= high, respecting guard gaps (Linux
   * unmapped_area_topdown). `top` is the end of the usable range (the gap after the last VMA ends there).
   */
  findTopDown(len: number, low: number, high: number, top: number): number | undefined {
    const a = this.index.highestFit(this.low, top, low, high, len);
    return a < 0 ? undefined : a;
  }

  /** The lowest address a >= low with [a, a+len) free below high (bottom-up, for MAP_32BIT). */
  findBottomUp(len: number, low: number, high: number): number | undefined {
    const a = this.index.lowestFit(this.low, high, Math.max(low, this.low), high, len);
    return a < 0 ? undefined : a;
  }
}

function anonObjectOf(b: Backing): AnonObject | undefined {
  return b.kind === 'anon' ? b.obj : undefined;
}
