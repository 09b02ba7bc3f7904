import type { BenchName } from '@memsim/linux-probe';
import type { MemoryManager } from '@memsim/starnix-mm';

/** One memsim sample source: `units` operations per sample, `sample()` returns the measured nanoseconds. */
export interface MemsimSampler {
  readonly units: number;
  sample(): number | Promise<number>;
  dispose?(): void;
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
  /** Bytes moved per unit, for bandwidth rows. */
  readonly bytesPerUnit?: number;
  memsim(ctx: RowContext): MemsimSampler | Promise<MemsimSampler>;
}

/** Nanoseconds elapsed since `t0` (from process.hrtime.bigint()). */
export function since(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0);
}
