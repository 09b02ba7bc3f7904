import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LatencyHistogram } from '../index.js';

describe('LatencyHistogram', () => {
  it('puts latencies in [2^N, 2^(N+1)) microsecond buckets, with sub-microsecond values apart', () => {
    const h = new LatencyHistogram();
    for (const v of [0, 0.5, 1, 1.9, 2, 3, 4, 40, 1023, 1024]) h.record(v);
    expect(h.underOneMicro).toBe(2);
    expect(h.buckets()).toEqual([
      { lowMicros: 1, highMicros: 2, count: 2 },
      { lowMicros: 2, highMicros: 4, count: 2 },
      { lowMicros: 4, highMicros: 8, count: 1 },
      { lowMicros: 32, highMicros: 64, count: 1 },
      { lowMicros: 512, highMicros: 1024, count: 1 },
      { lowMicros: 1024, highMicros: 2048, count: 1 },
    ]);
    expect(h.count).toBe(10);
    expect(() => h.record(-1)).toThrow(RangeError);
    expect(() => h.record(Number.NaN)).toThrow(RangeError);
  });

  it('every value lands in the bucket that contains it', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e12, noNaN: true }), (v) => {
        const h = new LatencyHistogram();
        h.record(v);
        const [b] = h.buckets();
        return b !== undefined && b.lowMicros <= v && v < b.highMicros;
      }),
      { numRuns: 200 },
    );
  });
});
