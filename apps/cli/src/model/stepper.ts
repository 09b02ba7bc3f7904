import { evaluate, normalizeValue, resolveValue, type Scenario, type Step } from '@memsim/conformance';
import { CliError } from '../cli/errors.js';
import type { ModelState } from './state.js';
import { Scope } from './scope.js';

/** What one executed step produced, in one line. */
export interface ExecutedStep {
  readonly index: number;
  readonly label: string;
  readonly ok: boolean;
  readonly outcome: string;
}

export function stepLabel(step: Step): string {
  return `${step.kind} ${step.call}`;
}

export function showValue(v: unknown): string {
  const s = JSON.stringify(normalizeValue(v));
  return s === undefined ? 'null' : s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/**
 * Executes a scenario's steps one at a time on a live model, keeping its objects so the state after any step can be
 * inspected. (The conformance runner's `runScenario` judges a whole case and returns plain data only.)
 */
export abstract class Stepper {
  protected readonly scope = new Scope();
  #next = 0;
  #last: ExecutedStep | undefined;

  constructor(readonly scenario: Scenario) {}

  get executed(): number {
    return this.#next;
  }

  get done(): boolean {
    return this.#next >= this.scenario.steps.length;
  }

  /** Runs the next step; domain errors become a failed outcome, scenario mistakes throw. */
  step(): ExecutedStep {
    const index = this.#next++;
    const step = this.scenario.steps[index];
    let r: ExecutedStep;
    if (step.kind === 'check') {
      const v = evaluate(step.call, this.scope);
      const ok = v !== 0 && v !== 0n && v !== false && v !== null && v !== undefined;
      r = { index, label: `check ${step.call}`, ok, outcome: ok ? 'holds' : 'does not hold' };
    } else if (step.kind === 'debug') {
      r = { index, label: stepLabel(step), ok: true, outcome: 'skipped (runner self-test action)' };
    } else {
      const args = resolveValue(step.args, this.scope) as Record<string, unknown>;
      let res;
      try {
        res = this.exec(step, args);
      } catch (e) {
        // Say where: scenario files are long and the same call appears many times.
        if (e instanceof CliError) throw new CliError(e.code, `step ${index + 1} (${stepLabel(step)}, line ${step.pos.line}): ${e.message}`);
        throw e;
      }
      if (res.ok) this.scope.bind(step.bind, res.value);
      r = { index, label: stepLabel(step), ok: res.ok, outcome: res.text };
    }
    this.#last = r;
    return r;
  }

  /** Runs steps until `count` have executed (or the scenario ends). */
  runTo(count: number): void {
    while (this.#next < count && !this.done) this.step();
  }

  state(): ModelState {
    return {
      ...this.snapshot(),
      step: this.#next,
      label: this.#last?.label ?? '',
      outcome: this.#last ? `${this.#last.ok ? 'ok' : 'failed'}: ${this.#last.outcome}` : 'initial state',
    };
  }

  protected abstract exec(step: Step, args: Record<string, unknown>): { ok: boolean; value?: unknown; text: string };
  protected abstract snapshot(): Omit<ModelState, 'step' | 'label' | 'outcome'>;
}
