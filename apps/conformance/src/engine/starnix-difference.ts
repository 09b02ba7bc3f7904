/**
 * Named differences from Linux that Starnix's 'per-mapping' design shows Linux programs (docs/architecture.md,
 * "Per-mapping differences"). A Linux case run on the model in that design whose first failing step is one of them
 * is reported as that expected Starnix difference: not a pass, not a failure.
 */
import type { StepOutcome } from './outcome.js';
import type { Step } from '../scenario/types.js';

/**
 * The expected differences of the per-mapping design, each with its cause.
 * @public
 */
export const STARNIX_DIFFERENCES = {
  'unmerged-anon-neighbours': 'adjacent private anonymous mappings made by different calls have different VMOs, so they stay separate VMAs where Linux merges them',
  'remap-across-unmerged-vmas': 'an mremap of a range Linux holds in one merged VMA spans two VMAs, so it fails with EFAULT where Linux succeeds',
  'sibling-past-resized-vmo': 'a munmap that cuts a mapping resizes its VMO; split-off pieces of the same mapping above the cut then fault with SIGBUS',
} as const;

/**
 * The name of one expected per-mapping difference.
 * @public
 */
export type StarnixDifference = keyof typeof STARNIX_DIFFERENCES;

const ANON_LINE = /^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-]p 00000000 00:00 0\s*(\[.*\])?$/;

function mergeLines(lines: readonly string[]): string[] {
  const out: [number, number, string][] = [];
  for (const raw of lines) {
    const l = raw.trimEnd().replace(/\s+/g, ' ');
    const m = /^([0-9a-f]+)-([0-9a-f]+) (.*)$/.exec(l);
    if (!m) {
      out.push([0, 0, l]);
      continue;
    }
    const [s, e, rest] = [parseInt(m[1], 16), parseInt(m[2], 16), m[3]];
    const last = out[out.length - 1];
    if (last && last[1] === s && last[2] === rest && ANON_LINE.test(l)) last[1] = e;
    else out.push([s, e, rest]);
  }
  return out.map(([s, e, r]) => `${s.toString(16)}-${e.toString(16)} ${r}`);
}

/** Which expected difference the first failing step shows (given its expectation and outcome), if any. */
export function classifyStarnixDifference(step: Step, expect: Record<string, unknown> | undefined, outcome: StepOutcome): StarnixDifference | undefined {
  const e = expect ?? {};
  if (step.kind === 'linux' && step.call === 'maps' && Array.isArray(e['maps']) && outcome.kind === 'ok' && Array.isArray(outcome.value)) {
    const got = (outcome.value as unknown[]).map(String);
    const want = (e['maps'] as unknown[]).map(String);
    if (got.length > want.length && JSON.stringify(mergeLines(got)) === JSON.stringify(mergeLines(want))) return 'unmerged-anon-neighbours';
    return undefined;
  }
  if (step.kind === 'linux' && step.call === 'mremap' && outcome.kind === 'errno' && outcome.errno === 'EFAULT' && e['errno'] === undefined) return 'remap-across-unmerged-vmas';
  if (outcome.kind === 'fault' && outcome.signal === 'SIGBUS' && e['signal'] === undefined) return 'sibling-past-resized-vmo';
  return undefined;
}
