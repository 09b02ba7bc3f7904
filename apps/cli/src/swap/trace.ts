import { CliError } from '../cli/errors.js';
import { mulberry32 } from '@memsim/zircon-objects';

/**
 * One event of a swap trace.
 * @public
 */
export type TraceEvent =
  | { readonly op: 'read' | 'write'; readonly page: number; readonly line: number }
  | { readonly op: 'freeze' | 'thaw'; readonly line: number }
  | { readonly op: 'wait'; readonly seconds: number; readonly line: number }
  | { readonly op: 'pressure'; readonly level: 'none' | 'moderate' | 'critical'; readonly line: number };

/**
 * A parsed swap trace: a mapping of `pages` pages and the events replayed on it.
 * @public
 */
export interface SwapTrace {
  readonly pages: number;
  readonly events: readonly TraceEvent[];
}

/** Largest mapping a trace may ask for (1 GiB of 4 KiB pages): keeps a typo from allocating the machine away. */
export const MAX_TRACE_PAGES = 262_144;

/** Most accesses `generateTrace` writes (a trace of this many lines is about 100 MB). */
export const MAX_TRACE_ACCESSES = 10_000_000;

/**
 * Parses the text format (see the README): `pages N` first, then one event per line; `#` starts a comment.
 * Every malformed line is a `BAD_INPUT` error naming `file:line`.
 * @public
 */
export function parseTrace(text: string, file = '<trace>'): SwapTrace {
  let pages: number | undefined;
  const events: TraceEvent[] = [];
  const lines = text.split(/\r?\n/);
  const fail = (line: number, msg: string): never => {
    throw new CliError('BAD_INPUT', `${file}:${line}: ${msg}`);
  };
  const int = (s: string | undefined, line: number, what: string, max: number): number => {
    if (s === undefined || !/^\d+$/.test(s)) return fail(line, `${what} must be a non-negative integer, got '${s ?? ''}'`);
    const v = Number(s);
    if (!Number.isSafeInteger(v) || v > max) return fail(line, `${what} ${s} is out of range (at most ${max})`);
    return v;
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    const words = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [op, arg, extra] = words;
    if (extra !== undefined) fail(line, `unexpected '${extra}'`);
    if (op === 'pages') {
      if (pages !== undefined) fail(line, "'pages' given twice");
      pages = int(arg, line, 'pages', MAX_TRACE_PAGES);
      if (pages === 0) fail(line, 'pages must be at least 1');
      return;
    }
    if (pages === undefined) fail(line, "the trace must start with 'pages N'");
    switch (op) {
      case 'r':
      case 'w': {
        const page = int(arg, line, 'page', Number.MAX_SAFE_INTEGER);
        if (page >= pages!) fail(line, `page ${page} is outside the ${pages}-page mapping`);
        events.push({ op: op === 'r' ? 'read' : 'write', page, line });
        return;
      }
      case 'freeze':
      case 'thaw':
        if (arg !== undefined) fail(line, `'${op}' takes no argument`);
        events.push({ op, line });
        return;
      case 'wait':
        events.push({ op: 'wait', seconds: int(arg, line, 'seconds', 10 * 365 * 86_400), line });
        return;
      case 'pressure': {
        const level = arg ?? 'moderate';
        if (level !== 'none' && level !== 'moderate' && level !== 'critical') fail(line, `pressure must be none, moderate or critical, got '${level}'`);
        events.push({ op: 'pressure', level: level as 'none' | 'moderate' | 'critical', line });
        return;
      }
      default:
        fail(line, `unknown event '${op}' (expected r, w, freeze, thaw, wait, pressure)`);
    }
  });
  if (pages === undefined) fail(lines.length, "empty trace: it must start with 'pages N'");
  return { pages: pages!, events };
}

/**
 * Shapes of synthetic traces.
 * @public
 */
export const SHAPES = ['sequential', 'random', 'working-set', 'zipf', 'background-tab'] as const;

/** @public */
export type TraceShape = (typeof SHAPES)[number];

/**
 * Options of {@link generateTrace}.
 * @public
 */
export interface GenerateOptions {
  readonly shape: TraceShape;
  readonly pages: number;
  readonly accesses: number;
  readonly seed: number;
}


/**
 * A synthetic trace. Every shape first writes every page (a renderer building its heap), then runs `accesses`
 * accesses in phases; between phases the renderer is frozen for 61 s and memory pressure makes the policy walk,
 * so swapped pages are faulted back by the next phase.
 *
 * - `sequential`: scans pages in order (streaming; every swapped page comes back).
 * - `random`: uniform accesses (no locality; worst case for swap).
 * - `working-set`: 90% of accesses hit a hot 10% of pages that drifts each phase.
 * - `zipf`: skewed popularity (a few pages very hot, a long cold tail).
 * - `background-tab`: long idle periods with few accesses (the case ChromeOS swap targets).
 * @public
 */
export function generateTrace(o: GenerateOptions): string {
  if (!Number.isSafeInteger(o.pages) || o.pages < 1 || o.pages > MAX_TRACE_PAGES) {
    throw new CliError('BAD_USAGE', `--pages must be between 1 and ${MAX_TRACE_PAGES}`);
  }
  if (!Number.isSafeInteger(o.accesses) || o.accesses < 1 || o.accesses > MAX_TRACE_ACCESSES) {
    throw new CliError('BAD_USAGE', `--accesses must be between 1 and ${MAX_TRACE_ACCESSES}`);
  }
  // The generator's seed is 32 bits: a larger one would wrap silently to another seed's trace.
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffff_ffff) throw new CliError('BAD_USAGE', `--seed must be between 0 and ${0xffff_ffff}`);
  if (!(SHAPES as readonly string[]).includes(o.shape)) throw new CliError('BAD_USAGE', `unknown shape '${o.shape}' (${SHAPES.join(', ')})`);
  const rnd = mulberry32(o.seed);
  const P = o.pages;
  const out = [`# memsim swap trace v1: shape ${o.shape}, seed ${o.seed}`, `pages ${P}`];
  for (let p = 0; p < P; p++) out.push(`w ${p}`);
  const phases = o.shape === 'background-tab' ? 8 : 4;
  const perPhase = Math.max(1, Math.floor(o.accesses / phases));
  const hot = Math.max(1, Math.floor(P / 10));
  // Zipf by inverse transform over a precomputed CDF (s = 1).
  const cdf: number[] = [];
  if (o.shape === 'zipf') {
    let sum = 0;
    for (let k = 1; k <= P; k++) cdf.push((sum += 1 / k));
    for (let k = 0; k < P; k++) cdf[k] = cdf[k] / sum;
  }
  let cursor = 0;
  for (let ph = 0; ph < phases; ph++) {
    out.push('freeze', 'wait 61', 'pressure moderate', 'thaw');
    const n = o.shape === 'background-tab' ? Math.max(1, Math.floor(perPhase / 20)) : perPhase;
    const hotBase = Math.floor(rnd() * P);
    for (let i = 0; i < n; i++) {
      let page: number;
      switch (o.shape) {
        case 'sequential':
          page = cursor++ % P;
          break;
        case 'random':
        case 'background-tab':
          page = Math.floor(rnd() * P);
          break;
        case 'working-set':
          page = rnd() < 0.9 ? (hotBase + Math.floor(rnd() * hot)) % P : Math.floor(rnd() * P);
          break;
        case 'zipf': {
          const u = rnd();
          let lo = 0;
          let hi = P - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cdf[mid] < u) lo = mid + 1;
            else hi = mid;
          }
          page = lo;
          break;
        }
      }
      out.push(`${rnd() < 0.3 ? 'w' : 'r'} ${page}`);
    }
    if (o.shape === 'background-tab') out.push('wait 300');
  }
  return `${out.join('\n')}\n`;
}
