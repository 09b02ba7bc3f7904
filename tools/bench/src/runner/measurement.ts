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
