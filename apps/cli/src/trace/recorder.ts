import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { arch } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli/errors.js';

/** The package root (one level above src/ and dist/). */
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const sourcePath = join(packageRoot, 'native', 'trace-recorder.c');
const cacheDir = join(packageRoot, '.probe-cache');
const FLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra'];

/** What to install when recording cannot work here. */
export const RECORDER_NEEDS = 'a C compiler (gcc or cc; e.g. `apt-get install gcc`) on x86-64 Linux';

/** Whether `memsim trace record` can run here, and if not, why (one line). */
export function recorderAvailability(): { available: true; compiler: string } | { available: false; reason: string } {
  if (process.platform !== 'linux') return { available: false, reason: `recording needs Linux (this is ${process.platform})` };
  if (arch() !== 'x64') return { available: false, reason: `the recorder supports x86-64 only (this is ${arch()})` };
  if (!existsSync(sourcePath)) return { available: false, reason: 'the recorder source is missing from this installation' };
  const candidates = process.env['CC'] ? [process.env['CC']] : ['gcc', 'cc'];
  for (const cc of candidates) {
    if (spawnSync(cc, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0) return { available: true, compiler: cc };
  }
  return { available: false, reason: `no C compiler found (tried ${candidates.join(', ')}): install ${RECORDER_NEEDS}` };
}

/**
 * Builds the native recorder once per source, compiler and flags (cached beside the package, like the Linux probe)
 * and returns its path. A rename makes the binary appear whole, so concurrent builds never run a partial file.
 */
export function compileRecorder(): string {
  const avail = recorderAvailability();
  if (!avail.available) throw new CliError('FAILED', `cannot record: ${avail.reason}`);
  const hash = createHash('sha256').update(readFileSync(sourcePath)).update(avail.compiler).update(FLAGS.join(' ')).digest('hex').slice(0, 16);
  const binary = join(cacheDir, `trace-recorder-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  const r = spawnSync(avail.compiler, [...FLAGS, '-o', tmp, sourcePath], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    throw new CliError('FAILED', `${avail.compiler} could not build the trace recorder: ${(r.stderr || r.error?.message || '').trim().split('\n')[0] ?? ''}`);
  }
  renameSync(tmp, binary);
  for (const name of readdirSync(cacheDir)) {
    if (/^trace-recorder-[0-9a-f]{16}$/.test(name) && join(cacheDir, name) !== binary) rmSync(join(cacheDir, name), { force: true });
  }
  return binary;
}

/** The executable `name` resolves to (a path, or a name looked up on PATH), or undefined. */
function findProgram(name: string): string | undefined {
  const runnable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name === '') return undefined;
  if (name.includes('/')) return runnable(name) ? name : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir === '' ? '.' : dir, name);
    if (runnable(p)) return p;
  }
  return undefined;
}

/** The outcome of a recording. */
export interface RecordResult {
  /** The recorded program's exit status (128+signal when killed). */
  readonly exitStatus: number;
}

/**
 * Runs `argv` under the recorder, writing the trace to `output`. The program's own output goes to this process's
 * stdout and stderr (stderr after it ends), or is discarded with `quiet`.
 */
export function recordTrace(output: string, argv: readonly string[], options: { quiet?: boolean } = {}): RecordResult {
  if (argv.length === 0) throw new CliError('BAD_USAGE', 'nothing to record: give the program after --');
  // Bad input is told apart before anything runs: a program that cannot be run, an output that cannot be written.
  const program = argv[0] ?? '';
  if (findProgram(program) === undefined) throw new CliError('BAD_INPUT', `cannot run ${program}: no such executable${program.includes('/') ? '' : ' on PATH'}`);
  const outDir = dirname(resolve(output));
  try {
    accessSync(outDir, constants.W_OK);
  } catch (e) {
    throw new CliError('BAD_INPUT', `cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const binary = compileRecorder();
  const r = spawnSync(binary, [output, ...argv], { stdio: ['inherit', options.quiet ? 'ignore' : 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new CliError('FAILED', `cannot run the trace recorder: ${r.error.message}`);
  // The trace's end record carries the program's status; without it the recorder failed (its message says why,
  // in the one error line).
  const tail = existsSync(output) ? readFileSync(output, 'utf8').trimEnd().split('\n').at(-1) ?? '' : '';
  const end = /^\d+ end (-?\d+)$/.exec(tail);
  if (!end) {
    const why = (r.stderr ?? '').trim().split('\n').at(-1);
    throw new CliError('FAILED', `recording of ${argv[0]} failed${why ? `: ${why}` : ` (recorder exit ${r.status ?? r.signal})`}`);
  }
  // stderr is captured to report recorder failures; the program's own messages are passed on.
  if (!options.quiet && r.stderr) process.stderr.write(r.stderr);
  return { exitStatus: Number(end[1]) };
}
