// The browser playground's costs (apps/playground): one step through a 10,000-call trace, as the page takes it when
// the slider moves one call forward (replay the call, build the Zircon view, draw the picture), and the size of the
// page's bundle. Neither has a native counterpart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { TraceReplayer, callCount, drawSvg, parseTraceFile, traceView, type Trace } from '@memsim/cli/web';
import { since, type RowSpec } from './row.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Memory calls of the synthetic trace the step row runs in. */
export const TRACE_CALLS = 10_000;

/**
 * A recorded trace (python3 -c 'print(1)', shipped in docs/traces/) grown to `calls` memory calls: before the
 * program's exit snapshot, pairs of an anonymous 4 KiB mmap at a fresh address of an unused region and an mprotect
 * of it to read-only, so the address space gains one VMA per pair as a long-running program's would.
 */
export function syntheticTrace(calls: number): string {
  const lines = readFileSync(join(repoRoot, 'docs', 'traces', 'python3-print.trace'), 'utf8').trimEnd().split('\n');
  const exit = lines.findIndex((l) => / snap \d+ exit /.test(l));
  if (exit < 0) throw new Error('python3-print.trace has no exit snapshot');
  const pid = / snap (\d+) exit /.exec(lines[exit])![1];
  const have = lines.filter((l) => / sys \d+ \d+ (mmap|munmap|mprotect|brk|mremap|madvise|mlock|munlock|msync|mincore|prctl) /.test(l)).length;
  const added: string[] = [];
  const base = 0x3000_0000_0000;
  for (let i = 0; added.length < calls - have; i++) {
    const a = `0x${(base + i * 0x2000).toString(16)}`;
    added.push(`sys ${pid} ${pid} mmap ${base + i * 0x2000} ${a} 0x1000 0x3 0x22 0xffffffff 0x0`);
    if (added.length < calls - have) added.push(`sys ${pid} ${pid} mprotect 0 ${a} 0x1000 0x1`);
  }
  const all = [...lines.slice(0, exit), ...added.map((l) => `0 ${l}`), ...lines.slice(exit)];
  // Records are numbered in order: renumber everything after the header.
  let n = 0;
  return `${all.map((l) => (l.startsWith('H ') || !/^\d+ /.test(l) ? l : `${++n} ${l.slice(l.indexOf(' ') + 1)}`)).join('\n')}\n`;
}

/** One playground step forward through the 10,000-call trace, taken from its middle onwards. */
export const playgroundTraceStep: RowSpec = {
  id: 'playground_trace_step',
  title: 'playground: one step of a 10,000-call trace',
  unit: 'step',
  perN: false,
  native: { unavailable: 'a step of the browser playground (replay one call, Zircon view, drawing) has no native counterpart' },
  memsim: () => {
    const trace: Trace = parseTraceFile(syntheticTrace(TRACE_CALLS));
    const total = callCount(trace);
    const from = Math.floor(total / 2);
    const STEPS = 20;
    let r = new TraceReplayer(trace);
    r.run({ stopAfter: from });
    return {
      units: STEPS,
      sample: () => {
        // Rewinding (a fresh replay to the middle) is not a forward step: done outside the timed part.
        if (r.calls + STEPS > total) {
          r = new TraceReplayer(trace);
          r.run({ stopAfter: from });
        }
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < STEPS; k++) {
          r.run({ stopAfter: r.calls + 1 });
          drawSvg(traceView(r, total).model);
        }
        return since(t0);
      },
    };
  },
};

export const PLAYGROUND_ROWS: readonly RowSpec[] = [playgroundTraceStep];

/** The playground's bundle, as `pnpm run docs` builds it. */
export type BundleSize =
  | {
      /** Bytes the page loads before it shows anything (HTML, CSS, the application chunk). */
      readonly initialBytes: number;
      readonly initialGzipBytes: number;
      /** Every file of the build, the lazily loaded example scenarios and traces included. */
      readonly totalBytes: number;
      readonly files: number;
    }
  | { readonly unavailable: string };

/** Builds the playground with its Vite config into a scratch folder and measures the output. */
export function measureBundle(): BundleSize {
  const out = mkdtempSync(join(tmpdir(), 'memsim-playground-bundle-'));
  try {
    const app = join(repoRoot, 'apps', 'playground');
    const r = spawnSync('pnpm', ['exec', 'vite', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], { cwd: app, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) return { unavailable: `vite build failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? ''}` };
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(out, f)).isFile());
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    // What index.html names (script and stylesheet) is loaded first; examples are separate chunks loaded on demand.
    const initial = ['index.html', ...[...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1])].filter((f) => files.includes(f));
    const bytes = (f: string): Buffer => readFileSync(join(out, f));
    return {
      initialBytes: initial.reduce((s, f) => s + bytes(f).length, 0),
      initialGzipBytes: initial.reduce((s, f) => s + gzipSync(bytes(f)).length, 0),
      totalBytes: files.reduce((s, f) => s + statSync(join(out, f)).size, 0),
      files: files.length,
    };
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
