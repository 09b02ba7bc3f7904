import type { CliIo } from '../cli/main.js';

/** Options of a fuzz run. */
export interface FuzzCliOptions {
  readonly runs: number;
  readonly seed: number;
  readonly outDir: string;
  readonly timeoutMs: number;
  readonly io: CliIo;
}

export function runFuzz(o: FuzzCliOptions): Promise<number> {
  o.io.stderr('fuzz: not yet\n');
  return Promise.resolve(2);
}
