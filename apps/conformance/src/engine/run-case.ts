import type { AnonBackingDesign, KernelProfile } from '@memsim/starnix-mm';
import { linuxBackendUnavailable, runOnProbe } from '../backends/linux-probe.js';
import { linuxModelSkip, linuxModelUnavailable, linuxProbeSkip } from '../backends/linux-model.js';
import { classifyStarnixDifference, STARNIX_DIFFERENCES, type StarnixDifference } from './starnix-difference.js';
import { ConformanceError } from '../scenario/errors.js';
import { referencedNames, resolveValue } from '../scenario/expr.js';
import { CONSTANTS } from '../scenario/constants.js';
import type { Expectation, Scenario, Step } from '../scenario/types.js';
import type { BackendName, CaseResult } from './case.js';
import { checkExpectation } from './expect.js';
import { normalizeOutcome, normalizeValue, type StepOutcome, type StepReport } from './outcome.js';
import type { Bindings } from './scope.js';
import type { ModelSessionHooks, ModelStep } from '../session/model-session.js';
import { ZirconModelSession } from '../session/zircon-session.js';
import { runOnModelAsync } from '../session/linux-session.js';

/**
 * Options of {@link runScenario}.
 * @public
 */
export interface RunCaseOptions {
  readonly backend: BackendName;
  /** Per-case timeout in ms (the scenario's own `timeout_ms` wins). Default 30 000. */
  readonly timeoutMs?: number;
  /**
   * True when the case runs alone in a worker that may be killed: `debug: crash` then really exits the worker and
   * `debug: hang` really spins. In-process they throw or wait instead, so a test run survives them.
   */
  readonly isolated?: boolean;
  /** The kernel profile the model follows in Linux scenarios (default: the model's own). */
  readonly profile?: KernelProfile;
  /** The model's private anonymous backing design in Linux scenarios (default 'single'; a scenario's anon_backing wins). */
  readonly anonBacking?: AnonBackingDesign;
  /** Hooks into the model session (progress for the time budget; a test's op wrapper). Model backend only. */
  readonly hooks?: ModelSessionHooks;
}

function label(step: Step): string {
  return `${step.kind} ${step.call}`;
}

function report(index: number, step: Step, outcome: StepOutcome, expect: Expectation | undefined): StepReport {
  const mismatches = checkExpectation(expect, outcome);
  // Reports cross thread boundaries: keep only plain data (handles and byte arrays normalised).
  const plain: StepOutcome = outcome.kind === 'ok' ? { ...outcome, value: normalizeValue(outcome.value) } : outcome;
  return { index, label: label(step), line: step.pos.line, outcome: plain, passed: mismatches.length === 0, mismatches };
}

async function debugStep(step: Step, isolated: boolean): Promise<never> {
  switch (step.call) {
    case 'crash':
      if (isolated) process.exit(70);
      throw new Error('debug crash: the case crashed (run in-process, so it threw instead of killing its worker)');
    case 'hang':
      if (isolated) for (;;) {
        // A synchronous spin: only terminating the worker stops it, which is what the timeout must do.
      }
      await new Promise<never>(() => undefined);
      throw new Error('unreachable');
    default:
      throw new Error('debug throw: the case threw');
  }
}

function checkReport(r: ModelStep, b: Bindings): StepReport {
  const { index, step } = r;
  const passed = r.holds === true;
  const names = [...new Set(referencedNames(step.call))].filter((n) => !CONSTANTS.has(n));
  const shown = names.map((n) => `${n}=${JSON.stringify(normalizeValue(b.lookup(n)))}`).join(', ');
  return {
    index,
    label: r.label,
    line: step.pos.line,
    outcome: { kind: 'ok', value: normalizeValue(r.outcome.kind === 'ok' ? r.outcome.value : undefined) },
    passed,
    mismatches: passed ? [] : [`check failed: ${step.call}${shown ? ` (${shown})` : ''}`],
  };
}

async function zirconRun(scenario: Scenario, isolated: boolean, hooks: ModelSessionHooks): Promise<StepReport[]> {
  const session = new ZirconModelSession(scenario.steps, scenario.kernel ?? {}, hooks);
  const b = session.bindings;
  const reports: StepReport[] = [];
  for (const step of scenario.steps) {
    if (step.kind === 'debug') await debugStep(step, isolated);
    // Resolved before the step binds its result, so an expectation sees the bindings the step itself saw.
    const expect = step.kind === 'check' || step.expect === undefined ? undefined : (resolveValue(step.expect, b) as Expectation);
    const r = session.step();
    if (r.kind === 'check') {
      reports.push(checkReport(r, b));
      continue;
    }
    reports.push(report(r.index, step, r.outcome, expect));
    // A failed step whose result later steps need stops the case: the rest would only cascade.
    if (r.outcome.kind !== 'ok' && step.bind !== undefined) break;
  }
  return reports;
}

async function linuxRun(scenario: Scenario, backend: BackendName, timeoutMs: number, isolated: boolean, hooks: ModelSessionHooks, profile?: KernelProfile, anonBacking?: AnonBackingDesign): Promise<{ reports: StepReport[]; stopped?: string; difference?: StarnixDifference }> {
  for (const step of scenario.steps) if (step.kind === 'debug') await debugStep(step, isolated);
  const run = backend === 'linux' ? await runOnProbe(scenario.steps, timeoutMs) : await runOnModelAsync(scenario.steps, hooks, profile, scenario.anonBacking ?? anonBacking);
  let difference: StarnixDifference | undefined;
  let failedYet = false;
  const reports = run.outcomes.map((o, i) => {
    const step = scenario.steps[i];
    const expect = step.expect === undefined ? undefined : (resolveValue(step.expect, run.bindings) as Expectation);
    const r = report(i, step, o, expect);
    if (!r.passed && !failedYet) {
      failedYet = true;
      if (backend === 'model' && (scenario.anonBacking ?? anonBacking) === 'per-mapping') difference = classifyStarnixDifference(step, expect as Record<string, unknown> | undefined, o);
    }
    return r;
  });
  return { reports, ...(run.stopped !== undefined ? { stopped: run.stopped } : {}), ...(difference ? { difference } : {}) };
}

/** Why a scenario cannot run on a backend here, or undefined. */
export function skipReason(scenario: Scenario, backend: BackendName): string | undefined {
  if (scenario.domain === 'zircon') return backend === 'model' ? undefined : 'Zircon scenarios run on the model only';
  return backend === 'linux' ? (linuxBackendUnavailable() ?? linuxProbeSkip(scenario.steps)) : (linuxModelUnavailable() ?? linuxModelSkip(scenario.steps));
}

/**
 * Runs one scenario on one backend and checks every expectation. Never throws: scenario mistakes, exceptions and
 * probe failures become a failed case with a message.
 * @public
 */
export async function runScenario(scenario: Scenario, options: RunCaseOptions): Promise<CaseResult> {
  const start = performance.now();
  // A case run in the per-mapping design without the scenario asking for it is a case of its own.
  const perMapping = options.anonBacking === 'per-mapping' && scenario.domain === 'linux' && scenario.anonBacking === undefined && options.backend === 'model';
  const base = {
    id: `${scenario.suite}/${scenario.name}${perMapping ? ' [per-mapping]' : ''}`,
    suite: scenario.suite,
    name: scenario.name,
    file: scenario.file,
    line: scenario.pos.line,
    source: scenario.source,
    ...(scenario.upstream !== undefined ? { upstream: scenario.upstream } : {}),
    backend: options.backend,
    ...(perMapping || scenario.anonBacking === 'per-mapping' ? { anonBacking: 'per-mapping' as const } : {}),
  };
  const done = (status: CaseResult['status'], steps: StepReport[], message?: string): CaseResult => ({
    ...base,
    status,
    ...(message !== undefined ? { message } : {}),
    durationMs: performance.now() - start,
    steps,
    outputs: steps.map((s) => normalizeOutcome(s.outcome)),
  });
  const skip = skipReason(scenario, options.backend);
  if (skip !== undefined) return { ...base, status: 'skipped', message: skip, durationMs: 0, steps: [] };
  const isolated = options.isolated ?? false;
  try {
    let reports: StepReport[];
    let stopped: string | undefined;
    let difference: StarnixDifference | undefined;
    const hooks = options.hooks ?? {};
    if (scenario.domain === 'zircon') reports = await zirconRun(scenario, isolated, hooks);
    else ({ reports, stopped, difference } = await linuxRun(scenario, options.backend, scenario.timeoutMs ?? options.timeoutMs ?? 30_000, isolated, hooks, options.profile, options.anonBacking));
    const bad = reports.find((r) => !r.passed);
    if (bad && difference !== undefined) {
      return { ...done('starnix-difference', reports, `expected Starnix difference ${difference} at step ${bad.index + 1} (${bad.label}, line ${bad.line}): ${STARNIX_DIFFERENCES[difference]}`), difference };
    }
    if (bad) {
      return done('failed', reports, `step ${bad.index + 1} (${bad.label}, line ${bad.line}): ${bad.mismatches.join('; ')}`);
    }
    if (stopped !== undefined) return done('failed', reports, `stopped after step ${reports.length}: ${stopped}`);
    if (reports.length < scenario.steps.length) {
      return done('failed', reports, `stopped after step ${reports.length} of ${scenario.steps.length}`);
    }
    return done('passed', reports);
  } catch (e) {
    const err = e as Error;
    const what = e instanceof ConformanceError ? 'scenario error' : 'crashed';
    return done('failed', [], `${what}: ${err.message ?? String(e)}`);
  }
}
