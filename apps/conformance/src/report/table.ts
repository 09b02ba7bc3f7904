import pc from 'picocolors';
import type { RunReport, SuiteSummary } from '../runner/run-suites.js';

/**
 * The agreement cell: the differential rate with Linux, and/or how many ported upstream tests the model agrees with.
 * @public
 */
export function agreementCell(s: Pick<SuiteSummary, 'agreed' | 'compared' | 'upstreamAgreed' | 'upstreamRun'>): string {
  const parts: string[] = [];
  if (s.compared > 0) parts.push(`${((s.agreed / s.compared) * 100).toFixed(1)}% (${s.agreed}/${s.compared}) with Linux`);
  if (s.upstreamRun > 0) parts.push(`agrees with Zircon core tests: ${s.upstreamAgreed}/${s.upstreamRun}`);
  return parts.length === 0 ? 'n/a' : parts.join('; ');
}

/**
 * The summary table: one row per suite (passed, failed, skipped, the expected Starnix differences of per-mapping
 * cases when the run has any, agreement rate with Linux) and a total.
 * @public
 */
export function renderTable(report: RunReport, color = false): string {
  const c = color ? pc : { green: String, red: String, yellow: String, bold: String, dim: String };
  // The expected Starnix differences of per-mapping cases get a column only in runs that have some.
  const diffs = report.suites.some((s) => (s.starnixDifferences ?? 0) > 0);
  const rows = report.suites.map((s) => [s.suite, String(s.passed), String(s.failed), String(s.skipped), ...(diffs ? [String(s.starnixDifferences ?? 0)] : []), agreementCell(s)]);
  const tot = report.suites.reduce(
    (a, s) => ({
      p: a.p + s.passed,
      f: a.f + s.failed,
      k: a.k + s.skipped,
      d: a.d + (s.starnixDifferences ?? 0),
      compared: a.compared + s.compared,
      agreed: a.agreed + s.agreed,
      upstreamRun: a.upstreamRun + s.upstreamRun,
      upstreamAgreed: a.upstreamAgreed + s.upstreamAgreed,
    }),
    { p: 0, f: 0, k: 0, d: 0, compared: 0, agreed: 0, upstreamRun: 0, upstreamAgreed: 0 },
  );
  rows.push(['total', String(tot.p), String(tot.f), String(tot.k), ...(diffs ? [String(tot.d)] : []), agreementCell(tot)]);
  const head = ['suite', 'passed', 'failed', 'skipped', ...(diffs ? ['Starnix diff.'] : []), 'agreement'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], paint?: (i: number, s: string) => string): string =>
    cells.map((x, i) => (paint ? paint(i, i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i])) : i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [c.bold(line(head)), sep];
  rows.forEach((r, k) => {
    if (k === rows.length - 1) out.push(sep);
    out.push(
      line(r, (i, s) => {
        if (i === 1 && r[1] !== '0') return c.green(s);
        if (i === 2 && r[2] !== '0') return c.red(s);
        if (i === 3 && r[3] !== '0') return c.yellow(s);
        return s;
      }),
    );
  });
  return out.join('\n');
}
