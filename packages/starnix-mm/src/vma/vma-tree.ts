import type { Vma } from './vma.js';

/** A treap node: one VMA, a random priority, and the largest free gap below any VMA in its subtree. */
interface Node {
  vma: Vma;
  prio: number;
  left: Node | null;
  right: Node | null;
  /** Free bytes between the previous VMA's end and this VMA's start gap (vm_start_gap). */
  gap: number;
  maxGap: number;
}

/**
 * The VMA list: an ordered treap keyed by start address, augmented with the largest free gap in each subtree (as
 * Linux augments its maple tree), so lookups, inserts, removals and top-down gap searches are O(log n).
 */
export class VmaTree {
  private root: Node | null = null;
  private count = 0;
  /** xorshift state for priorities: deterministic, owned by the tree (no module state). */
  private seed = 0x9e3779b9;

  constructor(
    /** Lowest usable address (the gap of the first VMA starts here). */
    private readonly low: number,
    /** Guard gap kept below MAP_GROWSDOWN VMAs. */
    private readonly guardGap: number,
  ) {}

  get size(): number {
    return this.count;
  }

  private rand(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** vm_start_gap: a growsdown VMA keeps the guard gap free below it. */
  startGap(v: Vma): number {
    if (v.flags & 0x100) return Math.max(this.low, v.start - this.guardGap);
    return v.start;
  }

  private pull(n: Node): void {
    let m = n.gap;
    if (n.left && n.left.maxGap > m) m = n.left.maxGap;
    if (n.right && n.right.maxGap > m) m = n.right.maxGap;
    n.maxGap = m;
  }

  /** First VMA with end > addr (Linux find_vma). */
  findFrom(addr: number): Vma | undefined {
    let n = this.root;
    let best: Vma | undefined;
    while (n) {
      if (n.vma.end > addr) {
        best = n.vma;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  /** The VMA containing addr. */
  find(addr: number): Vma | undefined {
    const v = this.findFrom(addr);
    return v && v.start <= addr ? v : undefined;
  }

  /** Last VMA with start < addr (the predecessor of whatever starts at addr). */
  findBefore(addr: number): Vma | undefined {
    let n = this.root;
    let best: Vma | undefined;
    while (n) {
      if (n.vma.start < addr) {
        best = n.vma;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  next(v: Vma): Vma | undefined {
    return this.findFrom(v.end);
  }

  prev(v: Vma): Vma | undefined {
    return this.findBefore(v.start);
  }

  first(): Vma | undefined {
    let n = this.root;
    if (!n) return undefined;
    while (n.left) n = n.left;
    return n.vma;
  }

  last(): Vma | undefined {
    let n = this.root;
    if (!n) return undefined;
    while (n.right) n = n.right;
    return n.vma;
  }

  /** VMAs intersecting [start, end), in order. */
  range(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    let v = this.findFrom(start);
    while (v && v.start < end) {
      out.push(v);
      v = this.next(v);
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<Vma> {
    const stack: Node[] = [];
    let n = this.root;
    while (n || stack.length) {
      while (n) {
        stack.push(n);
        n = n.left;
      }
      const top = stack.pop() as Node;
      yield top.vma;
      n = top.right;
    }
  }

  private split(n: Node | null, key: number): [Node | null, Node | null] {
    if (!n) return [null, null];
    if (n.vma.start < key) {
      const [a, b] = this.split(n.right, key);
      n.right = a;
      this.pull(n);
      return [n, b];
    }
    const [a, b] = this.split(n.left, key);
    n.left = b;
    this.pull(n);
    return [a, n];
  }

  private merge(a: Node | null, b: Node | null): Node | null {
    if (!a) return b;
    if (!b) return a;
    if (a.prio > b.prio) {
      a.right = this.merge(a.right, b);
      this.pull(a);
      return a;
    }
    b.left = this.merge(a, b.left);
    this.pull(b);
    return b;
  }

  private gapOf(v: Vma): number {
    const p = this.findBefore(v.start);
    return Math.max(0, this.startGap(v) - (p ? p.end : this.low));
  }

  /** Recomputes the stored gap of the VMA starting at `start` and the maxima on its path. */
  private refresh(start: number): void {
    const path: Node[] = [];
    let n = this.root;
    while (n && n.vma.start !== start) {
      path.push(n);
      n = start < n.vma.start ? n.left : n.right;
    }
    if (!n) return;
    n.gap = this.gapOf(n.vma);
    this.pull(n);
    for (let i = path.length - 1; i >= 0; i--) this.pull(path[i]);
  }

  insert(v: Vma): void {
    const node: Node = { vma: v, prio: this.rand(), left: null, right: null, gap: 0, maxGap: 0 };
    const [a, b] = this.split(this.root, v.start);
    this.root = this.merge(this.merge(a, node), b);
    this.count++;
    this.refresh(v.start);
    const nx = this.findFrom(v.end);
    if (nx) this.refresh(nx.start);
  }

  remove(v: Vma): void {
    const [a, b] = this.split(this.root, v.start);
    const [mid, c] = this.split(b, v.start + 1);
    if (!mid) {
      this.root = this.merge(a, c);
      return;
    }
    this.root = this.merge(a, c);
    this.count--;
    const nx = this.findFrom(v.start);
    if (nx) this.refresh(nx.start);
  }

  /** Call after changing a VMA's end in place (start unchanged): its successor's gap changed. */
  endChanged(v: Vma): void {
    const nx = this.findFrom(v.end);
    if (nx) this.refresh(nx.start);
  }

  /**
   * The highest address `a` with [a, a+len) free, low <= a, a+len <= high, respecting guard gaps (Linux
   * unmapped_area_topdown). `top` is the end of the usable range (the gap after the last VMA ends there).
   */
  findTopDown(len: number, low: number, high: number, top: number): number | undefined {
    const lastV = this.last();
    const tailStart = Math.max(lastV ? lastV.end : this.low, low);
    const tailEnd = Math.min(top, high);
    if (tailEnd - tailStart >= len) return tailEnd - len;
    const r = this.search(this.root, len, low, high);
    return r < 0 ? undefined : r;
  }

  private search(n: Node | null, len: number, low: number, high: number): number {
    if (!n || n.maxGap < len) return -1;
    if (n.vma.end + len <= high) {
      const r = this.search(n.right, len, low, high);
      if (r >= 0) return r;
    }
    const gapEnd = this.startGap(n.vma);
    const gapStart = gapEnd - n.gap;
    const e = Math.min(gapEnd, high);
    const s = Math.max(gapStart, low);
    if (e - s >= len) return e - len;
    if (gapStart - len >= low) return this.search(n.left, len, low, high);
    return -1;
  }

  /** The lowest address a >= low with [a, a+len) free below high (bottom-up, for MAP_32BIT). */
  findBottomUp(len: number, low: number, high: number): number | undefined {
    let cursor = Math.max(low, this.low);
    let v = this.findFrom(cursor);
    for (;;) {
      const gapEnd = v ? Math.min(this.startGap(v), high) : high;
      if (gapEnd - cursor >= len) return cursor;
      if (!v || v.end >= high) return undefined;
      cursor = Math.max(cursor, v.end);
      v = this.next(v);
    }
  }
}
