import type { StepReport } from './outcome.js';
import type { UpstreamTest } from '../scenario/types.js';

/**
 * The backends: `model` is memsim (zircon-objects, starnix-mm), `linux` the live kernel through the probe.
 * @public
 */
export type BackendName = 'model' | 'linux';

/**
 * Outcome of one case (one scenario on one backend).
 * @public
 */
export type CaseStatus = 'passed' | 'failed' | 'skipped' | 'starnix-difference';

/**
 * The result of running one scenario on one backend.
 * @public
 */
export interface CaseResult {
  /** `suite/name`. */
  readonly id: string;
  readonly suite: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly source: string;
  /** The upstream test the scenario ports (zircon-core), if any. */
  readonly upstream?: UpstreamTest;
  readonly backend: BackendName;
  readonly status: CaseStatus;
  /** The model's private anonymous backing, when the case ran in Starnix's 'per-mapping' design. */
  readonly anonBacking?: 'per-mapping';
  /** With status 'starnix-difference': the expected difference of that design the case shows (STARNIX_DIFFERENCES). */
  readonly difference?: string;
  /** Why it failed or was skipped (one line for skips). */
  readonly message?: string;
  readonly durationMs: number;
  readonly steps: readonly StepReport[];
  /** Normalised per-step outputs (differential comparison input). */
  readonly outputs?: readonly Record<string, unknown>[];
}
