import { ObjType, PAGE_SIZE, Signals, VmoInfoFlags } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import { KernelObject } from '../kernel/kernel-object.js';
import { type Discardable, internals } from '../kernel/kernel-state.js';
import { ZxStatus, fail } from '../status.js';
import { CowNode } from './cow-node.js';

/** Size and content size, shared by a VMO and its REFERENCE children. */
export interface SizeCell {
  size: number;
  contentSize: number;
}

/** What kind of VMO this is. */
export type VmoKind = 'root' | 'snapshot' | 'slice' | 'reference';

/** Anything that keeps a VMO mapped (a VMAR mapping). */
export interface VmoMappingRef {
  /** Process koid of the address space the mapping is in. */
  aspaceKoid(): number;
  /** Whether the mapping lives in a HIGH-priority VMAR. */
  high: boolean;
  /** Intrusive list links (O(1) add/remove, like Zircon's mapping list). */
  prevOnVmo: VmoMappingRef | null;
  nextOnVmo: VmoMappingRef | null;
  onVmo: boolean;
}

/**
 * The VMO kernel object (VmObjectDispatcher + VmObjectPaged): a window of `size` bytes at `coreOffset` in a
 * copy-on-write node. Roots and snapshots own their node; slices and references view their parent's.
 */
export class VmoObject extends KernelObject implements Discardable {
  readonly type = ObjType.VMO;
  readonly node: CowNode;
  readonly coreOffset: number;
  readonly cell: SizeCell;
  readonly kind: VmoKind;
  readonly resizable: boolean;
  readonly discardable: boolean;
  readonly unbounded: boolean;
  readonly immutable: boolean;
  readonly parent: VmoObject | null;
  name = '';
  liveChildren = 0;
  #mappingHead: VmoMappingRef | null = null;
  mappingCount = 0;
  lockCount = 0;
  discardedSinceLock = false;
  everDiscarded = false;
  /** Pinned byte ranges [start, end) of this VMO's window, pinned through its handle. */
  get pinCount(): number {
    return this.node.pins.length;
  }

  /** Whether any page of the window range [offset, end) is pinned. */
  pinnedIn(offset: number, end: number): boolean {
    const from = Math.floor((this.coreOffset + offset) / PAGE_SIZE);
    const to = Math.ceil((this.coreOffset + end) / PAGE_SIZE);
    return this.node.pinnedIn(from, to);
  }

  /** Commits and pins [offset, end); returns the node range to unpin. */
  pin(offset: number, end: number): [number, number] {
    this.commit(offset, end);
    const range: [number, number] = [Math.floor((this.coreOffset + offset) / PAGE_SIZE), Math.ceil((this.coreOffset + end) / PAGE_SIZE)];
    this.node.pins.push(range);
    return range;
  }

  unpin(range: [number, number]): boolean {
    const i = this.node.pins.indexOf(range);
    if (i < 0) return false;
    this.node.pins.splice(i, 1);
    return true;
  }
  /** Handles and mappings are gone: the content is released. */
  dead = false;
  #completed = false;

  constructor(
    kernel: KernelContext,
    init: {
      node: CowNode;
      coreOffset: number;
      cell: SizeCell;
      kind: VmoKind;
      resizable: boolean;
      discardable?: boolean;
      unbounded?: boolean;
      immutable?: boolean;
      parent: VmoObject | null;
    },
  ) {
    super(kernel);
    this.node = init.node;
    this.coreOffset = init.coreOffset;
    this.cell = init.cell;
    this.kind = init.kind;
    this.resizable = init.resizable;
    this.discardable = init.discardable ?? false;
    this.unbounded = init.unbounded ?? false;
    this.immutable = init.immutable ?? false;
    this.parent = init.parent;
    this.node.viewers++;
    if (this.parent !== null) {
      this.parent.liveChildren++;
      // Cleared synchronously when a child appears.
      this.parent.updateSignals(Signals.VMO_ZERO_CHILDREN, 0);
    }
    this.updateSignals(0, Signals.VMO_ZERO_CHILDREN);
    if (this.discardable) internals(kernel).discardables.add(this);
  }

  static createRoot(kernel: KernelContext, size: number, contentSize: number, options: { resizable: boolean; discardable: boolean; unbounded: boolean }): VmoObject {
    const node = new CowNode(internals(kernel).mem, internals(kernel).nodes, size / PAGE_SIZE);
    node.discardable = options.discardable;
    return new VmoObject(kernel, {
      node,
      coreOffset: 0,
      cell: { size, contentSize },
      kind: 'root',
      ...options,
      parent: null,
    });
  }

  override relatedKoid(): number {
    return 0;
  }

  get size(): number {
    return this.cell.size;
  }

  // ---- lifetime -------------------------------------------------------------------------------------------------

  override onNoHandles(): void {
    this.#maybeDie();
  }

  removeMapping(m: VmoMappingRef): void {
    if (!m.onVmo) return;
    m.onVmo = false;
    if (m.prevOnVmo !== null) m.prevOnVmo.nextOnVmo = m.nextOnVmo;
    else this.#mappingHead = m.nextOnVmo;
    if (m.nextOnVmo !== null) m.nextOnVmo.prevOnVmo = m.prevOnVmo;
    m.prevOnVmo = m.nextOnVmo = null;
    this.mappingCount--;
    if (m.high) this.node.highMappings--;
    this.#maybeDie();
  }

  addMapping(m: VmoMappingRef): void {
    if (m.onVmo) return;
    m.onVmo = true;
    m.prevOnVmo = null;
    m.nextOnVmo = this.#mappingHead;
    if (this.#mappingHead !== null) this.#mappingHead.prevOnVmo = m;
    this.#mappingHead = m;
    this.mappingCount++;
    if (m.high) this.node.highMappings++;
  }

  #maybeDie(): void {
    if (this.dead || this.handleCount > 0 || this.mappingCount > 0) return;
    this.dead = true;
    internals(this.kernel).discardables.delete(this);
    this.node.viewers--;
    if (this.node.viewers === 0) this.node.destroy();
    this.#maybeComplete();
  }

  #maybeComplete(): void {
    if (this.#completed || !this.dead || this.liveChildren > 0) return;
    this.#completed = true;
    this.parent?.childGone();
  }

  childGone(): void {
    this.liveChildren--;
    if (this.liveChildren === 0) {
      this.updateSignals(0, Signals.VMO_ZERO_CHILDREN);
      this.#maybeComplete();
    }
  }

  // ---- content --------------------------------------------------------------------------------------------------

  #index(offset: number): number {
    return Math.floor((this.coreOffset + offset) / PAGE_SIZE);
  }

  read(dst: Uint8Array, offset: number): void {
    let done = 0;
    const len = dst.length;
    const node = this.node;
    const mem = node.mem;
    while (done < len) {
      const off = offset + done;
      const inPage = (this.coreOffset + off) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, len - done);
      const idx = this.#index(off);
      const f = n === PAGE_SIZE ? node.pages.get(idx) : undefined;
      if (f === undefined || f < 0) {
        node.readPage(idx, inPage, dst, done, n);
        done += n;
        continue;
      }
      // Whole pages this node holds in frames side by side copy as one block (a populated range is mostly such runs).
      const count = node.pages.frameRun(idx, f, Math.min(Math.floor((len - done) / PAGE_SIZE), mem.slabRun(f)));
      mem.readFrames(f, count, dst, done);
      done += count * PAGE_SIZE;
    }
  }

  /** Writes; `progress.done` tells how many bytes landed if a page cannot be committed (NO_MEMORY). */
  write(src: Uint8Array, offset: number, progress?: { done: number }): void {
    let done = 0;
    const len = src.length;
    const mem = internals(this.kernel).mem;
    const node = this.node;
    while (done < len) {
      const off = offset + done;
      const inPage = (this.coreOffset + off) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, len - done);
      const idx = this.#index(off);
      // A whole page is overwritten at once below, so a fresh frame needs no zero-fill first.
      const f = node.commitPage(idx, n < PAGE_SIZE);
      if (n < PAGE_SIZE) {
        mem.writeFrame(f, inPage, src, done, n);
        done += n;
        if (progress !== undefined) progress.done = done;
        continue;
      }
      // Whole pages already committed here in frames side by side take one block copy; the run stops before any page
      // that would need committing, so NO_MEMORY still leaves every byte before it written.
      const count = node.pages.frameRun(idx, f, Math.min(Math.floor((len - done) / PAGE_SIZE), mem.slabRun(f)));
      mem.writeFrames(f, count, src, done);
      done += count * PAGE_SIZE;
      if (progress !== undefined) progress.done = done;
    }
  }

  /** Commits every page of [offset, end) (private copies in clones). */
  commit(offset: number, end: number): void {
    for (let p = this.#index(offset), last = this.#index(end - 1); p <= last && end > offset; p++) this.node.commitPage(p);
  }

  /** Brings compressed pages of [offset, end) back into memory. */
  prefetch(offset: number, end: number): void {
    if (end <= offset) return;
    const from = this.#index(offset);
    const to = this.#index(end - 1) + 1;
    // Only pages something is held at can be compressed; the rest of a sparse range is skipped.
    const held = this.node.heldIn(from, to);
    if (held === null) for (let p = from; p < to; p++) this.node.populate(p);
    else for (const p of held) this.node.populate(p);
  }

  /** Makes [offset, end) read as zeros: whole pages are freed, partial pages are zero-filled. */
  zero(offset: number, end: number): void {
    // Whole pages in one sparse pass; the partial pages at either end below.
    const head = offset + ((PAGE_SIZE - ((this.coreOffset + offset) % PAGE_SIZE)) % PAGE_SIZE);
    const tail = end - ((this.coreOffset + end) % PAGE_SIZE);
    if (tail - head >= PAGE_SIZE) {
      this.node.zeroRange(this.#index(head), this.#index(tail));
      this.#zeroPartial(offset, head);
      this.#zeroPartial(tail, end);
      return;
    }
    this.#zeroPartial(offset, end);
  }

  /** Page by page over [offset, end): whole pages freed, partial pages zero-filled. */
  #zeroPartial(offset: number, end: number): void {
    let off = offset;
    while (off < end) {
      const pageStart = off - ((this.coreOffset + off) % PAGE_SIZE);
      const pageEnd = pageStart + PAGE_SIZE;
      const idx = this.#index(off);
      if (off === pageStart && end >= pageEnd) this.node.zeroPage(idx);
      else if (this.node.hasContent(idx)) {
        const f = this.node.commitPage(idx);
        const inPage = (this.coreOffset + off) % PAGE_SIZE;
        internals(this.kernel).mem.fillFrame(f, inPage, Math.min(end, pageEnd) - off, 0);
      }
      off = Math.min(end, pageEnd);
    }
  }

  /** Resizes a root/snapshot/reference (size already validated and page-rounded). */
  resize(newSize: number): void {
    const old = this.cell.size;
    const newPages = newSize / PAGE_SIZE;
    if (newSize < old) {
      this.node.truncate(newPages);
      // Slices of this VMO can't exist (resizable parents refuse them), so the node is ours alone.
    }
    this.cell.size = newSize;
    this.node.sizePages = newPages;
  }

  // ---- discardable ----------------------------------------------------------------------------------------------

  isProtected(): boolean {
    return this.node.isProtected();
  }

  tryDiscard(): number {
    if (this.lockCount > 0 || this.dead || this.node.pins.length > 0) return 0;
    const n = this.node.discardAll();
    this.discardedSinceLock = true;
    this.everDiscarded = true;
    return n;
  }

  // ---- info -----------------------------------------------------------------------------------------------------

  flags(): number {
    let f = VmoInfoFlags.PAGED | VmoInfoFlags.VIA_HANDLE;
    if (this.resizable) f |= VmoInfoFlags.RESIZABLE;
    if (this.kind === 'snapshot') f |= VmoInfoFlags.IS_COW_CLONE;
    if (this.discardable) f |= VmoInfoFlags.DISCARDABLE;
    if (this.immutable) f |= VmoInfoFlags.IMMUTABLE;
    return f;
  }

  usage(): { committed: number; populated: number } {
    // A slice's pages are its parent's: Zircon attributes them there only (vmo-slice.cc AttributedCounts).
    if (this.kind === 'slice') return { committed: 0, populated: 0 };
    const from = this.coreOffset / PAGE_SIZE;
    const to = from + Math.ceil(this.cell.size / PAGE_SIZE);
    const { committed, populated } = this.node.attributed(from, to);
    return { committed: committed * PAGE_SIZE, populated: populated * PAGE_SIZE };
  }

  shareCount(): number {
    if (this.mappingCount < 2) return 1;
    const spaces = new Set<number>();
    for (let m = this.#mappingHead; m !== null; m = m.nextOnVmo) spaces.add(m.aspaceKoid());
    return spaces.size;
  }

  requireAlive(): void {
    if (this.dead) fail(ZxStatus.BAD_STATE, 'VMO is gone');
  }
}
