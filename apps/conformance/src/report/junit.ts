import type { RunReport } from '../runner/run-suites.js';
import { escapeXml as x } from './escape.js';
import { describeKernelProfile } from '@memsim/starnix-mm';

/**
 * JUnit XML: one `<testsuite>` per suite, one `<testcase>` per case and backend (`classname` = suite.backend);
 * failures carry the message, skips the one-line reason, differential divergences a failure of their own.
 * @public
 */
export function toJunit(report: RunReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = report.cases.filter((c) => c.status === 'failed').length + report.comparisons.filter((d) => d.compared && !d.agree).length;
  out.push(
    `<testsuites name="memsim-conformance" tests="${report.cases.length + report.comparisons.length}" failures="${failures}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  );
  for (const s of report.suites) {
    const cases = report.cases.filter((c) => c.suite === s.suite);
    const diffs = report.comparisons.filter((d) => d.suite === s.suite);
    const time = cases.reduce((a, c) => a + c.durationMs, 0) / 1000;
    const fails = s.failed + diffs.filter((d) => d.compared && !d.agree).length;
    const skips = s.skipped + diffs.filter((d) => !d.compared).length;
    out.push(`  <testsuite name="${x(s.suite)}" tests="${cases.length + diffs.length}" failures="${fails}" errors="0" skipped="${skips}" time="${time.toFixed(3)}">`);
    out.push('    <properties>');
    out.push(`      <property name="kernel" value="${x(report.kernel.kernel)}"/>`);
    out.push(`      <property name="profile" value="${x(describeKernelProfile(report.kernel.profile))}"/>`);
    if (report.kernel.note !== undefined) out.push(`      <property name="profile-note" value="${x(report.kernel.note)}"/>`);
    out.push('    </properties>');
    for (const c of cases) {
      out.push(`    <testcase classname="${x(`${c.suite}.${c.backend}`)}" name="${x(c.name)}" file="${x(c.file)}" line="${c.line}" time="${(c.durationMs / 1000).toFixed(3)}">`);
      if (c.status === 'failed') out.push(`      <failure message="${x((c.message ?? 'failed').split('\n')[0])}">${x(c.message ?? '')}\nsource: ${x(c.source)}</failure>`);
      if (c.status === 'skipped' || c.status === 'starnix-difference') out.push(`      <skipped message="${x(c.message ?? '')}"/>`);
      out.push('    </testcase>');
    }
    for (const d of diffs) {
      out.push(`    <testcase classname="${x(`${d.suite}.differential`)}" name="${x(d.id.slice(d.suite.length + 1))}">`);
      if (!d.compared) out.push(`      <skipped message="${x(d.reason ?? 'not compared')}"/>`);
      else if (!d.agree && d.divergence) {
        const msg = `model and Linux differ at step ${d.divergence.step} (line ${d.divergence.line})`;
        out.push(`      <failure message="${x(msg)}">model: ${x(JSON.stringify(d.divergence.model))}\nlinux: ${x(JSON.stringify(d.divergence.linux))}\nkernel ${x(report.kernel.kernel)}, model profile ${x(describeKernelProfile(report.kernel.profile))}</failure>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
