import { type Pool, S } from './range-pool.js';

// RangeTree's gap searches (lowestFit, highestFit) and the lazy refresh of the largest-gap summaries they read.
// Internal to the package (not exported from the package's index); range-tree.ts holds the tree itself.

/** The state of one gap search and its walks over a tree's leaf and inner pools (one per tree, reused). */
export class GapSearch<T> {
  /** The lowest address a fit may start at. */
  lo = 0;
  /** Where a fit must end by. */
  hi = 0;
  len = 0;
  align = 1;
  /** Set when no fit can follow (the walk stops). */
  stop = false;

  constructor(
    private readonly L: Pool<T>,
    private readonly I: Pool<T>,
  ) {}

  /** Starts a search for `len` bytes at `align` inside [lo, hi). */
  set(lo: number, hi: number, len: number, align: number): void {
    this.lo = lo;
    this.hi = hi;
    this.len = len;
    this.align = align;
    this.stop = false;
  }

  /** Refreshes the largest gaps of node id (at height h) and of its dirty descendants. */
  clean(id: number, h: number): void {
    const P = h === 0 ? this.L : this.I;
    if (P.dirty[id] === 0) return;
    if (h === 0) P.mg[id] = P.innerGap(id);
    else {
      // One pass: refresh each child's entry and take the largest of those and of the gaps between children.
      const C = h === 1 ? this.L : this.I;
      const b = id * S;
      const n = P.count[id];
      const kid = P.kid as Int32Array;
      const gap = P.gap as Float64Array;
      const fence = P.fence as Float64Array;
      const end = P.end;
      let best = 0;
      for (let i = 0; i < n; i++) {
        const c = kid[b + i];
        if (C.dirty[c] !== 0) this.clean(c, h - 1);
        const g = C.mg[c];
        gap[b + i] = g;
        if (g > best) best = g;
        if (i > 0) {
          const d = fence[b + i] - end[b + i - 1];
          if (d > best) best = d;
        }
      }
      P.mg[id] = best;
    }
    P.dirty[id] = 0;
  }

  /**
   * Whether the child in slot k of inner node P (at height h) may hold a gap of the searched length: its gap entry
   * says so, or the child is dirty (changed since its summary was last refreshed), so the search looks inside
   * instead of refreshing first. Most searches end in the subtree that just changed (the top-down mmap lands next
   * to the previous one), so they never pay for a refresh.
   */
  #mayFit(P: Pool<T>, k: number, h: number): boolean {
    const C = h === 1 ? this.L : this.I;
    return C.dirty[(P.kid as Int32Array)[k]] !== 0 || (P.gap as Float64Array)[k] >= this.len;
  }

  /** After a search found nothing in the child in slot k of P: refreshes a dirty child, so the next search skips it. */
  #settle(P: Pool<T>, k: number, h: number): void {
    const c = (P.kid as Int32Array)[k];
    const C = h === 1 ? this.L : this.I;
    if (C.dirty[c] === 0) return;
    this.clean(c, h - 1);
    (P.gap as Float64Array)[k] = C.mg[c];
  }

  tryUp(gapStart: number, gapEnd: number): number {
    const a = Math.ceil(Math.max(gapStart, this.lo) / this.align) * this.align;
    return a + this.len <= Math.min(gapEnd, this.hi) ? a : -1;
  }

  tryDown(gapStart: number, gapEnd: number): number {
    const a = Math.floor((Math.min(gapEnd, this.hi) - this.len) / this.align) * this.align;
    return a >= Math.max(gapStart, this.lo) ? a : -1;
  }

  /** Lowest fit in node id (at height h) whose first range follows a range ending at prevEnd. */
  upFrom(id: number, h: number, prevEnd: number): number {
    const P = h === 0 ? this.L : this.I;
    const b = id * S;
    const n = P.count[id];
    const fence = P.fence ?? P.start;
    let pe = prevEnd;
    for (let i = 0; i < n; i++) {
      if (pe + this.len > this.hi) {
        this.stop = true;
        return -1;
      }
      // The gap before slot i, then (inner nodes) the gaps inside the child.
      const a = this.tryUp(pe, fence[b + i]);
      if (a >= 0) return a;
      if (h > 0 && this.#mayFit(P, b + i, h) && P.end[b + i] - this.len >= this.lo) {
        const r = this.upFrom((P.kid as Int32Array)[b + i], h - 1, pe);
        if (r >= 0 || this.stop) return r;
        this.#settle(P, b + i, h);
      }
      pe = Math.max(pe, P.end[b + i]);
    }
    return -1;
  }

  /** Highest fit in node id (at height h) whose first range follows a range ending at prevEnd. */
  downFrom(id: number, h: number, prevEnd: number): number {
    const P = h === 0 ? this.L : this.I;
    const b = id * S;
    const fence = P.fence ?? P.start;
    for (let i = P.count[id] - 1; i >= 0; i--) {
      const pe = i > 0 ? P.end[b + i - 1] : prevEnd;
      if (h > 0 && this.#mayFit(P, b + i, h) && P.start[b + i] + this.len <= this.hi) {
        const r = this.downFrom((P.kid as Int32Array)[b + i], h - 1, pe);
        if (r >= 0 || this.stop) return r;
        this.#settle(P, b + i, h);
      }
      const a = this.tryDown(pe, fence[b + i]);
      if (a >= 0) return a;
      // Every gap further down ends below pe.
      if (pe - this.len < this.lo) {
        this.stop = true;
        return -1;
      }
    }
    return -1;
  }
}
