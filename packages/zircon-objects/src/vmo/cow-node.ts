/* eslint-disable @typescript-eslint/no-this-alias -- chain walks start at this node and move up */
import { PAGE_SIZE } from '../constants.js';
import { isCompressed, ZERO_MARKER, type PhysicalMemory } from '../kernel/physical-memory.js';
import { ZxStatus, fail } from '../status.js';
import { PageMap } from './page-map.js';

/**
 * One node of a VMO's copy-on-write tree (Zircon's VmCowPages). Leaves are the content of visible VMOs (slices and
 * references view a leaf through a window). Inner nodes are hidden: a snapshot moves the original's page map into a
 * new hidden node (O(1), no page copied) that the original and the clone both read through. When one side closes,
 * the hidden node merges into the survivor, so chains never grow past the number of live clones.
 */
export class CowNode {
  /** Sparse page map: page index to frame (>= 0), ZERO_MARKER, or a compressed id (<= -2). */
  pages = new PageMap();
  parent: CowNode | null = null;
  /** Page offset of index 0 of this node inside the parent. */
  parentOffset = 0;
  /** Indices below this may read through to the parent; above, they read as zeros. */
  parentLimit = 0;
  left: CowNode | null = null;
  right: CowNode | null = null;
  hidden = false;
  sizePages: number;
  /** Live VMO objects whose content is this node (owner, slices, references). */
  viewers = 0;
  /** Mappings of VMOs over this node that live in HIGH-priority VMARs. */
  highMappings = 0;
  /** Pinned page ranges [start, end) in node indices; pinned pages are never decommitted or reclaimed. */
  readonly pins: [number, number][] = [];

  /** Whether any page in [from, to) is pinned. */
  pinnedIn(from: number, to: number): boolean {
    for (const [s, e] of this.pins) if (s < to && e > from) return true;
    return false;
  }

  /** Discardable content is evicted whole, never compressed. */
  discardable = false;
  readonly mem: PhysicalMemory;
  readonly registry: Set<CowNode>;

  constructor(mem: PhysicalMemory, registry: Set<CowNode>, sizePages: number) {
    this.mem = mem;
    this.registry = registry;
    this.sizePages = sizePages;
    registry.add(this);
  }

  // ---- reading --------------------------------------------------------------------------------------------------

  /** Copies `len` bytes of page `idx` from `pageOff` into dst (zeros where nothing is committed). */
  readPage(idx: number, pageOff: number, dst: Uint8Array, dstOff: number, len: number): void {
    let n: CowNode = this;
    let i = idx;
    for (;;) {
      const v = n.pages.get(i);
      if (v !== undefined) {
        if (v >= 0) {
          this.mem.readFrame(v, pageOff, dst, dstOff, len);
          return;
        }
        if (v === ZERO_MARKER) break;
        // Reading a compressed page brings it back (committed again), as a real decompression fault would.
        const f = this.mem.decompress(v);
        if (f < 0) {
          dst.set(this.mem.peekCompressed(v).subarray(pageOff, pageOff + len), dstOff);
          return;
        }
        n.pages.set(i, f);
        this.mem.readFrame(f, pageOff, dst, dstOff, len);
        return;
      }
      if (n.parent === null || i >= n.parentLimit) break;
      i += n.parentOffset;
      n = n.parent;
    }
    dst.fill(0, dstOff, dstOff + len);
  }

  /** True when page `idx` reads as something other than the zero page without a lookup in this node only. */
  hasContent(idx: number): boolean {
    let n: CowNode = this;
    let i = idx;
    for (;;) {
      const v = n.pages.get(i);
      if (v !== undefined) return v !== ZERO_MARKER;
      if (n.parent === null || i >= n.parentLimit) return false;
      i += n.parentOffset;
      n = n.parent;
    }
  }

  /** Brings a compressed page that this node shows back into memory (prefetch). */
  populate(idx: number): void {
    let n: CowNode = this;
    let i = idx;
    for (;;) {
      const v = n.pages.get(i);
      if (v !== undefined) {
        if (isCompressed(v)) {
          const f = this.mem.decompress(v);
          if (f >= 0) n.pages.set(i, f);
        }
        return;
      }
      if (n.parent === null || i >= n.parentLimit) return;
      i += n.parentOffset;
      n = n.parent;
    }
  }

  /** Decompresses every compressed page held here (best-effort population for HIGH priority). */
  populateAll(): void {
    this.pages.forEach((v, i) => {
      if (!isCompressed(v)) return;
      const f = this.mem.decompress(v);
      if (f >= 0) this.pages.set(i, f);
    });
  }

  /** Residency of page `idx` as seen by this node. */
  state(idx: number): 'committed' | 'compressed' | 'absent' {
    let n: CowNode = this;
    let i = idx;
    for (;;) {
      const v = n.pages.get(i);
      if (v !== undefined) return v >= 0 ? 'committed' : isCompressed(v) ? 'compressed' : 'absent';
      if (n.parent === null || i >= n.parentLimit) return 'absent';
      i += n.parentOffset;
      n = n.parent;
    }
  }

  // ---- writing --------------------------------------------------------------------------------------------------

  /**
   * Returns a private, committed frame for page `idx` (zero-fill or copy-on-write break). Throws NO_MEMORY.
   * `zero` false: a fresh frame is not zero-filled, for a caller that overwrites the whole page at once.
   */
  commitPage(idx: number, zero = true): number {
    const own = this.pages.get(idx);
    if (own !== undefined && own >= 0) return own;
    if (own !== undefined && own !== ZERO_MARKER) {
      const f = this.mem.decompress(own);
      if (f < 0) fail(ZxStatus.NO_MEMORY, 'out of physical memory');
      this.pages.set(idx, f);
      return f;
    }
    // Find what this page currently shows.
    let n: CowNode = this;
    let i = idx;
    let src: CowNode | null = null;
    if (own === undefined) {
      while (n.parent !== null && i < n.parentLimit) {
        i += n.parentOffset;
        n = n.parent;
        const v = n.pages.get(i);
        if (v !== undefined) {
          if (v !== ZERO_MARKER) src = n;
          break;
        }
      }
    }
    if (src === null) {
      const f = this.mem.alloc(zero);
      if (f < 0) fail(ZxStatus.NO_MEMORY, 'out of physical memory');
      this.pages.set(idx, f);
      if (own === undefined) this.#afterShadow(idx);
      return f;
    }
    // Copy-on-write break. Shadow first, then ask whether anyone else still sees the source page: if not, the
    // page moves here instead of being copied (Zircon does the same), so no page is ever held by nobody.
    this.pages.set(idx, ZERO_MARKER);
    if (!anyChildSees(src, i)) {
      const v = src.pages.get(i) as number;
      src.pages.delete(i);
      let f = v;
      if (v < 0) {
        f = this.mem.decompress(v);
        if (f < 0) {
          this.pages.set(idx, v);
          fail(ZxStatus.NO_MEMORY, 'out of physical memory');
        }
      }
      this.pages.set(idx, f);
      return f;
    }
    const f = this.mem.alloc(false);
    if (f < 0) {
      this.pages.delete(idx);
      fail(ZxStatus.NO_MEMORY, 'out of physical memory');
    }
    const v = src.pages.get(i);
    if (v === undefined || v === ZERO_MARKER) this.mem.fillFrame(f, 0, PAGE_SIZE, 0);
    else if (v >= 0) this.mem.copyFrame(v, f);
    else this.mem.writeFrame(f, 0, this.mem.peekCompressed(v), 0, PAGE_SIZE);
    this.pages.set(idx, f);
    return f;
  }

  /** After this node starts shadowing `idx`, frees the ancestor page it used to show if nobody else sees it. */
  #afterShadow(idx: number): void {
    let n: CowNode = this;
    let i = idx;
    while (n.parent !== null && i < n.parentLimit) {
      i += n.parentOffset;
      n = n.parent;
      const v = n.pages.get(i);
      if (v !== undefined) {
        if (n.hidden && !anyChildSees(n, i)) {
          n.pages.delete(i);
          this.mem.release(v);
        }
        return;
      }
    }
  }

  /** Makes page `idx` read as zeros, freeing what this node held (a marker hides the parent's page if needed). */
  zeroPage(idx: number): void {
    const own = this.pages.get(idx);
    if (own !== undefined) {
      this.mem.release(own);
      this.pages.delete(idx);
    }
    if (this.parent !== null && idx < this.parentLimit && this.#parentShows(idx)) {
      this.pages.set(idx, ZERO_MARKER);
      if (own === undefined) this.#afterShadow(idx);
    }
  }

  /**
   * The indices of [from, to) where this node or an ancestor it reads through holds an entry (a page, a compressed
   * page or a zero marker), in no order; null when listing them would cost more than walking the range itself.
   * Everywhere else the page is absent and zeroing it changes nothing.
   */
  heldIn(from: number, to: number): Set<number> | null {
    let budget = to - from;
    const held = new Set<number>();
    let n: CowNode | null = this;
    // Node n's index k is this node's index k - shift, seen through the chain while below `limit`.
    let shift = 0;
    let limit = Infinity;
    while (n !== null) {
      budget -= n.pages.size;
      if (budget < 0) return null;
      const s = shift;
      const hi = Math.min(to, limit);
      if (hi > from) n.pages.forEachIn(from + s, hi + s, (k) => held.add(k - s));
      if (n.parent === null) break;
      limit = Math.min(limit, n.parentLimit - shift);
      shift += n.parentOffset;
      n = n.parent;
    }
    return held;
  }

  /** zeroPage for every index of [from, to), visiting only the indices something is held at. */
  zeroRange(from: number, to: number): void {
    const held = this.heldIn(from, to);
    if (held === null) for (let i = from; i < to; i++) this.zeroPage(i);
    else for (const i of held) this.zeroPage(i);
  }

  /** The indices of [from, to) whose page is committed or compressed, ascending. */
  presentIn(from: number, to: number): number[] {
    const held = this.heldIn(from, to);
    const out: number[] = [];
    if (held === null) {
      for (let i = from; i < to; i++) if (this.state(i) !== 'absent') out.push(i);
      return out;
    }
    for (const i of held) if (this.state(i) !== 'absent') out.push(i);
    return out.sort((x, y) => x - y);
  }

  #parentShows(idx: number): boolean {
    const p = this.parent;
    return p !== null && p.hasContent(idx + this.parentOffset);
  }

  /** Frees every page at index >= `from` and stops reading through to the parent there (shrinking). */
  truncate(from: number): void {
    if (this.pages.size > 0) {
      this.pages.forEach((v, i) => {
        if (i >= from) {
          this.pages.delete(i);
          this.mem.release(v);
        }
      });
    }
    if (this.parentLimit > from) {
      const lost = this.parentLimit;
      this.parentLimit = from;
      if (this.parent !== null) this.parent.releaseUnseen(from + this.parentOffset, lost + this.parentOffset);
    }
  }

  /**
   * After a child stopped reading through to this node's indices [lo, hi) (it closed, shrank or merged into a
   * narrower view), frees the pages there that no child sees any more, here and in the ancestors this node reads
   * through to. Cost follows the window and the pages held in it, not the whole chain.
   */
  releaseUnseen(lo: number, hi: number): void {
    let n: CowNode | null = this;
    while (n !== null && n.hidden && hi > lo) {
      const gone: number[] = [];
      const node: CowNode = n;
      node.pages.forEachIn(lo, hi, (i) => {
        if (!anyChildSees(node, i)) gone.push(i);
      });
      for (const i of gone) {
        this.mem.release(node.pages.get(i) as number);
        node.pages.delete(i);
      }
      hi = Math.min(hi, node.parentLimit) + node.parentOffset;
      lo += node.parentOffset;
      n = node.parent;
    }
  }

  /** Drops every page (discard): the content reads as zeros and nothing is held. */
  discardAll(): number {
    let n = 0;
    this.pages.forEach((v) => {
      if (v >= 0 || isCompressed(v)) n++;
      this.mem.release(v);
    });
    this.pages.clear();
    return n;
  }

  // ---- snapshots and lifetime -----------------------------------------------------------------------------------

  /**
   * Makes a snapshot child seeing `sizePages` pages from `offsetPages` of this leaf, of which the first `limitPages`
   * read through (the rest, beyond the parent's size, are zeros). O(1): the page map moves into a hidden node.
   */
  snapshot(offsetPages: number, limitPages: number, sizePages: number): CowNode {
    const h = new CowNode(this.mem, this.registry, this.sizePages);
    h.hidden = true;
    h.pages = this.pages;
    this.pages = new PageMap();
    h.parent = this.parent;
    h.parentOffset = this.parentOffset;
    h.parentLimit = this.parentLimit;
    if (this.parent !== null) {
      if (this.parent.left === this) this.parent.left = h;
      else this.parent.right = h;
    }
    h.highMappings = 0;
    this.parent = h;
    this.parentOffset = 0;
    this.parentLimit = this.sizePages;
    const child = new CowNode(this.mem, this.registry, sizePages);
    child.parent = h;
    child.parentOffset = offsetPages;
    child.parentLimit = Math.max(0, Math.min(limitPages, sizePages));
    h.left = this;
    h.right = child;
    return child;
  }

  /** Called when the last viewer of a leaf goes away: frees its pages and collapses the chain above it. */
  destroy(): void {
    this.pages.forEach((v) => this.mem.release(v));
    this.pages.clear();
    this.registry.delete(this);
    const p = this.parent;
    this.parent = null;
    if (p === null) return;
    if (p.left === this) p.left = null;
    else if (p.right === this) p.right = null;
    p.#collapse(this.parentOffset, this.parentOffset + this.parentLimit);
  }

  /**
   * A hidden node that lost a child, which read through to its indices [lostLo, lostHi): merge into the survivor, or
   * go away with no children left.
   */
  #collapse(lostLo: number, lostHi: number): void {
    const survivor = this.left ?? this.right;
    if (survivor === null) {
      this.destroy();
      return;
    }
    if (this.left !== null && this.right !== null) return;
    const co = survivor.parentOffset;
    const limit = survivor.parentLimit;
    const theirs = survivor.pages;
    // Pages of this node move down to the survivor where it can see them; the rest are freed.
    if (co === 0 && limit >= this.sizePages && theirs.size <= this.pages.size) {
      // Common case, cost proportional to the smaller map: adopt this node's map and lay the survivor's over it.
      const merged = this.pages;
      theirs.forEach((v, i) => {
        const old = merged.get(i);
        if (old !== undefined) this.mem.release(old);
        merged.set(i, v);
      });
      survivor.pages = merged;
    } else {
      this.pages.forEach((v, j) => {
        const c = j - co;
        if (c >= 0 && c < limit && !theirs.has(c)) theirs.set(c, v);
        else this.mem.release(v);
      });
    }
    this.pages = new PageMap();
    const up = this.parent;
    survivor.parent = up;
    survivor.parentOffset = co + this.parentOffset;
    survivor.parentLimit = up === null ? 0 : Math.min(limit, Math.max(0, this.parentLimit - co));
    if (up !== null) {
      if (up.left === this) up.left = survivor;
      else up.right = survivor;
    }
    this.parent = null;
    this.left = this.right = null;
    this.registry.delete(this);
    // A hidden survivor took over pages only the closed side saw; free them.
    if (survivor.hidden) survivor.releaseUnseen(Math.max(0, lostLo - co), lostHi - co);
    // The closed side could also read through this node into the ancestors, which the survivor may see less of.
    if (up !== null) up.releaseUnseen(lostLo + this.parentOffset, Math.min(lostHi, this.parentLimit) + this.parentOffset);
  }

  // ---- accounting -----------------------------------------------------------------------------------------------

  /**
   * Pages attributed to this leaf in the window [from, to): its own, plus pages of hidden ancestors it sees and that
   * Zircon attributes to it (a shared page counts for the left, older, side only).
   */
  attributed(from: number, to: number): { committed: number; populated: number } {
    let committed = 0;
    let populated = 0;
    const count = (v: number): void => {
      if (v >= 0) {
        committed++;
        populated++;
      } else if (isCompressed(v)) populated++;
    };
    this.pages.forEachIn(from, to, (_i, v) => count(v));
    // Walk up, keeping the window [lo, hi) of this leaf's view translated into each ancestor's indices.
    const path: CowNode[] = [this];
    let lo = from;
    let hi = to;
    for (let child: CowNode = this, a = this.parent; a !== null; child = a, a = a.parent) {
      hi = Math.min(hi, child.parentLimit);
      if (hi <= lo) break;
      lo += child.parentOffset;
      hi += child.parentOffset;
      const k = path.length;
      path.push(a);
      a.pages.forEachIn(lo, hi, (j, v) => {
        if (v === ZERO_MARKER) return;
        let idx = j;
        for (let m = k - 1; m >= 0; m--) {
          const c = path[m];
          const up = path[m + 1];
          // A page shared by both sides is attributed to the left (older) side only.
          if (up.right === c && up.left !== null && seesParentAt(up.left, idx)) return;
          idx -= c.parentOffset;
          if (idx < 0 || idx >= c.parentLimit || c.pages.has(idx)) return;
        }
        count(v);
      });
    }
    return { committed, populated };
  }

  /** True when this leaf, or any leaf under this hidden node, must not be reclaimed (HIGH priority mapping). */
  isProtected(): boolean {
    const todo: CowNode[] = [this];
    while (todo.length > 0) {
      const n = todo.pop() as CowNode;
      if (!n.hidden) {
        if (n.highMappings > 0) return true;
        continue;
      }
      if (n.left !== null) todo.push(n.left);
      if (n.right !== null) todo.push(n.right);
    }
    return false;
  }
}

/** Whether `child` (or a leaf below it) sees page `pj` of its parent. Iterative: clone trees can be deep. */
function seesParentAt(child: CowNode, pj: number): boolean {
  const nodes: CowNode[] = [child];
  const idxs: number[] = [pj];
  while (nodes.length > 0) {
    const c = nodes.pop() as CowNode;
    const ci = (idxs.pop() as number) - c.parentOffset;
    if (ci < 0 || ci >= c.parentLimit || c.pages.has(ci)) continue;
    if (!c.hidden) return true;
    if (c.left !== null) {
      nodes.push(c.left);
      idxs.push(ci);
    }
    if (c.right !== null) {
      nodes.push(c.right);
      idxs.push(ci);
    }
  }
  return false;
}

/** Whether any child of `n` sees page `i` of `n`. */
export function anyChildSees(n: CowNode, i: number): boolean {
  if (!n.hidden) return true;
  return (n.left !== null && seesParentAt(n.left, i)) || (n.right !== null && seesParentAt(n.right, i));
}
