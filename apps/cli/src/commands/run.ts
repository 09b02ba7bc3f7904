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
  const status = res.status === 'passed' ? c.green('passed') : res.status === 'failed' ? c.red('failed') : c.yellow('skipped');
  lines.push(`${status}${upTo}${res.message ? `: ${res.message}` : ''}`);
  return `${lines.join('\n')}\n`;
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
