import { runScenario, type CaseResult, type Scenario } from '@memsim/conformance';
import { DEFAULT_KERNEL_PROFILE, describeKernelProfile, type KernelProfile } from '@memsim/starnix-mm';
import type { Colors } from '../cli/io.js';
import { checkStep } from '../model/open.js';

/**
 * The outcome of `memsim run`: the conformance runner's case result on the model, for the first `step` steps.
 * @public
 */
export interface RunResult {
  readonly scenario: string;
  readonly file: string;
  /** Steps run (the whole scenario unless `--step`). */
  readonly stepsRun: number;
  readonly totalSteps: number;
  readonly result: CaseResult;
  /** The kernel profile the model followed (Linux scenarios only). */
  readonly profile?: KernelProfile;
}

/**
 * Runs a scenario (or its first `step` steps) on the model through the conformance runner.
 * @public
 */
export async function runCommand(scenario: Scenario, step?: number, profile?: KernelProfile): Promise<RunResult> {
  const n = checkStep(scenario, step);
  const cut: Scenario = { ...scenario, steps: scenario.steps.slice(0, n) };
  const result = await runScenario(cut, { backend: 'model', ...(profile ? { profile } : {}) });
  const used = scenario.domain === 'linux' ? { profile: profile ?? DEFAULT_KERNEL_PROFILE } : {};
  return { scenario: scenario.name, file: scenario.file, stepsRun: n, totalSteps: scenario.steps.length, result, ...used };
}

function describe(o: CaseResult['steps'][number]['outcome']): string {
  switch (o.kind) {
    case 'ok': {
      const s = JSON.stringify(o.value);
      return `ok ${s && s.length > 90 ? `${s.slice(0, 87)}...` : s}`;
    }
    case 'status':
      return o.status;
    case 'errno':
      return o.errno;
    case 'fault':
      return `${o.signal}/${o.code}${o.fault ? ` (${o.fault})` : ''}`;
  }
}

/** Human-readable lines of a run. */
export function formatRun(r: RunResult, c: Colors): string {
  const res = r.result;
  const lines = [c.bold(`${r.scenario}`) + c.dim(` (${res.suite}, ${r.file}:${res.line})`)];
  if (r.profile) lines.push(c.dim(`kernel profile ${describeKernelProfile(r.profile)}`));
  const width = String(r.stepsRun).length;
  for (const s of res.steps) {
    const tag = s.passed ? c.green('ok  ') : c.red('FAIL');
    lines.push(`  ${String(s.index + 1).padStart(width)} ${tag} ${s.label.padEnd(26)} ${describe(s.outcome)}`);
    for (const m of s.mismatches) lines.push(`  ${' '.repeat(width)}      ${c.red(m)}`);
  }
  const upTo = r.stepsRun < r.totalSteps ? ` (stopped after step ${r.stepsRun} of ${r.totalSteps})` : '';
  const status = res.status === 'passed' ? c.green('passed') : res.status === 'failed' ? c.red('failed') : c.yellow(res.status === 'skipped' ? 'skipped' : 'expected Starnix difference');
  lines.push(`${status}${upTo}${res.message ? `: ${res.message}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Whether a run failed because the scenario itself is wrong (an unbound name, a bad argument value): the runner
 * reports those as a failed case whose message starts with `scenario error:`. The CLI exits 2 for them.
 */
export function isScenarioError(r: RunResult): boolean {
  return r.result.status === 'failed' && (r.result.message ?? '').startsWith('scenario error:');
}

/** The closing line of a run over several scenarios. */
export function formatRunSummary(rs: readonly RunResult[], c: Colors): string {
  const count = (st: string): number => rs.filter((r) => r.result.status === st).length;
  const failed = count('failed');
  const text = `${rs.length} scenarios: ${count('passed')} passed, ${failed} failed, ${count('skipped')} skipped`;
  return `${failed > 0 ? c.red(text) : c.green(text)}\n`;
}

/** JSON form of a run (stable keys, for machines). */
export function runJson(r: RunResult): unknown {
  const res = r.result;
  return {
    scenario: r.scenario,
    suite: res.suite,
    file: r.file,
    status: res.status,
    ...(res.message !== undefined ? { message: res.message } : {}),
    stepsRun: r.stepsRun,
    totalSteps: r.totalSteps,
    ...(r.profile ? { profile: r.profile } : {}),
    steps: res.steps.map((s) => ({ step: s.index + 1, label: s.label, line: s.line, passed: s.passed, outcome: s.outcome, mismatches: s.mismatches })),
  };
}
