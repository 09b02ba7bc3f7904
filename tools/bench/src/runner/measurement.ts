import type { Summary } from '../stats/summary.js';

/** A measured side of a cell: nanoseconds per unit, summarized over samples (warm-up excluded). */
export interface Measurement {
  readonly nsPerUnit: number;
  readonly summary: Summary;
  readonly samplesNsPerUnit: readonly number[];
  readonly unitsPerSample: number;
}

/** A side that could not be measured, and why. */
export interface Unavailable {
  readonly unavailable: string;
}

/** A measurement or the reason there is none. */
export type Side = Measurement | Unavailable;

/** Whether a side was measured. */
export function measured(s: Side | undefined): s is Measurement {
  return s !== undefined && 'nsPerUnit' in s;
}

/**
 * Pools the samples of several rounds of one cell (memsim and native alternate in rounds, so load on a shared
 * machine hits both sides alike). Any unavailable round makes the cell unavailable, with that round's reason.
 */
export function poolRounds(rounds: readonly Side[], summarizeFn: (xs: readonly number[]) => Measurement['summary']): Side {
  if (rounds.length === 0) return { unavailable: 'no rounds ran' };
  const bad = rounds.find((r) => !measured(r));
  if (bad !== undefined) return bad;
  const ms = rounds as readonly Measurement[];
  const samples = ms.flatMap((m) => m.samplesNsPerUnit);
  const summary = summarizeFn(samples);
  return { nsPerUnit: summary.median, summary, samplesNsPerUnit: samples, unitsPerSample: (ms[0]).unitsPerSample };
}
