import { ConformanceError } from '../scenario/errors.js';
import type { Step } from '../scenario/types.js';
import type { LinuxRun } from './linux-probe.js';

/** Why Linux scenarios cannot run on the model yet, or undefined. */
export function linuxModelUnavailable(): string | undefined {
  return 'model: starnix-mm adapter not wired yet';
}

/** Runs a Linux scenario on starnix-mm. */
export function runOnModel(_steps: readonly Step[]): LinuxRun {
  throw new ConformanceError('BAD_ARGUMENT', linuxModelUnavailable() ?? 'unavailable');
}
