/** Most entries a node keeps; one more fits for the moment before it splits. */
const CAP = 64;
/** Slots per node in the pooled arrays. */
const S = CAP + 1;
/** A node this small merges with a neighbour when both fit in one. */
const LOW = CAP >>> 2;
/** Deeper than any tree of 2^53 entries with this fan-out can get. */
const MAX_HEIGHT = 40;

/**
 * Index of the last a[b + i] <= key for i < n, or -1. A linear scan, not a binary search: a node's keys span eight
 * cache lines, and a scan reads them in order (the prefetcher fetches ahead) where a binary search would wait on
 * four misses one after another.
 */
function lastLE(a: Float64Array, b: number, n: number, key: number): number {
  let i = 0;
  while (i < n && a[b + i] <= key) i++;
  return i - 1;
}

/** Index of the last a[b + i] < key for i < n, or -1 (a scan, as lastLE). */
function lastLT(a: Float64Array, b: number, n: number, key: number): number {
  let i = 0;
  while (i < n && a[b + i] < key) i++;
  return i - 1;
}

/**
 * An ordered index of disjoint ranges [start, end), keyed by start, each carrying a value: the children of a VMAR, or
 * the VMAs of a Linux address space. It is a B+tree whose nodes record each subtree's first start, last end and
 * largest free gap, so finding the range at an address, inserting, removing and finding the lowest or highest free
 * gap that fits are all O(log n).
 *
 * The nodes live in a few typed arrays shared by the whole tree rather than in an object each: a lookup reads a
 * handful of cache lines per level instead of chasing pointers, which is what keeps operations on 100k and 1M ranges
 * close to the cost on 1k.
 *
 * Each range may also carry a fence (`fence <= start`): the free gap below a range ends at its fence instead of its
 * start. Linux uses this for the guard gap below a stack that grows down (vm_start_gap).
 *
 * @public
 */
export class RangeTree<T> {
  // Per slot (node * S + i). Leaf slot: one range. Inner slot: one child, summarised.
  /** Leaf: start. Inner: the child's first start (what descents search). */
  #start: Float64Array;
  /** Leaf: end. Inner: the child's last end. */
  #end: Float64Array;
  /** Leaf: fence. Inner: the child's first fence. */
  #fence: Float64Array;
  /** Inner: the largest gap between neighbouring ranges inside the child. */
  #gap: Float64Array;
  /** Inner: the child's node id. */
  #kid: Int32Array;
  /** Leaf: the values. Inner slots stay undefined. */
  #values: (T | undefined)[];
  // Per node.
  #count: Int32Array;
  /** Leaves are chained in address order (-1 ends the chain), so walks never climb back up. */
  #next: Int32Array;
  #prev: Int32Array;
  #freeNodes: number[] = [];
  #nodes = 0;

  #root: number;
  /** 0 while the root is a leaf. */
  #height = 0;
  #head: number;
  #tail: number;
  #size = 0;

  // Scratch for descents (no allocation on hot paths).
  readonly #pathNode = new Int32Array(MAX_HEIGHT);
  readonly #pathSlot = new Int32Array(MAX_HEIGHT);
  #leaf = 0;
  #slot = 0;
  // Gap searches.
  #lo = 0;
  #hi = 0;
  #len = 0;
  #align = 1;
  #stop = false;

  constructor() {
    this.#start = new Float64Array(S);
    this.#end = new Float64Array(S);
    this.#fence = new Float64Array(S);
    this.#gap = new Float64Array(0);
    this.#kid = new Int32Array(0);
    this.#values = new Array<T | undefined>(S).fill(undefined);
    this.#count = new Int32Array(1);
    this.#next = new Int32Array(1);
    this.#prev = new Int32Array(1);
    this.#root = this.#head = this.#tail = this.#alloc();
  }

  /** Number of ranges. */
  get size(): number {
    return this.#size;
  }

  // ---- node storage ------------------------------------------------------------------------------------------------

  #alloc(): number {
    const reuse = this.#freeNodes.pop();
    const id = reuse ?? this.#nodes++;
    if (id >= this.#count.length) this.#grow();
    this.#count[id] = 0;
    this.#next[id] = -1;
    this.#prev[id] = -1;
    return id;
  }

  #release(id: number): void {
    const b = id * S;
    for (let i = 0; i < S; i++) this.#values[b + i] = undefined;
    this.#count[id] = 0;
    this.#freeNodes.push(id);
  }

  #grow(): void {
    const nodes = this.#count.length * 2;
    const f64 = (old: Float64Array): Float64Array => {
      const a = new Float64Array(nodes * S);
      a.set(old);
      return a;
    };
    const i32 = (old: Int32Array, n: number): Int32Array => {
      const a = new Int32Array(n);
      a.set(old);
      return a;
    };
    this.#start = f64(this.#start);
    this.#end = f64(this.#end);
    this.#fence = f64(this.#fence);
    this.#gap = f64(this.#gap);
    this.#kid = i32(this.#kid, nodes * S);
    for (let i = this.#values.length; i < nodes * S; i++) this.#values.push(undefined);
    this.#count = i32(this.#count, nodes);
    this.#next = i32(this.#next, nodes);
    this.#prev = i32(this.#prev, nodes);
  }

  /** Moves n slots of a node, within it or to another node of the same level. */
  #copy(src: number, from: number, dst: number, to: number, n: number, leaf: boolean): void {
    const s = src * S + from;
    const d = dst * S + to;
    if (n <= 0) return;
    this.#start.copyWithin(d, s, s + n);
    this.#end.copyWithin(d, s, s + n);
    this.#fence.copyWithin(d, s, s + n);
    if (leaf) {
      const v = this.#values;
      if (d < s) for (let i = 0; i < n; i++) v[d + i] = v[s + i];
      else for (let i = n - 1; i >= 0; i--) v[d + i] = v[s + i];
    } else {
      this.#gap.copyWithin(d, s, s + n);
      this.#kid.copyWithin(d, s, s + n);
    }
  }

  /** Largest gap between neighbouring ranges inside node id's subtree. */
  #innerGap(id: number, leaf: boolean): number {
    const b = id * S;
    const n = this.#count[id];
    const start = this.#fence;
    const end = this.#end;
    let g = 0;
    if (!leaf) {
      const gaps = this.#gap;
      for (let i = 0; i < n; i++) if (gaps[b + i] > g) g = gaps[b + i];
    }
    for (let i = 1; i < n; i++) {
      const d = start[b + i] - end[b + i - 1];
      if (d > g) g = d;
    }
    return g;
  }

  /** Refreshes the summary of child `id` held in parent slot p; false when nothing changed. */
  #sync(p: number, id: number, leaf: boolean): boolean {
    const b = id * S;
    const n = this.#count[id];
    const s = this.#start[b];
    const e = this.#end[b + n - 1];
    const f = this.#fence[b];
    const g = this.#innerGap(id, leaf);
    if (this.#start[p] === s && this.#end[p] === e && this.#fence[p] === f && this.#gap[p] === g) return false;
    this.#start[p] = s;
    this.#end[p] = e;
    this.#fence[p] = f;
    this.#gap[p] = g;
    return true;
  }

  /** Walks from the root to the leaf where `start` belongs, recording the path. */
  #descend(start: number): number {
    let n = this.#root;
    for (let h = this.#height; h > 0; h--) {
      const i = Math.max(0, lastLE(this.#start, n * S, this.#count[n], start));
      this.#pathNode[h] = n;
      this.#pathSlot[h] = i;
      n = this.#kid[n * S + i];
    }
    return n;
  }

  // ---- updates -----------------------------------------------------------------------------------------------------

  /**
   * Adds [start, end) with its value. Throws RangeError if it is empty or overlaps a range already in the tree.
   * `fence` (at most `start`) is where the free gap below this range ends.
   */
  insert(value: T, start: number, end: number, fence: number = start): void {
    if (!(start < end) || !(fence <= start)) throw new RangeError(`bad range [${start}, ${end}) fence ${fence}`);
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = this.#count[leaf];
    const j = lastLE(this.#start, b, n, start) + 1;
    // Neighbours: the one before is in this leaf (or there is none); the one after may open the next leaf.
    const prevEnd = j > 0 ? this.#end[b + j - 1] : -Infinity;
    const nextStart = j < n ? this.#start[b + j] : this.#next[leaf] >= 0 ? this.#start[this.#next[leaf] * S] : Infinity;
    if (prevEnd > start || nextStart < end) throw new RangeError(`[${start}, ${end}) overlaps a range in the tree`);
    this.#copy(leaf, j, leaf, j + 1, n - j, true);
    this.#start[b + j] = start;
    this.#end[b + j] = end;
    this.#fence[b + j] = fence;
    this.#values[b + j] = value;
    this.#count[leaf] = n + 1;
    this.#size++;
    this.#fixUp(leaf, j);
  }

  /** After an insert at slot j of node id (at height 0): splits full nodes and refreshes summaries up to the root. */
  #fixUp(id: number, j: number): void {
    let node = id;
    let right = this.#count[node] > CAP ? this.#split(node, j, 0) : -1;
    for (let h = 1; h <= this.#height; h++) {
      const p = this.#pathNode[h];
      const i = this.#pathSlot[h];
      const changed = this.#sync(p * S + i, node, h === 1);
      if (right < 0) {
        if (!changed) return;
        node = p;
        continue;
      }
      const n = this.#count[p];
      this.#copy(p, i + 1, p, i + 2, n - i - 1, false);
      this.#kid[p * S + i + 1] = right;
      this.#sync(p * S + i + 1, right, h === 1);
      this.#count[p] = n + 1;
      node = p;
      right = n + 1 > CAP ? this.#split(p, i + 1, h) : -1;
    }
    if (right >= 0) {
      // The root split: a new root above the two halves.
      const r = this.#alloc();
      this.#kid[r * S] = node;
      this.#kid[r * S + 1] = right;
      this.#count[r] = 2;
      this.#sync(r * S, node, this.#height === 0);
      this.#sync(r * S + 1, right, this.#height === 0);
      this.#root = r;
      this.#height++;
    }
  }

  /**
   * Splits an over-full node (at height h) whose slot j was just filled; returns the new right sibling. A node filled
   * at its end keeps all but one entry (and one filled at its start the reverse), so ascending or descending runs of
   * inserts leave full nodes behind instead of half-empty ones.
   */
  #split(id: number, j: number, h: number): number {
    const n = this.#count[id];
    const keep = j === n - 1 ? n - 1 : j === 0 ? 1 : n >>> 1;
    const r = this.#alloc();
    const leaf = h === 0;
    this.#copy(id, keep, r, 0, n - keep, leaf);
    if (leaf) for (let i = keep; i < n; i++) this.#values[id * S + i] = undefined;
    this.#count[id] = keep;
    this.#count[r] = n - keep;
    if (leaf) {
      const nx = this.#next[id];
      this.#next[r] = nx;
      this.#prev[r] = id;
      this.#next[id] = r;
      if (nx >= 0) this.#prev[nx] = r;
      else this.#tail = r;
    }
    return r;
  }

  /** Removes the range starting exactly at `start`; returns its value, or undefined if there is none. */
  remove(start: number): T | undefined {
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = this.#count[leaf];
    const j = lastLE(this.#start, b, n, start);
    if (j < 0 || this.#start[b + j] !== start) return undefined;
    const value = this.#values[b + j];
    this.#copy(leaf, j + 1, leaf, j, n - j - 1, true);
    this.#values[b + n - 1] = undefined;
    this.#count[leaf] = n - 1;
    this.#size--;
    this.#shrink(leaf);
    return value;
  }

  /** After a removal from leaf id: drops empty nodes, merges small neighbours, refreshes summaries. */
  #shrink(id: number): void {
    let node = id;
    for (let h = 1; h <= this.#height; h++) {
      const p = this.#pathNode[h];
      let i = this.#pathSlot[h];
      const leaf = h === 1;
      const pn = this.#count[p];
      let structural = false;
      if (this.#count[node] === 0) {
        this.#drop(node, leaf);
        this.#copy(p, i + 1, p, i, pn - i - 1, false);
        this.#count[p] = pn - 1;
        structural = true;
      } else if (this.#count[node] < LOW && pn > 1) {
        // Merge with a neighbour under the same parent when the two fit in one node.
        const li = i > 0 ? i - 1 : i;
        const left = this.#kid[p * S + li];
        const right = this.#kid[p * S + li + 1];
        if (this.#count[left] + this.#count[right] <= CAP) {
          this.#copy(right, 0, left, this.#count[left], this.#count[right], leaf);
          this.#count[left] += this.#count[right];
          this.#count[right] = 0;
          this.#drop(right, leaf);
          this.#copy(p, li + 2, p, li + 1, pn - li - 2, false);
          this.#count[p] = pn - 1;
          this.#sync(p * S + li, left, leaf);
          i = li;
          structural = true;
        }
      }
      if (!structural && !this.#sync(p * S + i, node, leaf)) return;
      node = p;
    }
    // Collapse a root with one child.
    while (this.#height > 0 && this.#count[this.#root] === 1) {
      const old = this.#root;
      this.#root = this.#kid[old * S];
      this.#release(old);
      this.#height--;
    }
    if (this.#height > 0 && this.#count[this.#root] === 0) {
      this.#release(this.#root);
      this.#root = this.#head = this.#tail = this.#alloc();
      this.#height = 0;
    }
  }

  /** Frees a node that has left its parent (unchaining a leaf). */
  #drop(id: number, leaf: boolean): void {
    if (leaf) {
      const nx = this.#next[id];
      const pv = this.#prev[id];
      if (pv >= 0) this.#next[pv] = nx;
      else this.#head = nx;
      if (nx >= 0) this.#prev[nx] = pv;
      else this.#tail = pv;
    }
    this.#release(id);
  }

  /** Changes the end of the range starting at `start` (its neighbours must still not overlap it). */
  setEnd(start: number, end: number): void {
    const leaf = this.#descend(start);
    const b = leaf * S;
    const n = this.#count[leaf];
    const j = lastLE(this.#start, b, n, start);
    if (j < 0 || this.#start[b + j] !== start) throw new RangeError(`no range starts at ${start}`);
    const nextStart = j + 1 < n ? this.#start[b + j + 1] : this.#next[leaf] >= 0 ? this.#start[this.#next[leaf] * S] : Infinity;
    if (!(start < end) || nextStart < end) throw new RangeError(`[${start}, ${end}) overlaps a range in the tree`);
    this.#end[b + j] = end;
    let node = leaf;
    for (let h = 1; h <= this.#height; h++) {
      const p = this.#pathNode[h];
      if (!this.#sync(p * S + this.#pathSlot[h], node, h === 1)) return;
      node = p;
    }
  }

  // ---- lookups -----------------------------------------------------------------------------------------------------

  /** Positions #leaf/#slot at the last range whose start is <= addr (or < addr when strict); false if none. */
  #seek(addr: number, strict: boolean): boolean {
    const starts = this.#start;
    let n = this.#root;
    for (let h = this.#height; h > 0; h--) {
      const i = strict ? lastLT(starts, n * S, this.#count[n], addr) : lastLE(starts, n * S, this.#count[n], addr);
      if (i < 0) return false;
      n = this.#kid[n * S + i];
    }
    const j = strict ? lastLT(starts, n * S, this.#count[n], addr) : lastLE(starts, n * S, this.#count[n], addr);
    if (j < 0) return false;
    this.#leaf = n;
    this.#slot = j;
    return true;
  }

  /** Moves #leaf/#slot to the following range; false at the end. */
  #step(): boolean {
    if (this.#slot + 1 < this.#count[this.#leaf]) {
      this.#slot++;
      return true;
    }
    const nx = this.#next[this.#leaf];
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
    return this.#end[this.#leaf * S + this.#slot] > addr || this.#step();
  }

  #value(): T {
    return this.#values[this.#leaf * S + this.#slot] as T;
  }

  /** The value of the range containing `addr`. */
  at(addr: number): T | undefined {
    if (!this.#seek(addr, false)) return undefined;
    const k = this.#leaf * S + this.#slot;
    return addr < this.#end[k] ? this.#values[k] : undefined;
  }

  /** The value of the range with the largest start at or below `addr`. */
  floor(addr: number): T | undefined {
    return this.#seek(addr, false) ? this.#value() : undefined;
  }

  /** The value of the range with the largest start below `addr`. */
  below(addr: number): T | undefined {
    return this.#seek(addr, true) ? this.#value() : undefined;
  }

  /** The value of the first range ending above `addr` (Linux's find_vma). */
  endingAbove(addr: number): T | undefined {
    return this.#seekEndAbove(addr) ? this.#value() : undefined;
  }

  /** The value of the lowest range. */
  first(): T | undefined {
    return this.#size === 0 ? undefined : this.#values[this.#head * S];
  }

  /** The value of the highest range. */
  last(): T | undefined {
    return this.#size === 0 ? undefined : this.#values[this.#tail * S + this.#count[this.#tail] - 1];
  }

  /** Whether no range overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    return !this.#seek(end, true) || this.#end[this.#leaf * S + this.#slot] <= start;
  }

  /** Values of the ranges overlapping [start, end), in address order. */
  overlapping(start: number, end: number): T[] {
    const out: T[] = [];
    if (start >= end || !this.#seekEndAbove(start)) return out;
    do {
      const k = this.#leaf * S + this.#slot;
      if (this.#start[k] >= end) break;
      out.push(this.#values[k] as T);
    } while (this.#step());
    return out;
  }

  /**
   * Calls `fn(value, start, end)` for each range overlapping [start, end), in address order, until it returns true.
   * The bounds come from the tree's own arrays, so callers need not read them off the values (a cache miss each).
   */
  forEachOverlapping(start: number, end: number, fn: (value: T, start: number, end: number) => boolean | void): void {
    if (start >= end || !this.#seekEndAbove(start)) return;
    do {
      const k = this.#leaf * S + this.#slot;
      const s = this.#start[k];
      if (s >= end) return;
      // Save the position: fn may search this tree again.
      const leaf = this.#leaf;
      const slot = this.#slot;
      if (fn(this.#values[k] as T, s, this.#end[k]) === true) return;
      this.#leaf = leaf;
      this.#slot = slot;
    } while (this.#step());
  }

  /** Every value in address order. */
  values(): T[] {
    const out: T[] = [];
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = this.#next[leaf]) {
      const b = leaf * S;
      const n = this.#count[leaf];
      for (let i = 0; i < n; i++) out.push(this.#values[b + i] as T);
    }
    return out;
  }

  /** Iterates the values in address order (the tree must not change meanwhile). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = this.#next[leaf]) {
      for (let i = 0; i < this.#count[leaf]; i++) yield this.#values[leaf * S + i] as T;
    }
  }

  /**
   * Calls `cb(gapStart, gapEnd)` for each free gap of [regionStart, regionEnd) in address order, stopping when a
   * gap starts at or after `until` or when `cb` returns true. O(gaps visited).
   */
  forEachGap(regionStart: number, regionEnd: number, until: number, cb: (gapStart: number, gapEnd: number) => boolean): void {
    let prev = regionStart;
    for (let leaf = this.#size === 0 ? -1 : this.#head; leaf >= 0; leaf = this.#next[leaf]) {
      const b = leaf * S;
      for (let i = 0; i < this.#count[leaf]; i++) {
        if (prev >= until) return;
        const fence = this.#fence[b + i];
        if (fence > prev && cb(prev, fence)) return;
        prev = Math.max(prev, this.#end[b + i]);
      }
    }
    if (prev < regionEnd && prev < until) cb(prev, regionEnd);
  }

  // ---- gap searches ------------------------------------------------------------------------------------------------

  /**
   * The lowest `align`-aligned address `a` with `lo <= a` and `a + len <= hi` such that `[a, a + len)` lies in a
   * free gap of [regionStart, regionEnd); -1 if there is none. Subtrees without a large enough gap are skipped.
   */
  lowestFit(regionStart: number, regionEnd: number, lo: number, hi: number, len: number, align = 1): number {
    this.#lo = lo;
    this.#hi = Math.min(hi, regionEnd);
    this.#len = len;
    this.#align = align;
    this.#stop = false;
    if (this.#size > 0) {
      const a = this.#upFrom(this.#root, this.#height, regionStart);
      if (a >= 0 || this.#stop) return a;
      return this.#tryUp(this.#end[this.#tail * S + this.#count[this.#tail] - 1], regionEnd);
    }
    return this.#tryUp(regionStart, regionEnd);
  }

  /** Like lowestFit, but the highest such address (Linux's top-down placement). */
  highestFit(regionStart: number, regionEnd: number, lo: number, hi: number, len: number, align = 1): number {
    this.#lo = Math.max(lo, regionStart);
    this.#hi = Math.min(hi, regionEnd);
    this.#len = len;
    this.#align = align;
    this.#stop = false;
    if (this.#size === 0) return this.#tryDown(regionStart, regionEnd);
    const a = this.#tryDown(this.#end[this.#tail * S + this.#count[this.#tail] - 1], regionEnd);
    if (a >= 0) return a;
    return this.#downFrom(this.#root, this.#height, regionStart);
  }

  #tryUp(gapStart: number, gapEnd: number): number {
    const a = Math.ceil(Math.max(gapStart, this.#lo) / this.#align) * this.#align;
    return a + this.#len <= Math.min(gapEnd, this.#hi) ? a : -1;
  }

  #tryDown(gapStart: number, gapEnd: number): number {
    const a = Math.floor((Math.min(gapEnd, this.#hi) - this.#len) / this.#align) * this.#align;
    return a >= Math.max(gapStart, this.#lo) ? a : -1;
  }

  /** Lowest fit in node id (at height h) whose first range follows a range ending at prevEnd. */
  #upFrom(id: number, h: number, prevEnd: number): number {
    const b = id * S;
    const n = this.#count[id];
    let pe = prevEnd;
    for (let i = 0; i < n; i++) {
      if (pe + this.#len > this.#hi) {
        this.#stop = true;
        return -1;
      }
      // The gap before slot i, then (inner nodes) the gaps inside the child.
      const a = this.#tryUp(pe, this.#fence[b + i]);
      if (a >= 0) return a;
      if (h > 0 && this.#gap[b + i] >= this.#len && this.#end[b + i] - this.#len >= this.#lo) {
        const r = this.#upFrom(this.#kid[b + i], h - 1, pe);
        if (r >= 0 || this.#stop) return r;
      }
      pe = Math.max(pe, this.#end[b + i]);
    }
    return -1;
  }

  /** Highest fit in node id (at height h) whose first range follows a range ending at prevEnd. */
  #downFrom(id: number, h: number, prevEnd: number): number {
    const b = id * S;
    for (let i = this.#count[id] - 1; i >= 0; i--) {
      const pe = i > 0 ? this.#end[b + i - 1] : prevEnd;
      if (h > 0 && this.#gap[b + i] >= this.#len && this.#start[b + i] + this.#len <= this.#hi) {
        const r = this.#downFrom(this.#kid[b + i], h - 1, pe);
        if (r >= 0 || this.#stop) return r;
      }
      const a = this.#tryDown(pe, this.#fence[b + i]);
      if (a >= 0) return a;
      // Every gap further down ends below pe.
      if (pe - this.#len < this.#lo) {
        this.#stop = true;
        return -1;
      }
    }
    return -1;
  }
}
