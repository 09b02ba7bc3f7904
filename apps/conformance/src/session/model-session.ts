import type { Kernel } from '@memsim/zircon-objects';
import type { StepOutcome } from '../engine/outcome.js';
import { Bindings } from '../engine/scope.js';
import { ConformanceError } from '../scenario/errors.js';
import { evaluate } from '../scenario/expr.js';
import type { ScenarioDomain, Step } from '../scenario/types.js';

/**
 * What one step did on a {@link ModelSession}.
 * @public
 */
export interface ModelStep {
  /** 0-based index of the step in the scenario. */
  readonly index: number;
  readonly step: Step;
  /** `zx vmo_create`, `linux mmap`, `check a == b`. */
  readonly label: string;
  /**
   * `call`: ran on the model. `check`: evaluated its expression (the value is the outcome's). `debug`: a runner
   * self-test action, which a session does not perform.
   */
  readonly kind: 'call' | 'check' | 'debug';
  /** The outcome, not normalised: `ok` values are the live objects (handles, byte arrays). */
  readonly outcome: StepOutcome;
  /** For a `check` step: whether its expression holds (is not 0, false, null or undefined). */
  readonly holds?: boolean;
}

/**
 * Hooks into a {@link ModelSession}'s calls. `onStep` sees each step's index before it runs (the runner records it
 * so a case stopped for its time budget can name its last op); `wrapOp` wraps each model call, a test hook that lets
 * a test make one op misbehave (hang, throw) without touching the model.
 * @public
 */
export interface ModelSessionHooks {
  readonly onStep?: (index: number) => void;
  readonly wrapOp?: (step: Step, call: () => StepOutcome) => StepOutcome;
}

/** Whether a `check:` expression's value counts as true. */
function truthy(v: unknown): boolean {
  return v !== 0 && v !== 0n && v !== false && v !== null && v !== undefined;
}

/**
 * Executes a scenario's steps one at a time on the model backend, keeping the live model so its state can be read
 * after any step. The conformance runner judges model cases through a session, so a session steps exactly as
 * `runScenario` does on the model. Domain failures (Zircon statuses, errnos, faults) are outcomes; scenario mistakes
 * throw a {@link ConformanceError} (`NOT_MODELLED` for what the model cannot do yet).
 * @public
 */
export abstract class ModelSession {
  abstract readonly domain: ScenarioDomain;
  /** The model kernel every object of the session lives in. */
  abstract readonly kernel: Kernel;
  /** Step results bound so far (`bind:`), falling back to the scenario constants. */
  readonly bindings = new Bindings();
  #next = 0;

  constructor(
    readonly steps: readonly Step[],
    readonly hooks: ModelSessionHooks = {},
  ) {}

  /** Steps executed so far (including one that threw). */
  get executed(): number {
    return this.#next;
  }

  /** True once every step has executed. */
  get done(): boolean {
    return this.#next >= this.steps.length;
  }

  /** Executes the next step and binds its result when it succeeded. */
  step(): ModelStep {
    if (this.done) throw new ConformanceError('BAD_USAGE', `all ${this.steps.length} steps have run`);
    const index = this.#next++;
    const step = this.steps[index];
    this.hooks.onStep?.(index);
    if (step.kind === 'check') {
      const value = evaluate(step.call, this.bindings);
      return { index, step, label: `check ${step.call}`, kind: 'check', outcome: { kind: 'ok', value }, holds: truthy(value) };
    }
    const label = `${step.kind} ${step.call}`;
    if (step.kind === 'debug') return { index, step, label, kind: 'debug', outcome: { kind: 'ok', value: null } };
    const wrap = this.hooks.wrapOp;
    const outcome = wrap ? wrap(step, () => this.execute(step)) : this.execute(step);
    if (outcome.kind === 'ok') this.bindings.bind(step.bind, outcome.value);
    return { index, step, label, kind: 'call', outcome };
  }

  /** Executes steps until `count` have executed or the scenario ends; returns what they did. */
  runTo(count: number): ModelStep[] {
    const out: ModelStep[] = [];
    while (this.#next < count && !this.done) out.push(this.step());
    return out;
  }

  /** Runs one `zx`/`linux`/`access`/`fork` step on the backend (arguments still unresolved). */
  protected abstract execute(step: Step): StepOutcome;
}
