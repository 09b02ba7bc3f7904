import { normalizeOutcome } from '../engine/outcome.js';
import type { RunReport } from '../runner/run-suites.js';
import { escapeXml as h } from './escape.js';
import { kernelLine } from '../runner/host-profile.js';
import { agreementCell } from './table.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2129;background:#fff}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}th,td{padding:.3rem .7rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f4f6f8}.passed{color:#1a7f37}.failed{color:#cf222e;font-weight:600}.skipped{color:#9a6700}
details{margin:.2rem 0}summary{cursor:pointer}code,pre{font:12px ui-monospace,monospace}pre{background:#f6f8fa;padding:.5rem;overflow:auto;white-space:pre-wrap}
.num{text-align:right}.muted{color:#57606a}input{margin:0 0 1rem;padding:.3rem;width:20rem}
`;

const SCRIPT = `
document.getElementById('q').addEventListener('input',function(e){var q=e.target.value.toLowerCase();
document.querySelectorAll('tr.case').forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':''});});
`;

/**
 * A self-contained HTML page (inline style and script, no external resources) a person can open: the summary table,
 * every case with its steps, and the differential comparisons.
 * @public
 */
export function toHtml(report: RunReport): string {
  const rows = report.suites
    .map(
      (s) =>
        `<tr><td>${h(s.suite)}</td><td class="num passed">${s.passed}</td><td class="num ${s.failed ? 'failed' : ''}">${s.failed}</td><td class="num">${s.skipped}</td><td class="num">${h(agreementCell(s))}</td></tr>`,
    )
    .join('');
  const cases = report.cases
    .map((c) => {
      const steps = c.steps
        .map((s) => `${s.passed ? '✓' : '✗'} ${s.index + 1}. ${s.label} (line ${s.line}) → ${JSON.stringify(normalizeOutcome(s.outcome))}${s.mismatches.length ? `\n    ${s.mismatches.join('\n    ')}` : ''}`)
        .join('\n');
      return `<tr class="case"><td>${h(c.suite)}</td><td><details><summary>${h(c.name)}</summary><div class="muted">${h(c.source)}<br>${h(c.file)}:${c.line}</div><pre>${h(steps || '(no steps ran)')}</pre></details></td><td>${c.backend}</td><td class="${c.status}">${c.status}</td><td>${h(c.message ?? '')}</td><td class="num">${c.durationMs.toFixed(1)}</td></tr>`;
    })
    .join('\n');
  const diffs = report.comparisons
    .filter((d) => d.compared && !d.agree)
    .map((d) => `<tr><td>${h(d.id)}</td><td>${d.divergence?.step ?? ''}</td><td><code>${h(JSON.stringify(d.divergence?.model))}</code></td><td><code>${h(JSON.stringify(d.divergence?.linux))}</code></td></tr>`)
    .join('');
  const unavailable = Object.entries(report.unavailable)
    .map(([k, v]) => `<li>${h(k)}: ${h(String(v))}</li>`)
    .join('');
  const bad = report.inputErrors.map((p) => `<li><code>${h(`${p.file}:${p.line}:${p.column}`)}</code> ${h(p.message)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>memsim conformance report</title><style>${STYLE}</style></head><body>
<h1>memsim conformance report</h1>
<p class="muted">Started ${h(report.startedAt)}, ${(report.durationMs / 1000).toFixed(1)} s, backends: ${h(report.backends.join(', '))}, differential: ${report.differential ? 'on' : 'off'}</p>
<p class="muted">${h(kernelLine(report.kernel))}</p>
${unavailable ? `<ul>${unavailable}</ul>` : ''}${bad ? `<h2>Malformed scenario files</h2><ul>${bad}</ul>` : ''}
<table><thead><tr><th>suite</th><th>passed</th><th>failed</th><th>skipped</th><th>agreement</th></tr></thead><tbody>${rows}</tbody></table>
${diffs ? `<h2>Divergences between the model and Linux</h2><table><thead><tr><th>case</th><th>step</th><th>model</th><th>linux</th></tr></thead><tbody>${diffs}</tbody></table>` : ''}
<h2>Cases</h2><input id="q" placeholder="filter cases" aria-label="filter cases">
<table><thead><tr><th>suite</th><th>case</th><th>backend</th><th>status</th><th>message</th><th>ms</th></tr></thead><tbody>
${cases}
</tbody></table>
<script>${SCRIPT}</script>
</body></html>
`;
}
