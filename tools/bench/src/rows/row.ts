import type { BenchName } from '@memsim/linux-probe';
import type { MemoryManager } from '@memsim/starnix-mm';

/** A timed sample: nanoseconds over `units` operations. */
export interface TimedSample {
  readonly ns: number;
  readonly units: number;
}

/**
 * One memsim sample source. `sample()` returns the measured nanoseconds of `units` operations, or a
 * {@link TimedSample} when it decides the count itself (the VMA rows run until a time budget is spent, so every
 * sample amortizes the garbage collections its operations cause).
 */
export interface MemsimSampler {
  readonly units: number;
  sample(): number | TimedSample | Promise<number | TimedSample>;
  dispose?(): void;
}

/** Nanoseconds a sample should at least last, so GC pauses are amortized rather than hit or missed. */
export const SAMPLE_BUDGET_NS = 20e6;

/** Runs `chunk` (which performs `per` operations) until {@link SAMPLE_BUDGET_NS} have passed; at least once. */
export function timedLoop(per: number, chunk: () => void): TimedSample {
  const t0 = process.hrtime.bigint();
  let units = 0;
  let ns: number;
  do {
    chunk();
    units += per;
    ns = since(t0);
  } while (ns < SAMPLE_BUDGET_NS);
  return { ns, units };
}

/** The native counterpart of a row, run by the probe. */
export interface NativeSpec {
  readonly name: BenchName;
  readonly iterations: number;
  readonly pages?: number;
  readonly mib?: number;
}

/** What a row's memsim side gets: a process (the N-VMA field for per-N rows, else a fresh one) and N. */
export interface RowContext {
  readonly mm: MemoryManager;
  readonly n: number;
}

/** A benchmark row. */
export interface RowSpec {
  readonly id: string;
  readonly title: string;
  /** What one measured unit is ("op", "pair", "page", "64 MiB"). */
  readonly unit: string;
  /** Whether the row runs at each N (in a field of N VMAs). */
  readonly perN: boolean;
  /** The probe benchmark, or why there is none. */
  readonly native: NativeSpec | { readonly unavailable: string };
  /**
   * Also measured in Starnix's 'per-mapping' design of private anonymous memory, reported beside the default
   * ('single') row; the targets apply to 'single' only.
   */
  readonly perMapping?: boolean;
  /** Bytes moved per unit, for bandwidth rows. */
  readonly bytesPerUnit?: number;
  /** For rows that compress (swap): the codec, and the compression ratio the last sample saw (null before one ran). */
  readonly compression?: { readonly codec: string; ratio(): number | null };
  memsim(ctx: RowContext): MemsimSampler | Promise<MemsimSampler>;
}

/** Nanoseconds elapsed since `t0` (from process.hrtime.bigint()). */
export function since(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0);
}
