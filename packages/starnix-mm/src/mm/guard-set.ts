/**
 * The guard markers of one address space (MADV_GUARD_INSTALL): page ranges kept as sorted, disjoint, coalesced
 * intervals, so a marker over a huge range costs one entry and a lookup is a binary search. The ranges fork left
 * shared pages in (fork-shared.ts) are kept the same way.
 */
import { PAGE } from '../abi/constants.js';

/** Sorted disjoint [start, end) ranges of guarded pages (page-aligned). */
export class GuardSet {
  private starts: number[] = [];
  private ends: number[] = [];

  /** Number of disjoint ranges. */
  get size(): number {
    return this.starts.length;
  }

  /** The first range ending above `addr` (its index), or size when none. */
  private indexFrom(addr: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether the page holding `addr` carries a guard marker. */
  has(addr: number): boolean {
    if (this.starts.length === 0) return false;
    const i = this.indexFrom(addr);
    return i < this.starts.length && this.starts[i] <= addr;
  }

  /** Whether any page of [start, end) carries a marker. */
  any(start: number, end: number): boolean {
    if (this.starts.length === 0) return false;
    const i = this.indexFrom(start);
    return i < this.starts.length && this.starts[i] < end;
  }

  /** The first guarded address in [start, end), or undefined. */
  firstIn(start: number, end: number): number | undefined {
    if (this.starts.length === 0) return undefined;
    const i = this.indexFrom(start);
    if (i >= this.starts.length || this.starts[i] >= end) return undefined;
    return Math.max(start, this.starts[i]);
  }

  /** Marks [start, end). */
  add(start: number, end: number): void {
    if (end <= start) return;
    // Ranges touching or overlapping [start, end) are absorbed.
    let i = this.indexFrom(start - 1);
    if (i > 0 && this.ends[i - 1] === start) i--;
    let j = i;
    let s = start;
    let e = end;
    while (j < this.starts.length && this.starts[j] <= end) {
      s = Math.min(s, this.starts[j]);
      e = Math.max(e, this.ends[j]);
      j++;
    }
    this.starts.splice(i, j - i, s);
    this.ends.splice(i, j - i, e);
  }

  /** Marks every range of `other`: one merge of the two sorted lists, linear in both. */
  addAll(other: GuardSet): void {
    if (other.starts.length === 0) return;
    const as = this.starts;
    const ae = this.ends;
    const bs = other.starts;
    const be = other.ends;
    const ns: number[] = [];
    const ne: number[] = [];
    let i = 0;
    let j = 0;
    while (i < as.length || j < bs.length) {
      let s: number;
      let e: number;
      if (j >= bs.length || (i < as.length && as[i] <= bs[j])) {
        s = as[i];
        e = ae[i++];
      } else {
        s = bs[j];
        e = be[j++];
      }
      // Touching or overlapping the last range: absorbed into it.
      if (ns.length > 0 && s <= ne[ne.length - 1]) ne[ne.length - 1] = Math.max(ne[ne.length - 1], e);
      else {
        ns.push(s);
        ne.push(e);
      }
    }
    this.starts = ns;
    this.ends = ne;
  }

  /** Unmarks [start, end). */
  remove(start: number, end: number): void {
    if (end <= start || this.starts.length === 0) return;
    const i = this.indexFrom(start);
    const ns: number[] = [];
    const ne: number[] = [];
    let j = i;
    while (j < this.starts.length && this.starts[j] < end) {
      if (this.starts[j] < start) {
        ns.push(this.starts[j]);
        ne.push(start);
      }
      if (this.ends[j] > end) {
        ns.push(end);
        ne.push(this.ends[j]);
      }
      j++;
    }
    if (j === i) return;
    this.starts.splice(i, j - i, ...ns);
    this.ends.splice(i, j - i, ...ne);
  }

  /** The ranges intersecting [start, end), clipped to it. */
  rangesIn(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = this.indexFrom(start); i < this.starts.length && this.starts[i] < end; i++) out.push([Math.max(start, this.starts[i]), Math.min(end, this.ends[i])]);
    return out;
  }

  /** Every range, in order. */
  ranges(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]]);
  }

  /** Guarded pages in total. */
  pages(): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) n += (this.ends[i] - this.starts[i]) / PAGE;
    return n;
  }
}
