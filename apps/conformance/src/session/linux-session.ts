import { PROBE_WINDOW_BASE } from '@memsim/linux-probe';
import type { MemoryManager } from '@memsim/starnix-mm';
import type { Kernel } from '@memsim/zircon-objects';
import { ModelLinux } from '../backends/linux-model.js';
import { probeOutcome, toProbeOp, type LinuxRun } from '../backends/linux-probe.js';
import type { StepOutcome } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import { resolveValue } from '../scenario/expr.js';
import type { Step } from '../scenario/types.js';
import { ModelSession } from './model-session.js';

/**
 * Where Linux scenarios' addresses start: they are relative to the probe's fixed window, and so are addresses in
 * outcomes (those outside it come as `{ abs: "0x..." }`).
 * @public
 */
export const LINUX_WINDOW_BASE: number = Number(PROBE_WINDOW_BASE);

/**
 * A {@link ModelSession} of a Linux scenario on starnix-mm: outcomes in the probe's shapes, processes by name
 * (`parent` first, then each fork's child).
 * @public
 */
export class LinuxModelSession extends ModelSession {
  readonly domain = 'linux';
  readonly kernel: Kernel;
  readonly #model = new ModelLinux();

  constructor(steps: readonly Step[]) {
    super(steps);
    this.kernel = this.#model.kernel;
  }

  /** The live memory managers, by process name. */
  get processes(): ReadonlyMap<string, MemoryManager> {
    return this.#model.procs;
  }

  protected execute(step: Step): StepOutcome {
    if (step.thread !== undefined) throw new ConformanceError('NOT_MODELLED', 'threads are not modelled');
    const op = toProbeOp(step, resolveValue(step.args, this.bindings) as Record<string, unknown>);
    return probeOutcome({ i: 0, op: op.op, ...this.#model.run(op) });
  }
}

/** Runs a Linux scenario on starnix-mm, step by step, producing outcomes in the probe's shapes. */
export function runOnModel(steps: readonly Step[]): LinuxRun {
  const session = new LinuxModelSession(steps);
  const outcomes = steps.map(() => session.step().outcome);
  return { outcomes, bindings: session.bindings };
}
