import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { quantile, ratio, StatsError, summarize } from './summary.js';

describe('summarize', () => {
  it('gives the median, quartiles, extremes and spread', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4, mad: 1 });
    expect(s.relSpread).toBeCloseTo(2 / 3);
  });

  it('averages the middle pair for an even count', () => {
    expect(summarize([1, 2, 3, 10]).median).toBe(2.5);
  });

  it('rejects empty, negative and non-finite samples with a typed error', () => {
    expect(() => summarize([])).toThrow(StatsError);
    expect(() => summarize([1, -1])).toThrow(StatsError);
    expect(() => summarize([1, Number.NaN])).toThrow(StatsError);
    expect(() => quantile([1], 2)).toThrow(StatsError);
  });

  it('keeps min <= q1 <= median <= q3 <= max for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs);
        expect(s.min).toBeLessThanOrEqual(s.q1);
        expect(s.q1).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.q3);
        expect(s.q3).toBeLessThanOrEqual(s.max);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ratio', () => {
  it('is memsim / native, null when a side is missing or native is zero', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(null, 10)).toBeNull();
    expect(ratio(1, null)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });
});
