import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeTree } from './range-tree.js';

interface R {
  start: number;
  end: number;
  fence: number;
}

/** The obvious model: a sorted array, searched by brute force. */
class Model {
  items: R[] = [];
  lower(start: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  free(s: number, e: number): boolean {
    const i = this.lower(e) - 1;
    return i < 0 || this.items[i].end <= s;
  }
  insert(r: R): void {
    this.items.splice(this.lower(r.start), 0, r);
  }
  remove(i: number): R {
    return this.items.splice(i, 1)[0];
  }
  /** Free gaps of [rs, re), each ending at the next range's fence. */
  gaps(rs: number, re: number): [number, number][] {
    const out: [number, number][] = [];
    let prev = rs;
    for (const r of this.items) {
      if (r.fence > prev) out.push([prev, r.fence]);
      prev = Math.max(prev, r.end);
    }
    if (prev < re) out.push([prev, re]);
    return out;
  }
  lowest(rs: number, re: number, lo: number, hi: number, len: number, align: number): number {
    for (const [gs, ge] of this.gaps(rs, re)) {
      const a = Math.ceil(Math.max(gs, lo) / align) * align;
      if (a + len <= Math.min(ge, hi, re)) return a;
    }
    return -1;
  }
  highest(rs: number, re: number, lo: number, hi: number, len: number, align: number): number {
    for (const [gs, ge] of this.gaps(rs, re).reverse()) {
      const a = Math.floor((Math.min(ge, hi, re) - len) / align) * align;
      if (a >= Math.max(gs, lo, rs)) return a;
    }
    return -1;
  }
}

/** Deterministic xorshift stream for the bulk tests. */
function rng(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** A removal checked without vitest's `expect`, which would dominate the cost of the long random walks. */
function removeChecked(tree: RangeTree<R>, r: R): void {
  const got = tree.remove(r.start);
  if (got !== r) throw new Error(`remove(${r.start}) returned ${JSON.stringify(got)}, expected ${JSON.stringify(r)}`);
}

function checkAll(tree: RangeTree<R>, m: Model, re: number): void {
  expect(tree.size).toBe(m.items.length);
  // Identity, element by element: deep equality over tens of thousands of ranges would dominate the long walks.
  sameItems(tree.values(), m.items, 'values()');
  sameItems([...tree], m.items, 'iterator');
  expect(tree.first()).toBe(m.items[0]);
  expect(tree.last()).toBe(m.items.at(-1));
  const gaps: [number, number][] = [];
  tree.forEachGap(0, re, re, (s, e) => {
    gaps.push([s, e]);
    return false;
  });
  const want = m.gaps(0, re);
  expect(gaps.length).toBe(want.length);
  const bad = gaps.findIndex(([s, e], i) => s !== want[i][0] || e !== want[i][1]);
  if (bad >= 0) expect(gaps[bad]).toEqual(want[bad]);
}

function sameItems(got: readonly R[], want: readonly R[], what: string): void {
  expect(got.length, what).toBe(want.length);
  const bad = got.findIndex((r, i) => r !== want[i]);
  if (bad >= 0) expect(got[bad], `${what}[${bad}]`).toBe(want[bad]);
}

function checkQuery(tree: RangeTree<R>, m: Model, at: number, len: number, align: number, re: number): void {
  const end = at + len;
  expect(tree.isFree(at, end)).toBe(m.free(at, end));
  expect(tree.at(at)).toBe(m.items.find((r) => r.start <= at && at < r.end));
  expect(tree.floor(at)).toBe(m.items.filter((r) => r.start <= at).at(-1));
  expect(tree.below(at)).toBe(m.items.filter((r) => r.start < at).at(-1));
  expect(tree.endingAbove(at)).toBe(m.items.find((r) => r.end > at));
  expect(tree.overlapping(at, end)).toEqual(m.items.filter((r) => r.start < end && r.end > at));
  expect(tree.lowestFit(0, re, 0, re, len, align)).toBe(m.lowest(0, re, 0, re, len, align));
  expect(tree.highestFit(0, re, 0, re, len, align)).toBe(m.highest(0, re, 0, re, len, align));
  const lo = Math.min(at, re);
  const hi = Math.min(at + 40 * len, re);
  expect(tree.lowestFit(0, re, lo, hi, len, align)).toBe(m.lowest(0, re, lo, hi, len, align));
  expect(tree.highestFit(0, re, lo, hi, len, align)).toBe(m.highest(0, re, lo, hi, len, align));
}

describe('RangeTree', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('insert' as const), at: fc.nat(9999), size: fc.integer({ min: 1, max: 8 }), guard: fc.constantFrom(0, 0, 0, 3) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('grow' as const), pick: fc.nat(), by: fc.integer({ min: -3, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('query' as const), at: fc.nat(10010), size: fc.integer({ min: 1, max: 40 }), align: fc.constantFrom(1, 2, 8) }) },
  );
  const RE = 10016;

  it('matches a sorted-array model through random inserts, removals, end changes and queries', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), (ops) => {
        const tree = new RangeTree<R>();
        const m = new Model();
        for (const o of ops) {
          if (o.t === 'insert') {
            const r = { start: o.at, end: o.at + o.size, fence: Math.max(0, o.at - o.guard) };
            if (!m.free(r.start, r.end)) {
              expect(() => tree.insert(r, r.start, r.end, r.fence)).toThrow(RangeError);
              continue;
            }
            tree.insert(r, r.start, r.end, r.fence);
            m.insert(r);
          } else if (o.t === 'remove') {
            if (m.items.length === 0) continue;
            const r = m.remove(o.pick % m.items.length);
            expect(tree.remove(r.start)).toBe(r);
            expect(tree.remove(r.start)).toBeUndefined();
          } else if (o.t === 'grow') {
            if (m.items.length === 0) continue;
            const i = o.pick % m.items.length;
            const r = m.items[i];
            const end = r.end + o.by;
            const next = m.items[i + 1]?.start ?? Infinity;
            if (end <= r.start || end > next) {
              expect(() => tree.setEnd(r.start, end)).toThrow(RangeError);
              continue;
            }
            tree.setEnd(r.start, end);
            r.end = end;
          } else checkQuery(tree, m, o.at, o.size, o.align, RE);
        }
        checkAll(tree, m, RE);
      }),
      { numRuns: 25 },
    );
  });

  it('stays correct through splits and merges of several levels', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rnd = rng(seed);
        const tree = new RangeTree<R>();
        const m = new Model();
        const RE2 = 200_004;
        for (let step = 0; step < 30_000; step++) {
          if (rnd(10) < 7) {
            const at = rnd(200_000);
            const r = { start: at, end: at + 1 + rnd(4), fence: at };
            if (!m.free(r.start, r.end)) continue;
            tree.insert(r, r.start, r.end);
            m.insert(r);
          } else if (m.items.length > 0) {
            const r = m.remove(rnd(m.items.length));
            removeChecked(tree, r);
          }
          if (step % 1000 === 0) checkQuery(tree, m, rnd(RE2), 1 + rnd(8), 1 + rnd(3), RE2);
        }
        checkAll(tree, m, RE2);
        // Remove everything in random order: the tree shrinks back to one empty leaf.
        while (m.items.length > 0) {
          const r = m.remove(rnd(m.items.length));
          removeChecked(tree, r);
        }
        checkAll(tree, m, RE2);
        expect(tree.lowestFit(0, 100, 0, 100, 100)).toBe(0);
        expect(tree.highestFit(0, 100, 0, 100, 100)).toBe(0);
      }),
      { numRuns: 3 },
    );
  });

  it('keeps ascending and descending runs dense and answers across leaf boundaries', () => {
    for (const descending of [false, true]) {
      const tree = new RangeTree<R>();
      const m = new Model();
      const n = 20_000;
      for (let k = 0; k < n; k++) {
        const i = descending ? n - 1 - k : k;
        const r = { start: 4 * i, end: 4 * i + 3, fence: 4 * i };
        tree.insert(r, r.start, r.end);
        m.insert(r);
      }
      checkAll(tree, m, 4 * n + 8);
      for (let at = 0; at < 4 * n; at += 997) checkQuery(tree, m, at, 1 + (at % 5), 1, 4 * n + 8);
      // Gaps of one unit everywhere: a two-unit hole only exists where a range is removed.
      expect(tree.lowestFit(0, 4 * n, 0, 4 * n, 2)).toBe(-1);
      tree.remove(4 * 12_345);
      expect(tree.lowestFit(0, 4 * n, 0, 4 * n, 2)).toBe(4 * 12_344 + 3);
      expect(tree.highestFit(0, 4 * n, 0, 4 * n, 2)).toBe(4 * 12_345 + 2);
    }
  });

  it('grows past three levels and shrinks back through merges', () => {
    // 64 * 64 full leaves make three levels; 300k ranges need more.
    const rnd = rng(7);
    const tree = new RangeTree<R>();
    const m = new Model();
    const n = 300_000;
    for (let i = 0; i < n; i++) {
      const r = { start: 2 * i, end: 2 * i + 1, fence: 2 * i };
      tree.insert(r, r.start, r.end);
      m.items.push(r);
    }
    for (let k = 0; k < 4; k++) checkQuery(tree, m, rnd(2 * n + 8), 1 + rnd(3), 1, 2 * n + 8);
    // Thin out at random until a few hundred remain, checking along the way.
    let wrong = 0;
    while (m.items.length > 300) {
      // A round of removals, then one pass over the model (splicing each would be quadratic).
      const gone = new Set<R>();
      const quota = Math.min(m.items.length >>> 2, m.items.length - 300);
      while (gone.size < quota) {
        const r = m.items[rnd(m.items.length)];
        if (gone.has(r)) continue;
        gone.add(r);
        if (tree.remove(r.start) !== r) wrong++;
      }
      m.items = m.items.filter((r) => !gone.has(r));
      expect(wrong).toBe(0);
      checkQuery(tree, m, rnd(2 * n + 8), 1 + rnd(20), 1, 2 * n + 8);
    }
    checkAll(tree, m, 2 * n + 8);
  });

  it('answers as the model when calls stay near one address (the finger) while leaves split, merge and move', () => {
    // A three-level tree, and a cursor that wanders: most calls land in the leaf of the call before, some in its
    // neighbours, and inserts and removals there split and merge leaves under the finger.
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rnd = rng(seed);
        const tree = new RangeTree<R>();
        const m = new Model();
        const n = 6000;
        const RE3 = 8 * n + 64;
        for (let i = 0; i < n; i++) {
          const r = { start: 8 * i, end: 8 * i + 4, fence: 8 * i };
          tree.insert(r, r.start, r.end);
          m.items.push(r);
        }
        let cur = rnd(RE3);
        for (let step = 0; step < 4000; step++) {
          cur = Math.max(0, Math.min(RE3 - 1, cur + rnd(400) - 200));
          const k = rnd(10);
          if (k < 3) {
            // A burst into the gaps after the cursor: leaves fill and split, and so, every 64 of those, do their parents.
            const base = 8 * Math.floor(cur / 8) + 4 + rnd(2);
            for (let j = rnd(80); j >= 0; j--) {
              const at = base + 8 * j;
              const r = { start: at, end: at + 1 + rnd(2), fence: Math.max(0, at - rnd(2)) };
              if (r.end > RE3 || !m.free(r.fence, r.end)) continue;
              tree.insert(r, r.start, r.end, r.fence);
              m.insert(r);
            }
          } else if (k < 6 && m.items.length > 0) {
            const i = Math.min(m.items.length - 1, m.lower(cur));
            for (let j = 0; j <= rnd(40) && i < m.items.length; j++) removeChecked(tree, m.remove(i));
          } else if (k < 7 && m.items.length > 0) {
            const i = Math.min(m.items.length - 1, m.lower(cur));
            const r = m.items[i];
            const end = Math.min(r.end + rnd(3), m.items[i + 1]?.start ?? Infinity);
            if (end > r.start) {
              tree.setEnd(r.start, end);
              r.end = end;
            }
          } else {
            const at = cur;
            const end = at + 1 + rnd(8);
            if (tree.at(at) !== m.items.find((r) => r.start <= at && at < r.end)) throw new Error(`at(${at})`);
            if (tree.below(at) !== m.items.filter((r) => r.start < at).at(-1)) throw new Error(`below(${at})`);
            if (tree.floor(at) !== m.items.filter((r) => r.start <= at).at(-1)) throw new Error(`floor(${at})`);
            if (tree.endingAbove(at) !== m.items.find((r) => r.end > at)) throw new Error(`endingAbove(${at})`);
            if (tree.isFree(at, end) !== m.free(at, end)) throw new Error(`isFree(${at}, ${end})`);
            if (step % 50 === 0) checkQuery(tree, m, at, 1 + rnd(6), 1 + rnd(2), RE3);
          }
        }
        checkAll(tree, m, RE3);
      }),
      { numRuns: 3 },
    );
  });

  it('rejects empty ranges and fences above the start', () => {
    const tree = new RangeTree<string>();
    expect(() => tree.insert('a', 5, 5)).toThrow(RangeError);
    expect(() => tree.insert('a', 5, 6, 6)).toThrow(RangeError);
    expect(() => tree.setEnd(5, 9)).toThrow(RangeError);
    tree.insert('a', 5, 6);
    expect(tree.at(5)).toBe('a');
    expect(tree.remove(4)).toBeUndefined();
  });
});

describe('RangeTree argument checks', () => {
  it('non-number positions and bad fit requests are typed errors naming the argument, and change nothing', () => {
    const t = new RangeTree<number>();
    t.insert(1, 100, 200);
    t.insert(2, 300, 400);
    for (const bad of [2n, '150', Number.NaN, null, {}]) {
      expect(() => t.insert(9, 210, 250, bad as never)).toThrow(/RangeTree: fence must be a number/);
      expect(() => t.overlapping(bad as never, 1000)).toThrow(/RangeTree: start/);
      expect(() => t.at(bad as never)).toThrow(/RangeTree: addr/);
      expect(() => t.lowestFit(0, 1000, 0, 1000, bad as never)).toThrow(/RangeTree: len/);
      expect(() => t.highestFit(0, 1000, 0, bad as never, 10)).toThrow(/RangeTree: hi/);
      expect(() => t.forEachGap(0, 1000, bad as never, () => false)).toThrow(/RangeTree: until/);
    }
    expect(() => t.lowestFit(0, 1000, 0, 1000, 10, 0)).toThrow(/RangeTree: align/);
    expect(() => t.highestFit(0, 1000, 0, 1000, -1)).toThrow(/RangeTree: len/);
    expect([...t]).toEqual([1, 2]);
    // Infinity stays a valid open end.
    expect(t.overlapping(0, Number.POSITIVE_INFINITY)).toEqual([1, 2]);
  });
});
