import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpanTree, type Span } from './span-tree.js';

// The VMAR child index, checked against a sorted array over enough items to build several B+tree levels.
describe('SpanTree', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('insert' as const), at: fc.nat(9999), size: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('query' as const), at: fc.nat(10010), size: fc.integer({ min: 1, max: 40 }), align: fc.constantFrom(1, 2, 8) }) },
  );

  it('matches a brute-force model through thousands of inserts and removals', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), (ops) => {
        const tree = new SpanTree<Span>();
        let model: Span[] = [];
        const free = (s: number, e: number): boolean => model.every((m) => m.base + m.size <= s || m.base >= e);
        for (const o of ops) {
          if (o.t === 'insert') {
            if (!free(o.at, o.at + o.size)) continue;
            const span = { base: o.at, size: o.size };
            tree.insert(span);
            model.push(span);
            model.sort((a, b) => a.base - b.base);
          } else if (o.t === 'remove') {
            if (model.length === 0) continue;
            const victim = model[o.pick % model.length];
            tree.remove(victim);
            model = model.filter((m) => m !== victim);
          } else {
            const end = o.at + o.size;
            expect(tree.isFree(o.at, end)).toBe(free(o.at, end));
            expect(tree.at(o.at)).toBe(model.find((m) => m.base <= o.at && o.at < m.base + m.size));
            expect(tree.floor(o.at)).toBe(model.filter((m) => m.base <= o.at).at(-1));
            expect(tree.overlapping(o.at, end)).toEqual(model.filter((m) => m.base < end && m.base + m.size > o.at));
            // Lowest aligned fit in [0, 10016), brute force.
            let want = -1;
            for (let a = 0; a + o.size <= 10016; a += o.align) {
              if (free(a, a + o.size)) {
                want = a;
                break;
              }
            }
            expect(tree.firstFit(0, 10016, 0, 10016, o.size, o.align)).toBe(want);
          }
        }
        expect(tree.count).toBe(model.length);
        expect(tree.items()).toEqual(model);
        const gaps: [number, number][] = [];
        tree.forEachGap(0, 10016, 10016, (s, e) => {
          gaps.push([s, e]);
          return false;
        });
        let prev = 0;
        const want: [number, number][] = [];
        for (const m of model) {
          if (m.base > prev) want.push([prev, m.base]);
          prev = m.base + m.size;
        }
        if (prev < 10016) want.push([prev, 10016]);
        expect(gaps).toEqual(want);
      }),
      { numRuns: 25 },
    );
  });

  it('stays correct past three levels, with upper limits on placement', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Deterministic bulk ops from the seed: enough items for inner-node splits and merges.
        let x = seed | 1;
        const rnd = (n: number): number => {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          return (x >>> 0) % n;
        };
        const tree = new SpanTree<Span>();
        const model: Span[] = [];
        const lower = (base: number): number => {
          let lo = 0;
          let hi = model.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (model[mid].base < base) lo = mid + 1;
            else hi = mid;
          }
          return lo;
        };
        const free = (s: number, e: number): boolean => {
          const i = lower(e) - 1;
          return i < 0 || model[i].base + model[i].size <= s;
        };
        for (let step = 0; step < 12000; step++) {
          if (rnd(10) < 7) {
            const at = rnd(60000);
            const size = 1 + rnd(4);
            if (!free(at, at + size)) continue;
            const span = { base: at, size };
            tree.insert(span);
            model.splice(lower(at), 0, span);
          } else if (model.length > 0) {
            const i = rnd(model.length);
            tree.remove(model[i]);
            model.splice(i, 1);
          }
          if (step % 500 === 0) {
            const lo = rnd(60000);
            const hi = lo + rnd(5000);
            const size = 1 + rnd(6);
            let want = -1;
            for (let a = lo; a + size <= hi; a++) {
              if (free(a, a + size)) {
                want = a;
                break;
              }
            }
            expect(tree.firstFit(0, 60004, lo, hi, size, 1)).toBe(want);
          }
        }
        expect(tree.count).toBe(model.length);
        expect(tree.items()).toEqual(model);
        // Remove everything: the tree shrinks back to an empty leaf.
        for (const m of [...model].reverse()) tree.remove(m);
        expect(tree.count).toBe(0);
        expect(tree.items()).toEqual([]);
        expect(tree.firstFit(0, 100, 0, 100, 100, 1)).toBe(0);
      }),
      { numRuns: 4 },
    );
  });
});
