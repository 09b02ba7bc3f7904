import { spawn } from 'node:child_process';
import { compileProbe } from './compile.js';
import { encodeScenario } from './encode.js';
import {
  ProbeCrashError,
  ProbeProtocolError,
  ProbeScenarioError,
  ProbeTimeoutError,
  ProbeUnavailableError,
} from './errors.js';
import type { BenchOp, LinuxOp } from './ops.js';
import type { BenchValue, LinuxOpResult, ProbeInfo, ScenarioOutcome, ScenarioStatus } from './results.js';

/**
 * Options of {@link runScenario} and friends.
 *
 * @public
 */
export interface RunOptions {
  /** Per-scenario limit in milliseconds (default 10 000); the probe kills a scenario that exceeds it. */
  readonly timeoutMs?: number;
}

interface Spawned {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killedByUs: boolean;
}

/** Runs the binary in its own process group so a timeout can kill every scenario process with it. */
function spawnProbe(binary: string, args: readonly string[], input: string, killAfterMs: number): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killedByUs = false;
    const timer = setTimeout(() => {
      killedByUs = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, killAfterMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ProbeUnavailableError(`cannot start the probe: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        killedByUs,
      });
    });
    child.stdin.on('error', () => {
      /* the probe died early; reported through 'close' */
    });
    child.stdin.end(input);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The probe's refusal of an op, also when it sits inside a join's result (an op that ran on a thread). */
function probeErrorOf(r: LinuxOpResult): string | undefined {
  const own = (r as unknown as Record<string, unknown>)['probe_error'];
  if (typeof own === 'string') return `op ${r.i} (${r.op}): ${own}`;
  const value: unknown = r.ok ? r.value : undefined;
  if (r.op === 'join' && isObject(value)) {
    const inner = value['result'];
    if (isObject(inner) && typeof inner['probe_error'] === 'string') return `op ${r.i} (join): ${inner['probe_error']}`;
  }
  return undefined;
}

/** Splits the probe's output into scenario outcomes. */
function parseOutput(stdout: string): { outcomes: ScenarioOutcome[]; trailing: LinuxOpResult[]; fatal?: string } {
  const outcomes: ScenarioOutcome[] = [];
  let current: LinuxOpResult[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new ProbeProtocolError(`unparsable probe output line: ${line.slice(0, 200)}`);
    }
    if (!isObject(v)) throw new ProbeProtocolError(`probe output is not an object: ${line.slice(0, 200)}`);
    if (typeof v['fatal'] === 'string') return { outcomes, trailing: current, fatal: v['fatal'] };
    if (v['end'] === true) {
      let status = v['status'] as ScenarioStatus;
      let detail: string | undefined;
      if (status === 'rejected') detail = String(v['error']);
      else if (status === 'crash') detail = `process "${String(v['in'])}" died of ${String(v['signal'])}`;
      else if (status === 'timeout') detail = `timed out after ${String(v['ran'])} of ${String(v['ops'])} ops`;
      const bad = current.map(probeErrorOf).find((e) => e !== undefined);
      if (status === 'ok' && bad) {
        status = 'rejected';
        detail = bad;
      }
      current.sort((a, b) => a.i - b.i);
      outcomes.push(detail === undefined ? { status, results: current } : { status, results: current, detail });
      current = [];
      continue;
    }
    if (typeof v['i'] !== 'number' || typeof v['ok'] !== 'boolean' || typeof v['op'] !== 'string') {
      throw new ProbeProtocolError(`probe result without i/op/ok: ${line.slice(0, 200)}`);
    }
    current.push(v as unknown as LinuxOpResult);
  }
  return { outcomes, trailing: current };
}

/**
 * Runs several scenarios in one probe process (each still in its own fresh child) and returns every outcome,
 * including timeouts, crashes and rejections, without throwing for them. Useful for large differential runs.
 *
 * @throws {@link ProbeUnavailableError}, {@link ProbeCompileError}, {@link ProbeScenarioError} (an op that cannot
 * be encoded), {@link ProbeCrashError} (the probe itself died), {@link ProbeProtocolError}.
 * @public
 */
export async function runScenarios(
  scenarios: readonly (readonly LinuxOp[])[],
  options: RunOptions = {},
): Promise<ScenarioOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ProbeScenarioError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  }
  const input = scenarios.map((ops) => encodeScenario(ops)).join('');
  if (scenarios.length === 0) return [];
  const binary = await compileProbe();
  // The probe enforces each scenario's limit; this outer limit only catches a wedged probe.
  const outer = timeoutMs * scenarios.length + 10_000;
  const r = await spawnProbe(binary, ['--timeout-ms', String(timeoutMs)], input, outer);
  const parsed = parseOutput(r.stdout);
  if (parsed.fatal !== undefined) throw new ProbeUnavailableError(parsed.fatal);
  if (parsed.outcomes.length !== scenarios.length) {
    const why = r.killedByUs
      ? `the probe exceeded ${outer} ms and was killed`
      : `the probe exited (${r.signal ?? `code ${r.code}`}) after ${parsed.outcomes.length} of ${scenarios.length} scenarios${r.stderr ? `: ${r.stderr.trim().slice(0, 300)}` : ''}`;
    if (r.killedByUs) throw new ProbeTimeoutError(why, parsed.trailing);
    throw new ProbeCrashError(why, parsed.trailing, r.signal ?? undefined);
  }
  return parsed.outcomes;
}

/**
 * Runs one scenario in a fresh child process on the live kernel and returns one result per operation, in order.
 *
 * @throws {@link ProbeTimeoutError} or {@link ProbeCrashError} (with the partial results) when the scenario does
 * not finish; {@link ProbeScenarioError} when the probe refuses an operation; {@link ProbeUnavailableError} when
 * the probe cannot run here.
 * @public
 */
export async function runScenario(ops: readonly LinuxOp[], options: RunOptions = {}): Promise<LinuxOpResult[]> {
  const [outcome] = await runScenarios([ops], options);
  if (ops.length === 0 && outcome?.status === 'ok') return [];
  if (!outcome) throw new ProbeProtocolError('the probe returned no outcome');
  switch (outcome.status) {
    case 'ok':
      return [...outcome.results];
    case 'timeout':
      throw new ProbeTimeoutError(`scenario ${outcome.detail ?? 'timed out'}`, outcome.results);
    case 'crash': {
      const signal = /died of (\S+)/.exec(outcome.detail ?? '')?.[1];
      throw new ProbeCrashError(`scenario crashed: ${outcome.detail ?? ''}`, outcome.results, signal);
    }
    case 'rejected': {
      const m = /^op (\d+) |\(op (\d+)\)/.exec(outcome.detail ?? '');
      const index = m ? Number(m[1] ?? m[2]) : undefined;
      throw new ProbeScenarioError(`probe rejected the scenario: ${outcome.detail ?? ''}`, index);
    }
  }
}

/**
 * A native benchmark's outcome: its timings, or the errno that stopped it (e.g. ENOMEM when `vmas` exceeds
 * vm.max_map_count).
 *
 * @public
 */
export type BenchOutcome =
  | { readonly ok: true; readonly bench: BenchValue }
  | { readonly ok: false; readonly name: string; readonly errno: string; readonly detail?: string };

/**
 * Runs native micro-benchmarks, in order, in one fresh scenario process.
 *
 * @public
 */
export async function runBench(benches: readonly BenchOp[], options: RunOptions = {}): Promise<BenchOutcome[]> {
  const results = await runScenario(benches, { timeoutMs: options.timeoutMs ?? 120_000 });
  return results.map((r, k) => {
    const name = benches[k]?.name ?? r.op;
    if (r.ok) return { ok: true, bench: r.value as BenchValue };
    if ('errno' in r) return r.detail === undefined ? { ok: false, name, errno: r.errno } : { ok: false, name, errno: r.errno, detail: r.detail };
    throw new ProbeProtocolError(`benchmark ${name} reported a fault`);
  });
}

/**
 * What the kernel under the probe supports (release, window, anon VMA names, userfaultfd features, map limit) and
 * the memory-management behaviours memsim's kernel profile describes. Measured once per process (a few ms), then cached.
 *
 * @public
 */
export function probeInfo(): Promise<ProbeInfo> {
  // Measured once per process (a run): the host does not change under it, and every differential path asks.
  infoOnce ??= readInfo();
  infoOnce.catch(() => {
    infoOnce = undefined;
  });
  return infoOnce;
}

/** The host's answer, shared by every caller of {@link probeInfo} in this process; cleared when it failed. */
let infoOnce: Promise<ProbeInfo> | undefined;

async function readInfo(): Promise<ProbeInfo> {
  const binary = await compileProbe();
  const r = await spawnProbe(binary, ['--info'], '', 30_000);
  try {
    return JSON.parse(r.stdout) as ProbeInfo;
  } catch {
    throw new ProbeProtocolError(`unparsable --info output: ${r.stdout.slice(0, 200)}`);
  }
}
