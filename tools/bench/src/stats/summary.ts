/**
 * A summary of timed samples: the median is the headline figure (robust to a noisy shared machine), the spread
 * says how far to trust it.
 */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation). */
  readonly q1: number;
  readonly q3: number;
  /** Median absolute deviation. */
  readonly mad: number;
  /** (q3 - q1) / median: the relative spread; 0 when the median is 0. */
  readonly relSpread: number;
}

/** A typed error for invalid statistics input. */
export class StatsError extends Error {
  readonly code = 'BAD_SAMPLES' as const;
  constructor(message: string) {
    super(message);
    this.name = 'StatsError';
  }
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new StatsError('no samples');
  if (!(q >= 0 && q <= 1)) throw new StatsError(`quantile ${q} outside [0, 1]`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo];
  const b = sorted[hi];
  return a + (b - a) * (pos - lo);
}

/** Summarizes samples; rejects an empty list and non-finite or negative values. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new StatsError('no samples');
  for (const s of samples) if (!Number.isFinite(s) || s < 0) throw new StatsError(`bad sample ${s}`);
  const sorted = [...samples].sort((x, y) => x - y);
  const median = quantile(sorted, 0.5);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const dev = sorted.map((s) => Math.abs(s - median)).sort((x, y) => x - y);
  return {
    n: sorted.length,
    median,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1,
    q3,
    mad: quantile(dev, 0.5),
    relSpread: median > 0 ? (q3 - q1) / median : 0,
  };
}

/** memsim / native, or null when either side is missing or native is 0. */
export function ratio(memsim: number | null, native: number | null): number | null {
  if (memsim === null || native === null || !(native > 0)) return null;
  return memsim / native;
}
