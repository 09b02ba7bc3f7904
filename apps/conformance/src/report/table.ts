import pc from 'picocolors';
import type { RunReport, SuiteSummary } from '../runner/run-suites.js';

function rate(s: SuiteSummary): string {
  return s.agreementRate === null ? 'n/a' : `${(s.agreementRate * 100).toFixed(1)}% (${s.agreed}/${s.compared})`;
}

/**
 * The summary table: one row per suite (passed, failed, skipped, agreement rate with Linux) and a total.
 * @public
 */
export function renderTable(report: RunReport, color = false): string {
  const c = color ? pc : { green: String, red: String, yellow: String, bold: String, dim: String };
  const rows = report.suites.map((s) => [s.suite, String(s.passed), String(s.failed), String(s.skipped), rate(s)]);
  const tot = report.suites.reduce(
    (a, s) => ({ p: a.p + s.passed, f: a.f + s.failed, k: a.k + s.skipped, c: a.c + s.compared, g: a.g + s.agreed }),
    { p: 0, f: 0, k: 0, c: 0, g: 0 },
  );
  rows.push(['total', String(tot.p), String(tot.f), String(tot.k), tot.c === 0 ? 'n/a' : `${((tot.g / tot.c) * 100).toFixed(1)}% (${tot.g}/${tot.c})`]);
  const head = ['suite', 'passed', 'failed', 'skipped', 'agreement with Linux'];
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
