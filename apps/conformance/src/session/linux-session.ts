import { PROBE_WINDOW_BASE } from '@memsim/linux-probe';
import type { AnonBackingDesign, KernelProfile, MemoryManager } from '@memsim/starnix-mm';
import type { Kernel } from '@memsim/zircon-objects';
import { fillsMapCount, ModelLinux } from '../backends/linux-model.js';
import { probeOutcome, toProbeOp, type LinuxRun } from '../backends/linux-probe.js';
import type { StepOutcome } from '../engine/outcome.js';
import { resolveValue } from '../scenario/expr.js';
import type { Step } from '../scenario/types.js';
import { ModelSession, type ModelSessionHooks } from './model-session.js';
import { onNextTurn } from '../engine/turn.js';

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
  readonly #model: ModelLinux;

  /** `hooks`: progress and test wrappers; `profile`: the kernel build the model follows (default: the model's, {@link DEFAULT_KERNEL_PROFILE}). */
  constructor(steps: readonly Step[], hooks: ModelSessionHooks = {}, profile?: KernelProfile, anonBacking?: AnonBackingDesign) {
    super(steps, hooks);
    this.#model = new ModelLinux(profile, anonBacking, fillsMapCount(steps) ? 'checkpoints' : true);
    this.kernel = this.#model.kernel;
  }

  /** The live memory managers, by process name. */
  get processes(): ReadonlyMap<string, MemoryManager> {
    return this.#model.procs;
  }

  /**
   * A `thread:` step's op runs as a pending task; its promise chain settles only when the event loop gets a turn,
   * so a runner lets it run (see {@link runOnModelAsync}) before a `join` looks at the task.
   */
  protected execute(step: Step): StepOutcome {
    const op = toProbeOp(step, resolveValue(step.args, this.bindings) as Record<string, unknown>);
    return probeOutcome({ i: 0, op: op.op, ...this.#model.run(op) });
  }
}

/** Lets every settled task's continuations run (macrotask boundary: all pending microtasks drain). */
function settle(): Promise<void> {
  return new Promise((resolve) => onNextTurn(resolve));
}

/**
 * Runs a Linux scenario on starnix-mm like {@link runOnModel}, yielding to the event loop after each step so that
 * threads' tasks (userfaultfd waits, event waits) settle before the next step: what a `join` or `wait_blocked`
 * then sees is what the kernel's blocked thread would show.
 */
export async function runOnModelAsync(steps: readonly Step[], hooks: ModelSessionHooks = {}, profile?: KernelProfile, anonBacking?: AnonBackingDesign): Promise<LinuxRun> {
  const session = new LinuxModelSession(steps, hooks, profile, anonBacking);
  const outcomes: StepOutcome[] = [];
  for (let i = 0; i < steps.length; i++) {
    outcomes.push(session.step().outcome);
    await settle();
  }
  return { outcomes, bindings: session.bindings };
}

/** Runs a Linux scenario on starnix-mm, step by step, producing outcomes in the probe's shapes. Threads' tasks do not settle in between (use {@link runOnModelAsync}). */
export function runOnModel(steps: readonly Step[], hooks: ModelSessionHooks = {}, profile?: KernelProfile): LinuxRun {
  const session = new LinuxModelSession(steps, hooks, profile);
  const outcomes = steps.map(() => session.step().outcome);
  return { outcomes, bindings: session.bindings };
}
