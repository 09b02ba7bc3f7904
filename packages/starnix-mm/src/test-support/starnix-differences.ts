/**
 * The differences from Linux that Starnix's 'per-mapping' design shows Linux programs (docs/architecture.md,
 * "Per-mapping differences"). A differential run in that design names the first disagreement of a sequence with one
 * of them when it fits, and counts the sequence as an expected Starnix difference (the calls after it inherit its
 * different state, so they are not compared further). Anything else stays a failure.
 */
import type { Disagreement } from './compare.js';

/** Each expected difference of the per-mapping design, with its cause. */
export const PER_MAPPING_DIFFERENCES = {
  'unmerged-anon-neighbours':
    'adjacent private anonymous mappings made by different mmap, brk or stack-growth calls have different VMOs, so they stay separate VMAs where Linux merges them (/proc/pid/maps and smaps show more lines)',
  'remap-across-unmerged-vmas':
    'an mremap of a range Linux holds in one merged VMA spans two VMAs in Starnix, so it fails with EFAULT (or moves less) where Linux succeeds',
  'sibling-past-resized-vmo':
    'a munmap that cuts a mapping resizes its VMO down; pieces of the same mapping above the cut that mprotect or madvise had split off and that did not get a snapshot child now lie past the end of the VMO and fault with SIGBUS',
} as const;

/** The name of an expected per-mapping difference. */
export type PerMappingDifference = keyof typeof PER_MAPPING_DIFFERENCES;

type MapsLine = string;

const value = (x: unknown): unknown => (x && typeof x === 'object' && 'value' in x ? (x).value : undefined);

/** maps lines as [start, end, rest]. */
function parse(lines: readonly MapsLine[]): [number, number, string][] {
  return lines.map((l) => {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (.*)$/.exec(l);
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), m[3]] : [0, 0, l];
  });
}

/** Merges adjacent lines with the same attributes (what Linux would have merged). */
function mergeAdjacent(lines: readonly MapsLine[]): string[] {
  const out: [number, number, string][] = [];
  for (const [s, e, r] of parse(lines)) {
    const last = out[out.length - 1];
    if (last && last[1] === s && last[2] === r && /^[r-][w-][x-]p 00000000 00:00 0\s*(\[.*\])?$/.test(r)) last[1] = e;
    else out.push([s, e, r]);
  }
  return out.map(([s, e, r]) => `${s.toString(16)}-${e.toString(16)} ${r}`);
}

function normal(lines: readonly MapsLine[]): string[] {
  return mergeAdjacent(lines.map((l) => l.replace(/\s+/g, ' ').trim()));
}

/** Names the per-mapping difference a sequence's first disagreement shows, or undefined if it is none of them. */
export function classifyPerMapping(d: Disagreement): PerMappingDifference | undefined {
  const l = value(d.linux);
  const m = value(d.model);
  const op = d.op.op;
  if ((op === 'maps' || op === 'smaps') && Array.isArray(l) && Array.isArray(m)) {
    const lines = (x: unknown[]): string[] => x.map((e) => (typeof e === 'string' ? e : (e as { line: string }).line));
    if (m.length > l.length && JSON.stringify(normal(lines(m))) === JSON.stringify(normal(lines(l)))) return 'unmerged-anon-neighbours';
    return undefined;
  }
  const err = (x: unknown): string | undefined => (x && typeof x === 'object' && 'errno' in x ? String((x).errno) : undefined);
  const signal = (x: unknown): string | undefined => {
    const v = value(x) ?? x;
    return v && typeof v === 'object' && 'signal' in v ? String((v).signal) : undefined;
  };
  if (op === 'mremap' && err(d.model) === 'EFAULT' && err(d.linux) === undefined) return 'remap-across-unmerged-vmas';
  if (signal(d.model) === 'SIGBUS' && signal(d.linux) !== 'SIGBUS') return 'sibling-past-resized-vmo';
  return undefined;
}
