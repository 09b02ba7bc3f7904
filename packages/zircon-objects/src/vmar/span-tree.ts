/** Something occupying [base, base + size) of a VMAR. Its base and size must not change while in a tree. */
export interface Span {
  base: number;
  size: number;
}

interface TNode<T extends Span> {
  item: T;
  pri: number;
  left: TNode<T> | null;
  right: TNode<T> | null;
  /** Subtree aggregates: lowest base, highest end, largest gap between neighbours inside the subtree. */
  minBase: number;
  maxEnd: number;
  maxGap: number;
}

/**
 * The children of a VMAR, ordered by address: a treap augmented with each subtree's span and largest inner gap, so
 * lookups by address, overlap checks and lowest-first-fit placement are O(log n) expected.
 */
export class SpanTree<T extends Span> {
  #root: TNode<T> | null = null;
  #count = 0;
  #seed = 0x2545f491;

  get count(): number {
    return this.#count;
  }

  #rand(): number {
    // Treap priorities only shape the tree, never results; a per-tree xorshift keeps them deterministic.
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }

  insert(item: T): void {
    const n: TNode<T> = {
      item,
      pri: this.#rand(),
      left: null,
      right: null,
      minBase: item.base,
      maxEnd: item.base + item.size,
      maxGap: 0,
    };
    const [l, r] = split(this.#root, item.base);
    this.#root = merge(merge(l, n), r);
    this.#count++;
  }

  /** Removes the item whose base is `item.base` (must be `item`). */
  remove(item: T): void {
    const [l, r] = split(this.#root, item.base);
    const [mid, rest] = split(r, item.base + 1);
    if (mid === null || mid.item !== item) {
      // Not present: restore the tree unchanged.
      this.#root = merge(merge(l, mid), rest);
      return;
    }
    this.#root = merge(l, rest);
    this.#count--;
  }

  /** The item with the largest base <= addr. */
  floor(addr: number): T | undefined {
    let n = this.#root;
    let best: T | undefined;
    while (n !== null) {
      if (n.item.base <= addr) {
        best = n.item;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  /** The item containing `addr`. */
  at(addr: number): T | undefined {
    const f = this.floor(addr);
    return f !== undefined && addr < f.base + f.size ? f : undefined;
  }

  /** Whether nothing overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    const f = this.floor(end - 1);
    return f === undefined || f.base + f.size <= start;
  }

  /** Items overlapping [start, end), in address order. */
  overlapping(start: number, end: number): T[] {
    const out: T[] = [];
    const walk = (n: TNode<T> | null): void => {
      if (n === null || n.maxEnd <= start || n.minBase >= end) return;
      walk(n.left);
      if (n.item.base < end && n.item.base + n.item.size > start) out.push(n.item);
      walk(n.right);
    };
    walk(this.#root);
    return out;
  }

  /** Every item in address order. */
  items(): T[] {
    const out: T[] = [];
    const walk = (n: TNode<T> | null): void => {
      if (n === null) return;
      walk(n.left);
      out.push(n.item);
      walk(n.right);
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
      const s = Math.max(gs, lo);
      const a = Math.ceil(s / align) * align;
      return a + size <= Math.min(ge, limit) ? a : -1;
    };
    let lastEnd = regionStart;
    let stop = false;
    const rec = (n: TNode<T> | null, prevEnd: number): number => {
      if (n === null) {
        lastEnd = prevEnd;
        return -1;
      }
      if (prevEnd >= limit) {
        stop = true;
        return -1;
      }
      if (n.minBase - prevEnd < size && n.maxGap < size) {
        lastEnd = n.maxEnd;
        return -1;
      }
      const r = rec(n.left, prevEnd);
      if (r >= 0 || stop) return r;
      const a = tryGap(lastEnd, n.item.base);
      if (a >= 0) return a;
      return rec(n.right, n.item.base + n.item.size);
    };
    const r = rec(this.#root, regionStart);
    if (r >= 0) return r;
    if (stop) return -1;
    return tryGap(lastEnd, regionEnd);
  }

  /** Calls `cb(gapStart, gapEnd)` for each free gap inside [regionStart, regionEnd) before `until`; stop by returning true. */
  forEachGap(regionStart: number, regionEnd: number, until: number, cb: (gs: number, ge: number) => boolean): void {
    let prev = regionStart;
    let stopped = false;
    const walk = (n: TNode<T> | null): void => {
      if (n === null || stopped) return;
      walk(n.left);
      if (stopped) return;
      if (prev >= until) {
        stopped = true;
        return;
      }
      if (n.item.base > prev && cb(prev, n.item.base)) {
        stopped = true;
        return;
      }
      prev = n.item.base + n.item.size;
      walk(n.right);
    };
    walk(this.#root);
    if (!stopped && prev < regionEnd && prev < until) cb(prev, regionEnd);
  }
}

function pull<T extends Span>(n: TNode<T>): TNode<T> {
  const end = n.item.base + n.item.size;
  const l = n.left;
  const r = n.right;
  n.minBase = l === null ? n.item.base : l.minBase;
  n.maxEnd = r === null ? end : r.maxEnd;
  let g = 0;
  if (l !== null) g = Math.max(l.maxGap, n.item.base - l.maxEnd);
  if (r !== null) g = Math.max(g, r.maxGap, r.minBase - end);
  n.maxGap = g;
  return n;
}

/** Splits into (bases < key, bases >= key). */
function split<T extends Span>(n: TNode<T> | null, key: number): [TNode<T> | null, TNode<T> | null] {
  if (n === null) return [null, null];
  if (n.item.base < key) {
    const [a, b] = split(n.right, key);
    n.right = a;
    return [pull(n), b];
  }
  const [a, b] = split(n.left, key);
  n.left = b;
  return [a, pull(n)];
}

function merge<T extends Span>(a: TNode<T> | null, b: TNode<T> | null): TNode<T> | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.pri > b.pri) {
    a.right = merge(a.right, b);
    return pull(a);
  }
  b.left = merge(a, b.left);
  return pull(b);
}
