import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Vmo } from '../index.js';
import { PAGE, setup } from '../test-support/util.js';
import { PageMap } from './page-map.js';

type Op = { kind: 'set'; i: number; v: number } | { kind: 'delete'; i: number } | { kind: 'clear' };

// Indices near chunk edges, far apart (one chunk each) and past 2^32 (no 32-bit wrap in the chunk arithmetic).
const index = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(63, 64, 65, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5));
const value = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(-1), fc.integer({ min: -1000, max: -2 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), i: index, v: value }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), i: index }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('PageMap', () => {
  it('answers as a Map<number, number> after any sequence of sets, deletes and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (ops, lo, span) => {
        const m = new PageMap();
        const ref = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            m.set(o.i, o.v);
            ref.set(o.i, o.v);
          } else if (o.kind === 'delete') expect(m.delete(o.i)).toBe(ref.delete(o.i));
          else {
            m.clear();
            ref.clear();
          }
        }
        expect(m.size).toBe(ref.size);
        const sorted = (xs: Iterable<[number, number]>): [number, number][] => [...xs].sort((a, b) => a[0] - b[0]);
        expect(sorted(m)).toEqual(sorted(ref));
        const each: [number, number][] = [];
        m.forEach((v, i) => each.push([i, v]));
        expect(sorted(each)).toEqual(sorted(ref));
        expect([...m.values()].sort((a, b) => a - b)).toEqual([...ref.values()].sort((a, b) => a - b));
        for (const i of [0, 63, 64, 2 ** 32, 2 ** 40 + 5, lo]) {
          expect(m.get(i)).toBe(ref.get(i));
          expect(m.has(i)).toBe(ref.has(i));
        }
        const inRange: [number, number][] = [];
        m.forEachIn(lo, lo + span, (i, v) => inRange.push([i, v]));
        expect(sorted(inRange)).toEqual(sorted([...ref].filter(([i]) => i >= lo && i < lo + span)));
      }),
    );
  });

  it('finds the run of consecutive frames from an index, across chunks and up to the limit', () => {
    const m = new PageMap();
    for (let i = 0; i < 200; i++) m.set(10 + i, 500 + i);
    m.set(150, 9); // breaks the run at index 150
    expect(m.frameRun(10, 500, 1000)).toBe(140);
    expect(m.frameRun(10, 500, 70)).toBe(70);
    expect(m.frameRun(151, 641, 1000)).toBe(59);
    expect(m.frameRun(209, 699, 5)).toBe(1);
    expect(m.frameRun(210, 700, 5)).toBe(0);
    expect(m.frameRun(10, 501, 5)).toBe(0);
  });

  it('lets go of a chunk with its last entry and tolerates deletes and overwrites while iterating', () => {
    const m = new PageMap();
    for (let i = 0; i < 130; i++) m.set(i, i);
    for (const [i, v] of m) {
      if (i % 2 === 0) m.delete(i);
      else m.set(i, v + 1);
    }
    expect(m.size).toBe(65);
    expect(m.get(1)).toBe(2);
    for (let i = 0; i < 130; i++) m.delete(i);
    expect(m.size).toBe(0);
    expect([...m]).toEqual([]);
  });

  it('refuses a value that is not a frame, marker or compressed id', () => {
    const m = new PageMap();
    expect(() => m.set(0, 1.5)).toThrow(RangeError);
    expect(() => m.set(0, 2 ** 31)).toThrow(RangeError);
    expect(() => m.set(0, -(2 ** 31))).toThrow(RangeError);
    expect(m.size).toBe(0);
  });
});

describe('bulk VMO reads and writes over runs of frames', () => {
  it('read back what was written whatever order the pages were committed in', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...Array(24).keys()], { minLength: 0, maxLength: 24 }),
        fc.integer({ min: 0, max: 24 * PAGE - 1 }),
        fc.integer({ min: 1, max: 24 * PAGE }),
        (order, offset, length) => {
          const { kernel } = setup();
          // Two VMOs committed in turns, so runs of frames side by side break wherever the other took a frame.
          const vmo = Vmo.create(kernel, 24 * PAGE);
          const other = Vmo.create(kernel, 24 * PAGE);
          const model = new Uint8Array(24 * PAGE);
          for (const p of order) {
            const page = new Uint8Array(PAGE).fill(p + 1);
            vmo.write(page, p * PAGE);
            model.set(page, p * PAGE);
            if (p % 3 === 0) other.write(new Uint8Array(PAGE).fill(0xee), p * PAGE);
          }
          const len = Math.min(length, 24 * PAGE - offset);
          const data = new Uint8Array(len).map((_, i) => (i * 7 + 3) & 0xff);
          vmo.write(data, offset);
          model.set(data, offset);
          expect(Buffer.compare(vmo.read(24 * PAGE, 0), model)).toBe(0);
          const part = vmo.read(len, offset);
          expect(Buffer.compare(part, model.subarray(offset, offset + len))).toBe(0);
          expect(Buffer.compare(other.read(PAGE, 0), new Uint8Array(PAGE).fill(order.includes(0) ? 0xee : 0))).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
