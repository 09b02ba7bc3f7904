import { normalizeOutcome } from '../engine/outcome.js';
import type { RunReport } from '../runner/run-suites.js';

/**
 * The `--json` document: the run's settings, per-suite summary, every case with its steps, and the comparisons.
 * @public
 */
export function toJsonReport(report: RunReport): Record<string, unknown> {
  return {
    schema: 'memsim-conformance-report/1',
    startedAt: report.startedAt,
    durationMs: Math.round(report.durationMs),
    backends: report.backends,
    unavailable: report.unavailable,
    differential: report.differential,
    kernel: report.kernel.kernel,
    profile: report.kernel.profile,
    ...(report.kernel.note !== undefined ? { profileNote: report.kernel.note } : {}),
    suites: report.suites,
    inputErrors: report.inputErrors,
    cases: report.cases.map((c) => ({
      id: c.id,
      suite: c.suite,
      name: c.name,
      backend: c.backend,
      status: c.status,
      ...(c.message !== undefined ? { message: c.message } : {}),
      file: c.file,
      line: c.line,
      source: c.source,
      durationMs: Math.round(c.durationMs * 100) / 100,
      steps: c.steps.map((s) => ({
        step: s.index + 1,
        call: s.label,
        line: s.line,
        passed: s.passed,
        outcome: normalizeOutcome(s.outcome),
        ...(s.mismatches.length ? { mismatches: s.mismatches } : {}),
      })),
    })),
    comparisons: report.comparisons,
  };
}
