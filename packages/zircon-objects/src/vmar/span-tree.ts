/** Something occupying [base, base + size) of a VMAR. Its base and size must not change while in a tree. */
export interface Span {
  base: number;
  size: number;
}

/** Fan-out: wide nodes keep the tree 3-4 levels deep at 100k children, so lookups touch few cache lines. */
const MAX = 64;

interface Agg {
  minBase: number;
  maxEnd: number;
  /** Largest gap between neighbouring items inside the subtree. */
  maxGap: number;
}

class Leaf<T extends Span> implements Agg {
  readonly leaf = true;
  items: T[] = [];
  /** Parallel to items: searches and aggregates read these packed arrays, never the item objects. */
  bases: number[] = [];
  ends: number[] = [];
  minBase = 0;
  maxEnd = 0;
  maxGap = 0;

  recompute(): void {
    const bases = this.bases;
    const ends = this.ends;
    const n = bases.length;
    if (n === 0) {
      this.minBase = this.maxEnd = this.maxGap = 0;
      return;
    }
    let gap = 0;
    for (let i = 1; i < n; i++) {
      const g = (bases[i]) - (ends[i - 1]);
      if (g > gap) gap = g;
    }
    this.minBase = bases[0];
    this.maxEnd = ends[n - 1];
    this.maxGap = gap;
  }
}

class Inner<T extends Span> implements Agg {
  readonly leaf = false;
  kids: Node<T>[] = [];
  /** Parallel to kids: each child's aggregates, packed so recomputing never touches the children. */
  mins: number[] = [];
  maxEnds: number[] = [];
  gaps: number[] = [];
  minBase = 0;
  maxEnd = 0;
  maxGap = 0;

  /** Refreshes the cached aggregates of child i. */
  sync(i: number): void {
    const k = this.kids[i];
    this.mins[i] = k.minBase;
    this.maxEnds[i] = k.maxEnd;
    this.gaps[i] = k.maxGap;
  }

  recompute(): void {
    const mins = this.mins;
    const ends = this.maxEnds;
    const gaps = this.gaps;
    const n = mins.length;
    let gap = gaps[0];
    for (let i = 1; i < n; i++) {
      const g = Math.max(gaps[i], (mins[i]) - (ends[i - 1]));
      if (g > gap) gap = g;
    }
    this.minBase = mins[0];
    this.maxEnd = ends[n - 1];
    this.maxGap = gap;
  }
}

type Node<T extends Span> = Leaf<T> | Inner<T>;

/** Collects items of subtree n overlapping [start, end) into out, in order (no closure: this is a hot path). */
function overlap<T extends Span>(n: Node<T>, start: number, end: number, out: T[]): void {
  if (n.leaf) {
    for (let j = Math.max(0, lastLE(n.bases, start)); j < n.items.length; j++) {
      if ((n.bases[j]) >= end) return;
      if ((n.ends[j]) > start) out.push(n.items[j]);
    }
    return;
  }
  for (let i = Math.max(0, lastLE(n.mins, start)); i < n.kids.length; i++) {
    if ((n.mins[i]) >= end) return;
    if ((n.maxEnds[i]) > start) overlap(n.kids[i], start, end, out);
  }
}

/** Index of the last element <= key in a sorted array, or -1. */
function lastLE(arr: number[], key: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid]) <= key) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * The children of a VMAR, ordered by address: a B+tree whose nodes carry each subtree's span and largest inner gap,
 * so lookups by address, overlap checks, inserts, removals and lowest-first-fit placement are O(log n).
 */
export class SpanTree<T extends Span> {
  #root: Node<T> = new Leaf<T>();
  #count = 0;

  get count(): number {
    return this.#count;
  }

  insert(item: T): void {
    const split = this.#insert(this.#root, item);
    if (split !== null) {
      const r = new Inner<T>();
      r.kids = [this.#root, split];
      r.sync(0);
      r.sync(1);
      r.recompute();
      this.#root = r;
    }
    this.#count++;
  }

  #insert(n: Node<T>, item: T): Node<T> | null {
    if (n.leaf) {
      const at = lastLE(n.bases, item.base) + 1;
      n.items.splice(at, 0, item);
      n.bases.splice(at, 0, item.base);
      n.ends.splice(at, 0, item.base + item.size);
      if (n.items.length <= MAX) {
        n.recompute();
        return null;
      }
      const right = new Leaf<T>();
      const half = n.items.length >>> 1;
      right.items = n.items.splice(half);
      right.bases = n.bases.splice(half);
      right.ends = n.ends.splice(half);
      n.recompute();
      right.recompute();
      return right;
    }
    const i = Math.max(0, lastLE(n.mins, item.base));
    const child = n.kids[i];
    const split = this.#insert(child, item);
    n.sync(i);
    if (split !== null) {
      n.kids.splice(i + 1, 0, split);
      n.mins.splice(i + 1, 0, split.minBase);
      n.maxEnds.splice(i + 1, 0, split.maxEnd);
      n.gaps.splice(i + 1, 0, split.maxGap);
    }
    if (n.kids.length <= MAX) {
      n.recompute();
      return null;
    }
    const right = new Inner<T>();
    const half = n.kids.length >>> 1;
    right.kids = n.kids.splice(half);
    right.mins = n.mins.splice(half);
    right.maxEnds = n.maxEnds.splice(half);
    right.gaps = n.gaps.splice(half);
    n.recompute();
    right.recompute();
    return right;
  }

  /** Removes `item` (found by its base). */
  remove(item: T): void {
    if (this.#remove(this.#root, item)) {
      this.#count--;
      // Shrink the root while it has a single child; empty leaves are dropped, so depth follows the size.
      while (!this.#root.leaf && this.#root.kids.length === 1) this.#root = this.#root.kids[0];
      if (!this.#root.leaf && this.#root.kids.length === 0) this.#root = new Leaf<T>();
    }
  }

  #remove(n: Node<T>, item: T): boolean {
    if (n.leaf) {
      const at = lastLE(n.bases, item.base);
      if (at < 0 || n.items[at] !== item) return false;
      n.items.splice(at, 1);
      n.bases.splice(at, 1);
      n.ends.splice(at, 1);
      n.recompute();
      return true;
    }
    const i = lastLE(n.mins, item.base);
    if (i < 0) return false;
    const child = n.kids[i];
    if (!this.#remove(child, item)) return false;
    const empty = child.leaf ? child.items.length === 0 : child.kids.length === 0;
    if (empty) {
      n.kids.splice(i, 1);
      n.mins.splice(i, 1);
      n.maxEnds.splice(i, 1);
      n.gaps.splice(i, 1);
    } else n.sync(i);
    if (n.kids.length > 0) n.recompute();
    return true;
  }

  /** The item with the largest base <= addr. */
  floor(addr: number): T | undefined {
    let n: Node<T> = this.#root;
    while (!n.leaf) {
      const i = lastLE(n.mins, addr);
      if (i < 0) return undefined;
      n = n.kids[i];
    }
    const j = lastLE(n.bases, addr);
    return j < 0 ? undefined : n.items[j];
  }

  // Result of #floorSlot, kept in fields so hot lookups allocate nothing.
  #slotLeaf: Leaf<T> | null = null;
  #slotIdx = -1;

  /** Finds the leaf and slot of the item with the largest base <= addr; false if there is none. */
  #floorSlot(addr: number): boolean {
    let n: Node<T> = this.#root;
    while (!n.leaf) {
      const i = lastLE(n.mins, addr);
      if (i < 0) return false;
      n = n.kids[i];
    }
    const j = lastLE(n.bases, addr);
    if (j < 0) return false;
    this.#slotLeaf = n;
    this.#slotIdx = j;
    return true;
  }

  /** The item containing `addr`. */
  at(addr: number): T | undefined {
    if (!this.#floorSlot(addr)) return undefined;
    const leaf = this.#slotLeaf as Leaf<T>;
    return addr < (leaf.ends[this.#slotIdx]) ? leaf.items[this.#slotIdx] : undefined;
  }

  /** Whether nothing overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    return !this.#floorSlot(end - 1) || ((this.#slotLeaf as Leaf<T>).ends[this.#slotIdx]) <= start;
  }

  /** Items overlapping [start, end), in address order. */
  overlapping(start: number, end: number): T[] {
    const out: T[] = [];
    if (this.#count > 0) overlap(this.#root, start, end, out);
    return out;
  }

  /** Every item in address order. */
  items(): T[] {
    const out: T[] = [];
    const walk = (n: Node<T>): void => {
      if (n.leaf) for (const it of n.items) out.push(it);
      else for (const k of n.kids) walk(k);
    };
    walk(this.#root);
    return out;
  }

  /**
   * Lowest `align`-aligned start a with lo <= a, a + size <= hi and [a, a + size) free, gaps measured inside
   * [regionStart, regionEnd). Returns -1 when there is none. Subtrees whose gaps are all too small are skipped.
   */
  firstFit(regionStart: number, regionEnd: number, lo: number, hi: number, size: number, align: number): number {
    const limit = Math.min(hi, regionEnd);
    const tryGap = (gs: number, ge: number): number => {
      const a = Math.ceil(Math.max(gs, lo) / align) * align;
      return a + size <= Math.min(ge, limit) ? a : -1;
    };
    let prevEnd = regionStart;
    let stop = false;
    const walk = (n: Node<T>): number => {
      if (n.leaf) {
        for (let j = 0; j < n.bases.length; j++) {
          if (prevEnd >= limit) {
            stop = true;
            return -1;
          }
          const a = tryGap(prevEnd, n.bases[j]);
          if (a >= 0) return a;
          prevEnd = n.ends[j];
        }
        return -1;
      }
      for (let i = 0; i < n.kids.length; i++) {
        if (prevEnd >= limit) {
          stop = true;
          return -1;
        }
        if ((n.mins[i]) - prevEnd < size && (n.gaps[i]) < size) {
          prevEnd = n.maxEnds[i];
          continue;
        }
        const a = walk(n.kids[i]);
        if (a >= 0 || stop) return a;
      }
      return -1;
    };
    if (this.#count > 0) {
      const a = walk(this.#root);
      if (a >= 0 || stop) return a;
    }
    return tryGap(prevEnd, regionEnd);
  }

  /** Calls `cb(gapStart, gapEnd)` for each free gap inside [regionStart, regionEnd) before `until`; stop by returning true. */
  forEachGap(regionStart: number, regionEnd: number, until: number, cb: (gs: number, ge: number) => boolean): void {
    let prev = regionStart;
    for (const it of this.items()) {
      if (prev >= until) return;
      if (it.base > prev && cb(prev, it.base)) return;
      prev = it.base + it.size;
    }
    if (prev < regionEnd && prev < until) cb(prev, regionEnd);
  }
}
