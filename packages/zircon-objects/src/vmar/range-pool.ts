// The storage behind RangeTree: its node pool and the in-node searches. Internal to the package (not exported from
// the package's index); range-tree.ts holds the tree's algorithms.

/** Most entries a node keeps; one more fits for the moment before it splits. */
export const CAP = 64;
/** Slots per node in the pooled arrays. */
export const S = CAP + 1;
/** A node this small merges with a neighbour when both fit in one. */
export const LOW = CAP >>> 2;
/** Deeper than any tree of 2^53 entries with this fan-out can get. */
export const MAX_HEIGHT = 40;


/**
 * Index of the last a[b + i] <= key for i < n, or -1. Every eighth key first, then within the block of eight: at
 * most sixteen comparisons, and the keys are read in address order, so a node that is not in cache streams in
 * instead of costing a miss per probe as a binary search would.
 */
export function lastLE(a: Float64Array, b: number, n: number, key: number): number {
  let i = b + 7;
  const end = b + n;
  while (i < end && a[i] <= key) i += 8;
  let j = i - 7;
  const stop = i < end ? i : end;
  while (j < stop && a[j] <= key) j++;
  return j - 1 - b;
}

/** Index of the last a[b + i] < key for i < n, or -1 (searched as lastLE). */
export function lastLT(a: Float64Array, b: number, n: number, key: number): number {
  let i = b + 7;
  const end = b + n;
  while (i < end && a[i] < key) i += 8;
  let j = i - 7;
  const stop = i < end ? i : end;
  while (j < stop && a[j] < key) j++;
  return j - 1 - b;
}

/**
 * The nodes of one kind (leaves, or inner nodes) in arrays shared by all of them: node `id` owns slots
 * [id * S, id * S + S). Arrays only one kind needs are null in the other, and a leaf pool keeps no fences until some
 * range has one below its start.
 */
export class Pool<T> {
  /** Leaf: the range's start. Inner: the child's first start (what descents search). */
  start: Float64Array;
  /** Leaf: the range's end. Inner: the child's last end. */
  end: Float64Array;
  /** Leaf: the range's fence (null while every fence is its start). Inner: the child's first fence. */
  fence: Float64Array | null;
  /** Inner: the largest gap between neighbouring ranges inside the child. */
  gap: Float64Array | null;
  /** Inner: the child's node id (a leaf id at height 1). */
  kid: Int32Array | null;
  /** Leaf: the values. */
  values: (T | undefined)[] | null;
  /** Per node: entries in use. */
  count: Int32Array;
  /**
   * Per node: the largest gap between neighbouring ranges in its subtree. Refreshed lazily, by a gap search that finds
   * no fit in a changed subtree (see dirty), since most changes are never followed by one (a VMAR whose maps are
   * all SPECIFIC) and most searches end in the subtree that just changed (range-gaps.ts).
   */
  mg: Float64Array;
  /**
   * Per node: 1 when mg (and, for an inner node, the gap entries of its slots) may be stale. A dirty node's
   * ancestors are dirty too, so a search that meets a clean node may trust its summary and its children's.
   */
  dirty: Uint8Array;
  /** Leaves are chained in address order (-1 ends the chain), so walks never climb back up. */
  next: Int32Array | null;
  prev: Int32Array | null;
  readonly free: number[] = [];
  used = 0;

  constructor(readonly leaf: boolean) {
    const nodes = leaf ? 1 : 0;
    this.start = new Float64Array(nodes * S);
    this.end = new Float64Array(nodes * S);
    this.fence = leaf ? null : new Float64Array(0);
    this.gap = leaf ? null : new Float64Array(0);
    this.kid = leaf ? null : new Int32Array(0);
    this.values = leaf ? new Array<T | undefined>(S).fill(undefined) : null;
    this.count = new Int32Array(nodes);
    this.mg = new Float64Array(nodes);
    this.dirty = new Uint8Array(nodes);
    this.next = leaf ? new Int32Array(nodes) : null;
    this.prev = leaf ? new Int32Array(nodes) : null;
  }

  alloc(): number {
    const id = this.free.pop() ?? this.used++;
    if (id >= this.count.length) this.#grow();
    this.count[id] = 0;
    this.mg[id] = 0;
    this.dirty[id] = 1;
    if (this.next !== null && this.prev !== null) {
      this.next[id] = -1;
      this.prev[id] = -1;
    }
    return id;
  }

  release(id: number): void {
    if (this.values !== null) for (let i = id * S; i < id * S + S; i++) this.values[i] = undefined;
    this.count[id] = 0;
    this.free.push(id);
  }

  /** Grows by half (not doubling): the spare capacity is memory every range pays for. */
  #grow(): void {
    const nodes = Math.max(2, Math.ceil(this.count.length * 1.5));
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
    this.start = f64(this.start);
    this.end = f64(this.end);
    if (this.fence !== null) this.fence = f64(this.fence);
    if (this.gap !== null) this.gap = f64(this.gap);
    if (this.kid !== null) this.kid = i32(this.kid, nodes * S);
    if (this.values !== null) for (let i = this.values.length; i < nodes * S; i++) this.values.push(undefined);
    this.count = i32(this.count, nodes);
    const mg = new Float64Array(nodes);
    mg.set(this.mg);
    this.mg = mg;
    const dirty = new Uint8Array(nodes);
    dirty.set(this.dirty);
    this.dirty = dirty;
    if (this.next !== null) this.next = i32(this.next, nodes);
    if (this.prev !== null) this.prev = i32(this.prev, nodes);
  }

  /** Gives a leaf pool its fence array (each fence so far equals its start). */
  fences(): Float64Array {
    this.fence ??= this.start.slice();
    return this.fence;
  }

  /** Moves n slots of a node, within it or to another node of this pool. */
  copy(src: number, from: number, dst: number, to: number, n: number): void {
    if (n <= 0) return;
    const s = src * S + from;
    const d = dst * S + to;
    if (n <= 8) {
      // A few slots (an insert or removal near a node's end, the usual case): element by element, since each
      // copyWithin call costs more than moving a few numbers.
      this.#copyFew(s, d, n);
      return;
    }
    this.start.copyWithin(d, s, s + n);
    this.end.copyWithin(d, s, s + n);
    this.fence?.copyWithin(d, s, s + n);
    this.gap?.copyWithin(d, s, s + n);
    this.kid?.copyWithin(d, s, s + n);
    const v = this.values;
    if (v === null) return;
    if (d < s) for (let i = 0; i < n; i++) v[d + i] = v[s + i];
    else for (let i = n - 1; i >= 0; i--) v[d + i] = v[s + i];
  }

  /** {@link copy} of n slots from s to d, one by one, in the direction that never overwrites a slot before it is read. */
  #copyFew(s: number, d: number, n: number): void {
    const { start, end, fence, gap, kid, values } = this;
    const up = d > s;
    for (let k = 0; k < n; k++) {
      const i = up ? n - 1 - k : k;
      start[d + i] = start[s + i];
      end[d + i] = end[s + i];
      if (fence !== null) fence[d + i] = fence[s + i];
      if (gap !== null) gap[d + i] = gap[s + i];
      if (kid !== null) kid[d + i] = kid[s + i];
      if (values !== null) values[d + i] = values[s + i];
    }
  }

  /**
   * Largest gap between neighbouring ranges inside node id's subtree, by scanning the node (an inner node's gap
   * entries must be fresh).
   */
  innerGap(id: number): number {
    const b = id * S;
    const n = this.count[id];
    const fence = this.fence ?? this.start;
    const end = this.end;
    let g = 0;
    const gaps = this.gap;
    if (gaps !== null) for (let i = 0; i < n; i++) if (gaps[b + i] > g) g = gaps[b + i];
    for (let i = 1; i < n; i++) {
      const d = fence[b + i] - end[b + i - 1];
      if (d > g) g = d;
    }
    return g;
  }
}
