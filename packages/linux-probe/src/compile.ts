import { spawnSync, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ProbeCompileError, ProbeUnavailableError } from './errors.js';

/**
 * The probe's source and cache, under the package root (one level above src/ and dist/). Computed when needed, not
 * at load: a browser bundle (the playground) loads this package for its window constants and has no file URLs.
 */
function probePaths(): { sourcePath: string; cacheDir: string } {
  const packageRoot = fileURLToPath(new URL('..', import.meta.url));
  return { sourcePath: join(packageRoot, 'native', 'probe.c'), cacheDir: join(packageRoot, '.probe-cache') };
}
const FLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra', '-pthread'];

/**
 * Whether the probe can run here, and if not, why (one line).
 *
 * @public
 */
export type ProbeAvailability = { readonly available: true; readonly compiler: string } | {
  readonly available: false;
  readonly reason: string;
};

function compilerWorks(cc: string): boolean {
  const r = spawnSync(cc, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * Checks the platform (Linux) and finds a C compiler: `$CC`, else `gcc`, else `cc`. Synchronous, so tests can use
 * it to decide whether to skip.
 *
 * @public
 */
export function probeAvailability(): ProbeAvailability {
  if (process.platform !== 'linux') return { available: false, reason: `platform is ${process.platform}, not linux` };
  const { sourcePath } = probePaths();
  if (!existsSync(sourcePath)) return { available: false, reason: `probe source missing at ${sourcePath}` };
  const candidates = process.env['CC'] ? [process.env['CC']] : ['gcc', 'cc'];
  for (const cc of candidates) if (compilerWorks(cc)) return { available: true, compiler: cc };
  return { available: false, reason: `no C compiler found (tried ${candidates.join(', ')}; set $CC)` };
}

/**
 * True when the platform is Linux and a C compiler exists.
 *
 * @public
 */
export function isProbeAvailable(): boolean {
  return probeAvailability().available;
}

function run(cmd: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Compiles the probe once and returns the path of the binary. The binary is cached in the package's
 * `.probe-cache/` keyed by a hash of the source, compiler and flags, so edits recompile and concurrent callers
 * (worker threads, test files) never see a half-written file.
 *
 * @throws {@link ProbeUnavailableError} when the probe cannot run here; {@link ProbeCompileError} on compiler errors.
 * @public
 */
export async function compileProbe(): Promise<string> {
  const avail = probeAvailability();
  if (!avail.available) throw new ProbeUnavailableError(avail.reason);
  const { sourcePath, cacheDir } = probePaths();
  const source = readFileSync(sourcePath);
  const hash = createHash('sha256').update(source).update(avail.compiler).update(FLAGS.join(' ')).digest('hex');
  const binary = join(cacheDir, `probe-${hash.slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (e) {
    throw new ProbeUnavailableError(`cannot create the probe cache ${cacheDir}: ${(e as Error).message}`);
  }
  // One compiler run for all concurrent callers (test workers, worker threads): the lock's holder compiles, the
  // others wait for the binary. A lock older than two minutes is taken to be left by a dead process.
  const lock = `${binary}.lock`;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ProbeUnavailableError(`cannot write the probe cache ${cacheDir}: ${(e as Error).message}`);
      }
      if (existsSync(binary)) return binary;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { force: true });
      } catch {
        /* the lock vanished meanwhile: try again */
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    if (existsSync(binary)) return binary;
    return await compileTo(avail.compiler, binary);
  } finally {
    rmSync(lock, { force: true });
  }
}

async function compileTo(compiler: string, binary: string): Promise<string> {
  const { sourcePath, cacheDir } = probePaths();
  const tmp = `${binary}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const r = await run(compiler, [...FLAGS, '-o', tmp, sourcePath]);
  if (r.code !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    throw new ProbeCompileError(`${compiler} failed to compile the probe (exit ${r.code})`, r.output);
  }
  renameSync(tmp, binary); // atomic: a concurrent compile of the same source simply replaces it
  // Binaries of earlier sources are stale; unlinking one that is still running is harmless on Linux.
  for (const name of readdirSync(cacheDir)) {
    if (/^probe-[0-9a-f]{16}$/.test(name) && join(cacheDir, name) !== binary) rmSync(join(cacheDir, name), { force: true });
  }
  return binary;
}
