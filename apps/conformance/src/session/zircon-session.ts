import { Handle, type Kernel } from '@memsim/zircon-objects';
import { ZirconBackend } from '../backends/zircon.js';
import { StepArgs } from '../engine/args.js';
import type { StepOutcome } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import { resolveValue } from '../scenario/expr.js';
import type { ScenarioValue, Step } from '../scenario/types.js';
import { ModelSession, type ModelSessionHooks } from './model-session.js';

/**
 * A {@link ModelSession} of a Zircon scenario: one model kernel, `root_job` pre-bound, and every handle the steps
 * produced (even those whose binding a later step overwrote).
 * @public
 */
export class ZirconModelSession extends ModelSession {
  readonly domain = 'zircon';
  readonly kernel: Kernel;
  readonly #zx: ZirconBackend;
  readonly #handles: Handle[] = [];
  readonly #names = new Map<Handle, string>();

  /** `kernel` is the scenario's `kernel:` options (seed, aslr, aslrEntropyBits, physicalMemoryBytes). */
  constructor(steps: readonly Step[], kernel: Readonly<Record<string, ScenarioValue>> = {}, hooks: ModelSessionHooks = {}) {
    super(steps, hooks);
    this.#zx = new ZirconBackend(kernel);
    this.kernel = this.#zx.kernel;
    this.bindings.set('root_job', this.kernel.rootJob);
  }

  /** Every handle a `zx` call returned (alone or in a result object), in the order they first appeared. */
  handles(): readonly Handle[] {
    return [...this.#handles];
  }

  /** The name a step bound `handle` to when it appeared, if any. */
  nameOf(handle: Handle): string | undefined {
    return this.#names.get(handle);
  }

  protected execute(step: Step): StepOutcome {
    const args = new StepArgs(step.call, resolveValue(step.args, this.bindings) as Record<string, unknown>, this.bindings);
    if (step.kind === 'zx') {
      const outcome = this.#zx.call(step.call, args);
      if (outcome.kind === 'ok') this.#track(outcome.value, step);
      return outcome;
    }
    if (step.kind === 'access') return this.#zx.access(step.call, args);
    throw new ConformanceError('BAD_ARGUMENT', `a ${step.kind} step needs a Linux scenario`);
  }

  #track(value: unknown, step: Step): void {
    const found = value instanceof Handle ? [value] : value !== null && typeof value === 'object' ? Object.values(value) : [];
    for (const h of found) {
      if (!(h instanceof Handle) || this.#handles.includes(h)) continue;
      this.#handles.push(h);
      const bind =
        typeof step.bind === 'string'
          ? step.bind
          : step.bind
            ? Object.entries(step.bind).find(([field]) => (value as Record<string, unknown>)[field] === h)?.[1]
            : undefined;
      if (bind !== undefined) this.#names.set(h, bind);
    }
  }
}
