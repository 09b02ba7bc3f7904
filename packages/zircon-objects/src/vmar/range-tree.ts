import { GapSearch } from './range-gaps.js';
import { CAP, LOW, MAX_HEIGHT, Pool, S, lastLE, lastLT } from './range-pool.js';

/**
 * Checks a position argument of a public method: a number (±Infinity allowed as an open end). Anything else would be
 * coerced by the comparisons or crash in the middle of a walk (a bigint cannot mix with numbers).
 */
function num(x: unknown, what: string): void {
  if (typeof x !== 'number' || Number.isNaN(x)) throw new TypeError(`RangeTree: ${what} must be a number`);
}

/** A fit request: a non-negative length and a positive finite alignment. */
function fitArgs(len: unknown, align: unknown): void {
  num(len, 'len');
  num(align, 'align');
  if ((len as number) < 0 || !Number.isFinite(len)) throw new RangeError('RangeTree: len must be a non-negative finite number');
  if (!((align as number) > 0) || !Number.isFinite(align)) throw new RangeError('RangeTree: align must be a positive finite number');
}

/**
 * An ordered index of disjoint ranges [start, end), keyed by start, each carrying a value: the children of a VMAR, or
 * the VMAs of a Linux address space. It is a B+tree whose nodes record each subtree's first start, last end and
 * largest free gap, so finding the range at an address, inserting, removing and finding the lowest or highest free
 * gap that fits are all O(log n).
 *
 * The nodes live in a few typed arrays shared by the whole tree rather than in an object each: a lookup reads a
 * handful of cache lines per level instead of chasing pointers, which is what keeps operations on 100k and 1M ranges
 * close to the cost on 1k, and a range costs about 30 bytes of index.
 *
 * Each range may also carry a fence (`fence <= start`): the free gap below a range ends at its fence instead of its
 * start. Linux uses this for the guard gap below a stack that grows down (vm_start_gap).
 *
 * @public
 */
export class RangeTree<T> {
  readonly #L = new Pool<T>(true);
  readonly #I = new Pool<T>(false);
  #root: number;
  /** 0 while the root is a leaf. */
  #height = 0;
  #head: number;
  #tail: number;
  #size = 0;

  // Scratch for descents (no allocation on hot paths).
  readonly #pathNode = new Int32Array(MAX_HEIGHT);
  readonly #pathSlot = new Int32Array(MAX_HEIGHT);
  /**
   * The finger: the leaf the last descent reached (-1: none), whose root path #pathNode/#pathSlot still hold. A
   * system call looks up, changes and checks the neighbours of one range several times over; while the key still
   * belongs in this leaf (checked against the leaf's own keys and its neighbours', so always exact), those calls
   * skip the descent. Any change of the tree's shape (a split, a merge, a dropped node, a new or collapsed root)
   * clears it, since the recorded path may no longer lead there.
   */
  #finger = -1;
  /** The gap searches' state and walks (range-gaps.ts), over this tree's pools. */
  readonly #gaps = new GapSearch<T>(this.#L, this.#I);
  #leaf = 0;
  #slot = 0;

  constructor() {
    this.#root = this.#head = this.#tail = this.#L.alloc();
  }

  /** Number of ranges. */
  get size(): number {
    return this.#size;
  }

  /** Writes the bounds of child `id` (of pool C) into inner slot k (its gap entry is refreshed by GapSearch.clean). */
  #write(k: number, id: number, C: Pool<T>): void {
    const b = id * S;
    const I = this.#I;
    I.start[k] = C.start[b];
    I.end[k] = C.end[b + C.count[id] - 1];
    (I.fence as Float64Array)[k] = C.fence === null ? C.start[b] : C.fence[b];
  }

  /**
   * Refreshes the bounds of child `id` (of pool C) in slot i of inner node p; false when nothing changed (so nothing
   * above can have changed either). Largest gaps are not kept here: the path is marked dirty instead (#descend).
   */
  #sync(p: number, i: number, id: number, C: Pool<T>): boolean {
    const I = this.#I;
    const k = p * S + i;
    const b = id * S;
    const s = C.start[b];
    const e = C.end[b + C.count[id] - 1];
    const f = C.fence === null ? s : C.fence[b];
    const fence = I.fence as Float64Array;
    if (I.start[k] === s && I.end[k] === e && fence[k] === f) return false;
    I.start[k] = s;
    I.end[k] = e;
    fence[k] = f;
    return true;
  }

  /**
   * Walks from the root to the leaf where `start` belongs, recording the path, and marks the path dirty: every
   * caller changes that leaf, so the largest gaps along the path may change.
   */
  #descend(start: number): number {
    const I = this.#I;
    const f = this.#finger;
    if (f >= 0 && this.#holds(f, start, false)) {
      for (let h = this.#height; h > 0; h--) I.dirty[this.#pathNode[h]] = 1;
      this.#L.dirty[f] = 1;
      return f;
    }
    let n = this.#root;
    for (let h = this.#height; h > 0; h--) {
      const i = Math.max(0, lastLE(I.start, n * S, I.count[n], start));
      this.#pathNode[h] = n;
      this.#pathSlot[h] = i;
      I.dirty[n] = 1;
      n = (I.kid as Int32Array)[n * S + i];
    }
    this.#L.dirty[n] = 1;
    this.#finger = n;
    return n;
  }

  /**
   * Whether a descent for `key` (the last start <= key, or < key when strict) would end in leaf `id`: its first start
   * is at or below the key (or it is the first leaf) and the next leaf's first start is above it (or it is the last).
   */
  #holds(id: number, key: number, strict: boolean): boolean {
    const L = this.#L;
    if (L.count[id] === 0) return false;
    const pv = (L.prev as Int32Array)[id];
    const nx = (L.next as Int32Array)[id];
    if (strict) return (pv < 0 || L.start[id * S] < key) && (nx < 0 || L.start[nx * S] >= key);
    return (pv < 0 || L.start[id * S] <= key) && (nx < 0 || L.start[nx * S] > key);
  }

  /** Propagates a change of leaf `id` up the recorded path, stopping where summaries stay the same. */
  #propagate(id: number): void {
    let node = id;
    for (let h = 1; h <= this.#height; h++) {
      const p = this.#pathNode[h];
      if (!this.#sync(p, this.#pathSlot[h], node, h === 1 ? this.#L : this.#I)) return;
      node = p;
    }
  }

  // ---- updates -----------------------------------------------------------------------------------------------------

  /**
   * Adds [start, end) with its value. Throws RangeError if it is empty or overlaps a range already in the tree.
   * `fence` (at most `start`) is where the free gap below this range ends.
   */
  insert(value: T, start: number, end: number, fence: number = start): void {
    num(start, 'start');
    num(end, 'end');
    num(fence, 'fence');
    if (!(start < end) || !(fence <= start)) throw new RangeError(`bad range [${start}, ${end}) fence ${fence}`);
    const L = this.#L;
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = L.count[leaf];
    const j = lastLE(L.start, b, n, start) + 1;
    // Neighbours: the one before is in this leaf (or there is none); the one after may open the next leaf.
    const nx = (L.next as Int32Array)[leaf];
    const prevEnd = j > 0 ? L.end[b + j - 1] : -Infinity;
    const nextStart = j < n ? L.start[b + j] : nx >= 0 ? L.start[nx * S] : Infinity;
    if (prevEnd > start || nextStart < end) throw new RangeError(`[${start}, ${end}) overlaps a range in the tree`);
    if (fence !== start) L.fences();
    L.copy(leaf, j, leaf, j + 1, n - j);
    L.start[b + j] = start;
    L.end[b + j] = end;
    if (L.fence !== null) L.fence[b + j] = fence;
    (L.values as (T | undefined)[])[b + j] = value;
    L.count[leaf] = n + 1;
    this.#size++;
    if (n + 1 > CAP) this.#splitUp(leaf, j);
    else this.#propagate(leaf);
  }

  /** After leaf `id` overflowed at slot j: splits nodes up the recorded path, refreshing summaries. */
  #splitUp(id: number, j: number): void {
    const I = this.#I;
    let node = id;
    let right = this.#split(this.#L, node, j);
    for (let h = 1; h <= this.#height; h++) {
      const C = h === 1 ? this.#L : I;
      const p = this.#pathNode[h];
      const i = this.#pathSlot[h];
      if (right < 0) {
        if (!this.#sync(p, i, node, C)) return;
        node = p;
        continue;
      }
      const n = I.count[p];
      I.copy(p, i + 1, p, i + 2, n - i - 1);
      (I.kid as Int32Array)[p * S + i + 1] = right;
      I.count[p] = n + 1;
      this.#write(p * S + i, node, C);
      this.#write(p * S + i + 1, right, C);
      node = p;
      right = n + 1 > CAP ? this.#split(I, p, i + 1) : -1;
    }
    if (right >= 0) {
      // The root split: a new root above the two halves.
      const C = this.#height === 0 ? this.#L : I;
      const r = I.alloc();
      const kid = I.kid as Int32Array;
      kid[r * S] = node;
      kid[r * S + 1] = right;
      I.count[r] = 2;
      this.#write(r * S, node, C);
      this.#write(r * S + 1, right, C);
      this.#root = r;
      this.#height++;
      this.#finger = -1;
    }
  }

  /**
   * Splits an over-full node of pool P whose slot j was just filled; returns the new right sibling (both halves are
   * dirty: id is on the path, the sibling is new). A node filled at its end keeps all but one entry (and one filled at its start the
   * reverse), so ascending or descending runs of inserts leave full nodes behind instead of half-empty ones.
   */
  #split(P: Pool<T>, id: number, j: number): number {
    this.#finger = -1;
    const n = P.count[id];
    const keep = j === n - 1 ? n - 1 : j === 0 ? 1 : n >>> 1;
    const r = P.alloc();
    P.copy(id, keep, r, 0, n - keep);
    P.count[id] = keep;
    P.count[r] = n - keep;
    if (P.values !== null && P.next !== null && P.prev !== null) {
      for (let i = keep; i < n; i++) P.values[id * S + i] = undefined;
      const nx = P.next[id];
      P.next[r] = nx;
      P.prev[r] = id;
      P.next[id] = r;
      if (nx >= 0) P.prev[nx] = r;
      else this.#tail = r;
    }
    return r;
  }

  /** Removes the range starting exactly at `start`; returns its value, or undefined if there is none. */
  remove(start: number): T | undefined {
    num(start, 'start');
    const L = this.#L;
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = L.count[leaf];
    const j = lastLE(L.start, b, n, start);
    if (j < 0 || L.start[b + j] !== start) return undefined;
    const values = L.values as (T | undefined)[];
    const value = values[b + j];
    L.copy(leaf, j + 1, leaf, j, n - j - 1);
    values[b + n - 1] = undefined;
    L.count[leaf] = n - 1;
    this.#size--;
    this.#shrink(leaf);
    return value;
  }

  /** After a removal from leaf id: drops empty nodes, merges small neighbours, refreshes summaries. */
  #shrink(id: number): void {
    const I = this.#I;
    let node = id;
    for (let h = 1; h <= this.#height; h++) {
      const C = h === 1 ? this.#L : I;
      const kid = I.kid as Int32Array;
      const p = this.#pathNode[h];
      const i = this.#pathSlot[h];
      const pn = I.count[p];
      let structural = false;
      if (C.count[node] === 0) {
        this.#drop(C, node);
        I.copy(p, i + 1, p, i, pn - i - 1);
        I.count[p] = pn - 1;
        structural = true;
      } else if (C.count[node] < LOW && pn > 1) {
        // Merge with a neighbour under the same parent when the two fit in one node.
        const li = i > 0 ? i - 1 : i;
        const left = kid[p * S + li];
        const right = kid[p * S + li + 1];
        if (C.count[left] + C.count[right] <= CAP) {
          C.copy(right, 0, left, C.count[left], C.count[right]);
          C.count[left] += C.count[right];
          C.count[right] = 0;
          this.#drop(C, right);
          C.dirty[left] = 1;
          I.copy(p, li + 2, p, li + 1, pn - li - 2);
          I.count[p] = pn - 1;
          this.#write(p * S + li, left, C);
          structural = true;
        }
      }
      if (!structural && !this.#sync(p, i, node, C)) return;
      node = p;
    }
    // Collapse a root with one child.
    while (this.#height > 0 && I.count[this.#root] === 1) {
      const old = this.#root;
      this.#root = (I.kid as Int32Array)[old * S];
      I.release(old);
      this.#height--;
      this.#finger = -1;
    }
    if (this.#height > 0 && I.count[this.#root] === 0) {
      I.release(this.#root);
      this.#root = this.#head = this.#tail = this.#L.alloc();
      this.#height = 0;
      this.#finger = -1;
    }
  }

  /** Frees a node that has left its parent (unchaining a leaf). */
  #drop(P: Pool<T>, id: number): void {
    this.#finger = -1;
    if (P.next !== null && P.prev !== null) {
      const nx = P.next[id];
      const pv = P.prev[id];
      if (pv >= 0) P.next[pv] = nx;
      else this.#head = nx;
      if (nx >= 0) P.prev[nx] = pv;
      else this.#tail = pv;
    }
    P.release(id);
  }

  /** Changes the end of the range starting at `start` (its neighbours must still not overlap it). */
  setEnd(start: number, end: number): void {
    num(start, 'start');
    num(end, 'end');
    const L = this.#L;
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = L.count[leaf];
    const j = lastLE(L.start, b, n, start);
    if (j < 0 || L.start[b + j] !== start) throw new RangeError(`no range starts at ${start}`);
    const nx = (L.next as Int32Array)[leaf];
    const nextStart = j + 1 < n ? L.start[b + j + 1] : nx >= 0 ? L.start[nx * S] : Infinity;
    if (!(start < end) || nextStart < end) throw new RangeError(`[${start}, ${end}) overlaps a range in the tree`);
    L.end[b + j] = end;
    this.#propagate(leaf);
  }

  // ---- lookups -----------------------------------------------------------------------------------------------------

  /** Positions #leaf/#slot at the last range whose start is <= addr (or < addr when strict); false if none. */
  #seek(addr: number, strict: boolean): boolean {
    let n = this.#finger;
    if (n >= 0 && !this.#holds(n, addr, strict)) {
      // A lookup just across the finger's leaf boundary (a call whose range starts a leaf looks up its predecessor)
      // reads the neighbour leaf without a descent; the finger, which mutations rely on, stays where it was.
      const L = this.#L;
      const pv = (L.prev as Int32Array)[n];
      const nx = (L.next as Int32Array)[n];
      n = pv >= 0 && this.#holds(pv, addr, strict) ? pv : nx >= 0 && this.#holds(nx, addr, strict) ? nx : -1;
    }
    if (n < 0) {
      const I = this.#I;
      n = this.#root;
      for (let h = this.#height; h > 0; h--) {
        const i = strict ? lastLT(I.start, n * S, I.count[n], addr) : lastLE(I.start, n * S, I.count[n], addr);
        if (i < 0) {
          // The path arrays were partly overwritten: they no longer lead to the finger.
          this.#finger = -1;
          return false;
        }
        this.#pathNode[h] = n;
        this.#pathSlot[h] = i;
        n = (I.kid as Int32Array)[n * S + i];
      }
      this.#finger = n;
    }
    const L = this.#L;
    const j = strict ? lastLT(L.start, n * S, L.count[n], addr) : lastLE(L.start, n * S, L.count[n], addr);
    if (j < 0) return false;
    this.#leaf = n;
    this.#slot = j;
    return true;
  }

  /** Moves #leaf/#slot to the following range; false at the end. */
  #step(): boolean {
    if (this.#slot + 1 < this.#L.count[this.#leaf]) {
      this.#slot++;
      return true;
    }
    const nx = (this.#L.next as Int32Array)[this.#leaf];
    if (nx < 0) return false;
    this.#leaf = nx;
    this.#slot = 0;
    return true;
  }

  /** Positions #leaf/#slot at the first range with end > addr; false if none. */
  #seekEndAbove(addr: number): boolean {
    if (!this.#seek(addr, false)) {
      if (this.#size === 0) return false;
      this.#leaf = this.#head;
      this.#slot = 0;
      return true;
    }
    return this.#L.end[this.#leaf * S + this.#slot] > addr || this.#step();
  }

  /** The values array (grown in place, so it never changes identity). */
  get #values(): (T | undefined)[] {
    return this.#L.values as (T | undefined)[];
  }

  #value(): T {
    return this.#values[this.#leaf * S + this.#slot] as T;
  }

  /** The value of the range containing `addr`. */
  at(addr: number): T | undefined {
    num(addr, 'addr');
    if (!this.#seek(addr, false)) return undefined;
    const k = this.#leaf * S + this.#slot;
    return addr < this.#L.end[k] ? this.#values[k] : undefined;
  }

  /** The value of the range with the largest start at or below `addr`. */
  floor(addr: number): T | undefined {
    num(addr, 'addr');
    return this.#seek(addr, false) ? this.#value() : undefined;
  }

  /** The value of the range with the largest start below `addr`. */
  below(addr: number): T | undefined {
    num(addr, 'addr');
    return this.#seek(addr, true) ? this.#value() : undefined;
  }

  /** The value of the first range ending above `addr` (Linux's find_vma). */
  endingAbove(addr: number): T | undefined {
    num(addr, 'addr');
    return this.#seekEndAbove(addr) ? this.#value() : undefined;
  }

  /** The value of the lowest range. */
  first(): T | undefined {
    return this.#size === 0 ? undefined : this.#values[this.#head * S];
  }

  /** The value of the highest range. */
  last(): T | undefined {
    return this.#size === 0 ? undefined : this.#values[this.#tail * S + this.#L.count[this.#tail] - 1];
  }

  /** Whether no range overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    num(start, 'start');
    num(end, 'end');
    return !this.#seek(end, true) || this.#L.end[this.#leaf * S + this.#slot] <= start;
  }

  /** Values of the ranges overlapping [start, end), in address order. */
  overlapping(start: number, end: number): T[] {
    num(start, 'start');
    num(end, 'end');
    const out: T[] = [];
    if (start >= end || !this.#seekEndAbove(start)) return out;
    do {
      const k = this.#leaf * S + this.#slot;
      if (this.#L.start[k] >= end) break;
      out.push(this.#values[k] as T);
    } while (this.#step());
    return out;
  }

  /** Every value in address order. */
  values(): T[] {
    const out: T[] = [];
    const L = this.#L;
    const next = L.next as Int32Array;
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = next[leaf]) {
      const b = leaf * S;
      const n = L.count[leaf];
      for (let i = 0; i < n; i++) out.push(this.#values[b + i] as T);
    }
    return out;
  }

  /** Iterates the values in address order (the tree must not change meanwhile). */
  *[Symbol.iterator](): IterableIterator<T> {
    const L = this.#L;
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = (L.next as Int32Array)[leaf]) {
      for (let i = 0; i < L.count[leaf]; i++) yield this.#values[leaf * S + i] as T;
    }
  }

  /**
   * Calls `cb(gapStart, gapEnd)` for each free gap of [regionStart, regionEnd) in address order, stopping when a
   * gap starts at or after `until` or when `cb` returns true. O(gaps visited).
   */
  forEachGap(regionStart: number, regionEnd: number, until: number, cb: (gapStart: number, gapEnd: number) => boolean): void {
    num(regionStart, 'regionStart');
    num(regionEnd, 'regionEnd');
    num(until, 'until');
    if (typeof cb !== 'function') throw new TypeError('RangeTree: cb must be a function');
    const L = this.#L;
    let prev = regionStart;
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = (L.next as Int32Array)[leaf]) {
      const b = leaf * S;
      for (let i = 0; i < L.count[leaf]; i++) {
        if (prev >= until) return;
        const fence = (L.fence ?? L.start)[b + i];
        if (fence > prev && cb(prev, fence)) return;
        prev = Math.max(prev, L.end[b + i]);
      }
    }
    if (prev < regionEnd && prev < until) cb(prev, regionEnd);
  }

  // ---- gap searches ------------------------------------------------------------------------------------------------

  /** End of the highest range. */
  #lastEnd(): number {
    return this.#L.end[this.#tail * S + this.#L.count[this.#tail] - 1];
  }

  /**
   * The lowest `align`-aligned address `a` with `lo <= a` and `a + len <= hi` such that `[a, a + len)` lies in a
   * free gap of [regionStart, regionEnd); -1 if there is none. Subtrees without a large enough gap are skipped.
   */
  lowestFit(regionStart: number, regionEnd: number, lo: number, hi: number, len: number, align = 1): number {
    num(regionStart, 'regionStart');
    num(regionEnd, 'regionEnd');
    num(lo, 'lo');
    num(hi, 'hi');
    fitArgs(len, align);
    const g = this.#gaps;
    g.set(lo, Math.min(hi, regionEnd), len, align);
    if (this.#size > 0) {
      const a = g.upFrom(this.#root, this.#height, regionStart);
      if (a >= 0 || g.stop) return a;
      return g.tryUp(this.#lastEnd(), regionEnd);
    }
    return g.tryUp(regionStart, regionEnd);
  }

  /** Like lowestFit, but the highest such address (Linux's top-down placement). */
  highestFit(regionStart: number, regionEnd: number, lo: number, hi: number, len: number, align = 1): number {
    num(regionStart, 'regionStart');
    num(regionEnd, 'regionEnd');
    num(lo, 'lo');
    num(hi, 'hi');
    fitArgs(len, align);
    const g = this.#gaps;
    g.set(Math.max(lo, regionStart), Math.min(hi, regionEnd), len, align);
    if (this.#size === 0) return g.tryDown(regionStart, regionEnd);
    const a = g.tryDown(this.#lastEnd(), regionEnd);
    if (a >= 0) return a;
    return g.downFrom(this.#root, this.#height, regionStart);
  }
}
