/**
 * The per-design summary lines of a run that ran Linux cases in both of Starnix's designs for private anonymous
 * memory (`--anon-backing both`, the CLI's default): how the default 'single' design and the 'per-mapping' one did,
 * and which named, expected Starnix differences the per-mapping cases showed.
 */
import type { CaseResult } from '../engine/case.js';

function cases_(n: number): string {
  return `${n} case${n === 1 ? '' : 's'}`;
}

function counts(cases: readonly CaseResult[]): string {
  const n = (s: CaseResult['status']): number => cases.filter((c) => c.status === s).length;
  const parts = [`${n('passed')} passed`, `${n('failed')} failed`];
  if (n('skipped') > 0) parts.push(`${n('skipped')} skipped`);
  return parts.join(', ');
}

/**
 * One line per design for the Linux cases the model ran, or [] when no case ran in the per-mapping design.
 * @public
 */
export function designLines(cases: readonly CaseResult[]): string[] {
  // The model's cases in the per-mapping design: the reruns '<id> [per-mapping]' and the scenarios pinned to it.
  const perMapping = cases.filter((c) => c.backend === 'model' && c.anonBacking === 'per-mapping');
  if (perMapping.length === 0) return [];
  // The same Linux cases in the default design (those that were rerun).
  const ids = new Set(perMapping.map((c) => c.id.replace(/ \[per-mapping\]$/, '')));
  const single = cases.filter((c) => c.backend === 'model' && c.anonBacking === undefined && ids.has(c.id));
  const byName = new Map<string, number>();
  for (const c of perMapping) if (c.status === 'starnix-difference') byName.set(c.difference ?? '?', (byName.get(c.difference ?? '?') ?? 0) + 1);
  const diffs = [...byName].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, k]) => `${name} ${k}`);
  const expected = diffs.length === 0 ? '0 expected Starnix differences' : `${[...byName.values()].reduce((a, b) => a + b, 0)} expected Starnix differences (${diffs.join(', ')})`;
  return [
    `Linux cases on the model, by design of private anonymous memory:`,
    `  single (default, today's Starnix): ${cases_(single.length)}: ${counts(single)}`,
    `  per-mapping ('<id> [per-mapping]', and scenarios pinned to it): ${cases_(perMapping.length)}: ${counts(perMapping)}, ${expected}`,
    `  expected Starnix differences are neither passes nor failures; a failure in either design makes the exit status 1`,
  ];
}
