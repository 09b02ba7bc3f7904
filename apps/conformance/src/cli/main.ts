import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { runFuzz } from '../fuzz/fuzz.js';
import { toHtml } from '../report/html.js';
import { toJsonReport } from '../report/json.js';
import { toJunit } from '../report/junit.js';
import { designLines } from '../report/designs.js';
import { renderTable } from '../report/table.js';
import { runSuites, type BackendChoice, type RunReport } from '../runner/run-suites.js';
import { ConformanceError, formatProblem } from '../scenario/errors.js';
import { kernelLine, loadKernelProfile } from '../runner/host-profile.js';
import type { CaseResult } from '../engine/case.js';
import type { CliIo } from './io.js';

function positiveInt(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
    return n;
  };
}

function collect(v: string, prev: string[] = []): string[] {
  const names = v.split(',').filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('--suite needs a suite name.');
  return [...prev, ...names];
}

function caseLine(r: CaseResult, color: boolean): string {
  const c = color ? pc : { green: String, red: String, yellow: String, dim: String };
  const tag = r.status === 'passed' ? c.green('PASS') : r.status === 'failed' ? c.red('FAIL') : r.status === 'starnix-difference' ? c.yellow('DIFF') : c.yellow('SKIP');
  return `${tag} ${r.id} [${r.backend}]${r.status === 'passed' ? '' : ` ${c.dim(`— ${(r.message ?? '').split('\n')[0]}`)}`}`;
}

/** Builds the commander program (exported for `memsim` to embed). */
function program(io: CliIo): Command {
  const p = new Command('memsim-conformance')
    .description('Checks memsim against Zircon\'s documented behaviour and the live Linux kernel, case by case.')
    .argument('[paths...]', 'scenario files or directories (default: the shipped suites)')
    .option('-s, --suite <name>', 'run only this suite (repeatable, or comma-separated)', collect)
    .addOption(new Option('-b, --backend <backend>', 'which backend runs the cases').choices(['model', 'linux', 'both']).default('both'))
    .option('--differential', 'compare Linux cases on the model and the live kernel (default: on when Linux is available)')
    .option('--no-differential', 'do not compare backends')
    .option('--fuzz <n>', 'generate N random Linux call sequences, run them on both backends, shrink divergences', positiveInt('--fuzz'))
    .option('--seed <s>', 'fuzz seed (default: 1)', positiveInt('--seed'))
    .option('--fuzz-out <dir>', 'where fuzz writes minimal diverging scenarios', 'conformance-fuzz')
    .option('--json', 'print the report as JSON on stdout')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('-j, --jobs <n>', 'parallel workers (default: all cores)', positiveInt('--jobs'))
    .option('-t, --timeout <ms>', 'per-case timeout in ms', positiveInt('--timeout'), 30_000)
    .addOption(new Option('--anon-backing <design>', "the model's private anonymous backing in Linux cases (both: each model case also runs as '<id> [per-mapping]')").choices(['single', 'per-mapping', 'both']).default('both'))
    .option('--profile <name|file>', "the kernel profile the model follows: a shipped name, 'host' or a JSON file (default: the host's, measured)")
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander puts a suggestion on a second line; bad usage is answered in one.
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(oneLine(s)) });
  return p;
}

/** Text as one line (newlines and the indentation after them become single spaces). */
function oneLine(s: string): string {
  return `${s.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

/** Why `path` cannot be written as an output file (`what` names the option), or undefined if it can. */
function unwritable(path: string, what: string, kind: 'file' | 'directory'): string | undefined {
  const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st && kind === 'file' && st.isDirectory()) return `${what} ${path}: is a directory`;
  if (st && kind === 'directory' && !st.isDirectory()) return `${what} ${path}: not a directory`;
  if (st) return undefined;
  if (kind === 'directory') return undefined; // created when needed, with its parents
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
    return undefined;
  } catch (e) {
    return `${what} ${path}: cannot write there (${code(e)})`;
  }
}

/**
 * The command table (the one command and its options, output discarded): lets tests enumerate the options, so
 * checks written over it cover new ones automatically.
 * @internal
 */
export function commandTable(): Command {
  return program({ stdout: () => {}, stderr: () => {}, isTTY: false });
}

interface Opts {
  suite?: string[];
  backend: BackendChoice;
  differential?: boolean;
  fuzz?: number;
  seed?: number;
  fuzzOut: string;
  json?: boolean;
  junit?: string;
  html?: string;
  jobs?: number;
  timeout: number;
  profile?: string;
  anonBacking: 'single' | 'per-mapping' | 'both';
}

/**
 * Runs the CLI with `argv` (without the node and script entries) and returns the exit status: 0 all passed,
 * 1 failures or divergences, 2 bad usage or malformed input.
 * @public
 */
export async function main(argv: readonly string[], ioIn: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: ioIn.stdout ?? ((s) => process.stdout.write(s)),
    stderr: ioIn.stderr ?? ((s) => process.stderr.write(s)),
    isTTY: ioIn.isTTY ?? Boolean(process.stderr.isTTY),
    ...(ioIn.inProcess !== undefined ? { inProcess: ioIn.inProcess } : {}),
  };
  const cmd = program(io);
  // `pnpm conformance -- --suite x` forwards the separators; leading ones carry no meaning here.
  const args = [...argv];
  while (args[0] === '--') args.shift();
  try {
    cmd.parse(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    throw e;
  }
  const o = cmd.opts<Opts>();
  const paths = cmd.args;
  if (o.seed !== undefined && o.fuzz === undefined) {
    io.stderr('error: --seed applies to --fuzz; add --fuzz <n>\n');
    return 2;
  }
  if (cmd.getOptionValueSource('fuzzOut') === 'cli' && o.fuzz === undefined) {
    io.stderr('error: --fuzz-out applies to --fuzz; add --fuzz <n>\n');
    return 2;
  }
  // Outputs that cannot be written are bad input, found before anything runs.
  const outputs: [string | undefined, string, 'file' | 'directory'][] = [
    [o.junit, '--junit', 'file'],
    [o.html, '--html', 'file'],
    [o.fuzz !== undefined ? o.fuzzOut : undefined, '--fuzz-out', 'directory'],
  ];
  for (const [path, what, kind] of outputs) {
    const why = path === undefined ? undefined : unwritable(path, what, kind);
    if (why !== undefined) {
      io.stderr(`error: ${why}\n`);
      return 2;
    }
  }
  try {
    if (o.fuzz !== undefined) {
      return await runFuzz({ runs: o.fuzz, seed: o.seed ?? 1, outDir: o.fuzzOut, timeoutMs: o.timeout, io, ...(o.profile !== undefined ? { profile: await loadKernelProfile(o.profile) } : {}) });
    }
    return await runAndReport(o, paths, io);
  } catch (e) {
    if (e instanceof ConformanceError) {
      io.stderr(oneLine(`error: ${e.message}`));
      return 2;
    }
    throw e;
  }
}

async function runAndReport(o: Opts, paths: string[], io: CliIo): Promise<number> {
  const color = io.isTTY && !o.json;
  const lineOut = o.json ? io.stderr : io.stdout;
  let bar: cliProgress.SingleBar | undefined;
  const report: RunReport = await runSuites({
    ...(o.suite ? { suites: o.suite } : {}),
    paths,
    backend: o.backend,
    ...(o.differential !== undefined ? { differential: o.differential } : {}),
    ...(o.jobs !== undefined ? { jobs: o.jobs } : {}),
    ...(io.inProcess ? { inProcess: true } : {}),
    ...(o.profile !== undefined ? { profile: await loadKernelProfile(o.profile) } : {}),
    ...(o.anonBacking !== 'single' ? { anonBacking: o.anonBacking } : {}),
    timeoutMs: o.timeout,
    onPlan: (total) => {
      if (io.isTTY && total > 0) {
        bar = new cliProgress.SingleBar(
          { format: ' {bar} {value}/{total} cases | {failed} failed | {last}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { failed: 0, last: '' });
      }
    },
    onCase: (() => {
      let failed = 0;
      return (r: CaseResult) => {
        if (r.status === 'failed') failed++;
        if (bar) bar.increment({ failed, last: r.id.slice(0, 50) });
        else lineOut(`${caseLine(r, false)}\n`);
      };
    })(),
  });
  bar?.stop();
  // Malformed files: every problem in the report (stdout, or the JSON's inputErrors), the first on stderr as the
  // one error line.
  const problems = report.inputErrors;
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}, listed in the report)` : '';
    io.stderr(oneLine(`error: ${formatProblem(problems[0])}${more}`));
    if (!o.json) io.stdout(`\nInput errors\n${problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`);
  }
  for (const [path, text] of [[o.junit, () => toJunit(report)], [o.html, () => toHtml(report)]] as const) {
    if (path === undefined) continue;
    try {
      writeFileSync(path, text());
    } catch (e) {
      io.stderr(`error: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
  }
  if (o.json) io.stdout(`${JSON.stringify(toJsonReport(report), null, 2)}\n`);
  else {
    const failures = report.cases.filter((c) => c.status === 'failed');
    if (failures.length > 0) {
      io.stdout(`\n${color ? pc.bold('Failures') : 'Failures'}\n`);
      for (const f of failures) io.stdout(`  ${caseLine(f, color)}\n    ${f.file}:${f.line} (${f.source})\n`);
    }
    const diverged = report.comparisons.filter((d) => d.compared && !d.agree);
    if (diverged.length > 0) {
      io.stdout(`\nModel and Linux differ (${kernelLine(report.kernel)})\n`);
      for (const d of diverged) io.stdout(`  ${d.id} step ${d.divergence?.step}: model ${JSON.stringify(d.divergence?.model)} / linux ${JSON.stringify(d.divergence?.linux)}\n`);
    }
    const notes = Object.entries(report.unavailable);
    io.stdout('\n');
    for (const [k, v] of notes) io.stdout(`${k === 'linux' ? 'linux backend skipped' : 'Linux cases on the model skipped'}: ${v}\n`);
    io.stdout(`${kernelLine(report.kernel)}\n${renderTable(report, color)}\n${report.cases.length} cases in ${(report.durationMs / 1000).toFixed(1)} s${report.differential ? ', differential on' : ''}\n`);
    const designs = designLines(report.cases);
    if (designs.length > 0) io.stdout(`${designs.join('\n')}\n`);
  }
  if (report.inputErrors.length > 0) return 2;
  const failed = report.cases.some((c) => c.status === 'failed') || report.comparisons.some((d) => d.compared && !d.agree);
  return failed ? 1 : 0;
}
