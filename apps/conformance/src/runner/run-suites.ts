import { availableParallelism } from 'node:os';
import { linuxBackendUnavailable } from '../backends/linux-probe.js';
import { linuxModelUnavailable } from '../backends/linux-model.js';
import type { BackendName, CaseResult } from '../engine/case.js';
import type { ScenarioProblem } from '../scenario/errors.js';
import type { Scenario } from '../scenario/types.js';
import { compareCases, type DiffResult } from './differential.js';
import { loadScenarios } from './discover.js';
import { runInProcess, runInWorkers, workerSpec, type CaseJob } from './pool.js';
import { resolveRunKernel, type RunKernel } from './host-profile.js';
import type { KernelProfile } from '@memsim/starnix-mm';

/**
 * Which backends to run: both by default (each scenario on every backend that applies to it).
 * @public
 */
export type BackendChoice = BackendName | 'both';

/**
 * Options of {@link runSuites}.
 * @public
 */
export interface RunSuitesOptions {
  /** Suites to run (default: all). */
  readonly suites?: readonly string[];
  /** Scenario files or directories (default: the shipped suites). */
  readonly paths?: readonly string[];
  readonly backend?: BackendChoice;
  /** Compare Linux scenarios across backends (default: on when the linux backend is available and both run). */
  readonly differential?: boolean;
  /** Parallel workers (default: all cores). */
  readonly jobs?: number;
  /** Run every case in this thread, one at a time (no isolation from crashes and hangs; fastest for a few cases). */
  readonly inProcess?: boolean;
  /** Per-case timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Already-parsed scenarios to run instead of loading files. */
  readonly scenarios?: readonly Scenario[];
  /** Called as each case finishes. */
  readonly onCase?: (result: CaseResult, done: number, total: number) => void;
  /** Called once the plan is known. */
  readonly onPlan?: (total: number) => void;
  /** The kernel profile the model follows (default: the host's, measured by the probe; else the model's own). */
  readonly profile?: KernelProfile;
  /**
   * The model's private anonymous backing in Linux cases: 'single' (default), 'per-mapping', or 'both' (every
   * model case of a Linux scenario runs a second time, as `<id> [per-mapping]`). A scenario's anon_backing wins.
   */
  readonly anonBacking?: 'single' | 'per-mapping' | 'both';
}

/**
 * One suite's row of the summary table.
 * @public
 */
export interface SuiteSummary {
  readonly suite: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Linux cases run in the per-mapping design that show one of its expected Starnix differences (only when any). */
  readonly starnixDifferences?: number;
  /** Differential cases compared, and how many agreed; the rate is agreed / compared (null when none). */
  readonly compared: number;
  readonly agreed: number;
  readonly agreementRate: number | null;
  /**
   * Cases porting an upstream test (see `Scenario.upstream`) that ran, and how many of them agree with it (passed):
   * the "agrees with Zircon core tests" count.
   */
  readonly upstreamRun: number;
  readonly upstreamAgreed: number;
}

/**
 * Everything a run produced.
 * @public
 */
export interface RunReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly backends: readonly BackendName[];
  /** One line each when a backend could not run here. */
  readonly unavailable: Readonly<Partial<Record<BackendName | 'linux-on-model', string>>>;
  readonly differential: boolean;
  readonly cases: readonly CaseResult[];
  readonly comparisons: readonly DiffResult[];
  readonly suites: readonly SuiteSummary[];
  /** Malformed scenario files (these make the exit status 2). */
  readonly inputErrors: readonly ScenarioProblem[];
  /** The host kernel's release and the kernel profile the model followed. */
  readonly kernel: RunKernel;
}

function plan(scenarios: readonly Scenario[], backends: readonly BackendName[], differential: boolean, profile: KernelProfile, anonBacking: 'single' | 'per-mapping' | 'both'): CaseJob[] {
  const jobs: CaseJob[] = [];
  if (anonBacking !== 'single') {
    for (const s of scenarios) {
      if (s.domain === 'linux' && s.anonBacking === undefined && backends.includes('model')) jobs.push({ scenario: s, backend: 'model', profile, anonBacking: 'per-mapping' });
    }
    if (anonBacking === 'per-mapping') scenarios = scenarios.filter((s) => s.domain !== 'linux' || s.anonBacking !== undefined);
  }
  for (const s of scenarios) {
    for (const b of backends) {
      if (s.domain === 'zircon' && b !== 'model') continue;
      jobs.push({ scenario: s, backend: b, profile });
    }
    // Differential Linux cases need both sides even when one backend was asked for.
    if (differential && s.domain === 'linux' && s.differential) {
      for (const b of ['model', 'linux'] as const) if (!backends.includes(b)) jobs.push({ scenario: s, backend: b, profile });
    }
  }
  // Slow Linux cases first, so the parallel tail is short.
  return jobs.sort((a, b) => (a.backend === b.backend ? 0 : a.backend === 'linux' ? -1 : 1));
}

/**
 * Summarises results per suite.
 * @public
 */
export function summarize(cases: readonly CaseResult[], comparisons: readonly DiffResult[]): SuiteSummary[] {
  const suites = [...new Set(cases.map((c) => c.suite))].sort();
  return suites.map((suite) => {
    const mine = cases.filter((c) => c.suite === suite);
    const cmp = comparisons.filter((c) => c.suite === suite && c.compared);
    const agreed = cmp.filter((c) => c.agree).length;
    const upstream = mine.filter((c) => c.upstream !== undefined && c.status !== 'skipped');
    return {
      suite,
      passed: mine.filter((c) => c.status === 'passed').length,
      failed: mine.filter((c) => c.status === 'failed').length,
      skipped: mine.filter((c) => c.status === 'skipped').length,
      ...(mine.some((c) => c.status === 'starnix-difference') ? { starnixDifferences: mine.filter((c) => c.status === 'starnix-difference').length } : {}),
      compared: cmp.length,
      agreed,
      agreementRate: cmp.length === 0 ? null : agreed / cmp.length,
      upstreamRun: upstream.length,
      upstreamAgreed: upstream.filter((c) => c.status === 'passed').length,
    };
  });
}

/**
 * Loads and runs scenarios, in worker threads unless `inProcess`, and compares backends.
 * @public
 */
export async function runSuites(options: RunSuitesOptions = {}): Promise<RunReport> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const loaded = options.scenarios
    ? { scenarios: [...options.scenarios], problems: [] }
    : loadScenarios(options.paths ?? [], options.suites ?? []);
  const linuxDown = linuxBackendUnavailable();
  const modelDown = linuxModelUnavailable();
  const choice = options.backend ?? 'both';
  const backends: BackendName[] = choice === 'both' ? ['model', 'linux'] : [choice];
  // Asking for one backend means no comparison unless --differential says otherwise.
  const differential = options.differential ?? (linuxDown === undefined && choice === 'both');
  const kernel = await resolveRunKernel(options.profile);
  const jobs = plan(loaded.scenarios, backends, differential, kernel.profile, options.anonBacking ?? 'single');
  const total = jobs.length;
  options.onPlan?.(total);
  const results: CaseResult[] = [];
  const onResult = (r: CaseResult): void => {
    results.push(r);
    options.onCase?.(r, results.length, total);
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const jobsN = Math.max(1, options.jobs ?? availableParallelism());
  // Even one job runs in a worker: only a worker can be stopped when a model call never returns.
  const spec = options.inProcess ? undefined : workerSpec();
  if (spec === undefined) await runInProcess(jobs, timeoutMs, onResult);
  else await runInWorkers(jobs, jobsN, timeoutMs, spec, onResult);

  const order = (c: CaseResult): string => `${c.suite}\u0000${c.file}\u0000${String(c.line).padStart(8, '0')}\u0000${c.backend}`;
  results.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const comparisons = differential ? compareCases(loaded.scenarios, results) : [];
  const unavailable: Partial<Record<BackendName | 'linux-on-model', string>> = {};
  if (linuxDown !== undefined) unavailable.linux = linuxDown;
  if (modelDown !== undefined) unavailable['linux-on-model'] = modelDown;
  return {
    startedAt,
    durationMs: performance.now() - t0,
    backends,
    unavailable,
    differential,
    cases: results,
    comparisons,
    suites: summarize(results, comparisons),
    inputErrors: loaded.problems,
    kernel,
  };
}
