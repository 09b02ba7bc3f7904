import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { CliIo } from '../cli/io.js';
import { linuxBackendUnavailable, runOnProbe } from '../backends/linux-probe.js';
import { runOnModel } from '../session/linux-session.js';
import { normalizeOutcome, type StepOutcome } from '../engine/outcome.js';
import { firstDivergence } from '../runner/differential.js';
import type { Scenario, Step } from '../scenario/types.js';
import { CaseWorker, workerSpec } from '../runner/pool.js';
import { linuxOpsArbitrary, type FuzzOp } from './generate.js';
import { kernelLine, resolveRunKernel } from '../runner/host-profile.js';
import type { KernelProfile } from '@memsim/starnix-mm';

/**
 * Runs a list of Linux steps on one side and returns one outcome per step.
 * @public
 */
export type FuzzBackend = (steps: readonly Step[]) => Promise<readonly StepOutcome[]> | readonly StepOutcome[];

/**
 * Options of {@link fuzzDifferential}.
 * @public
 */
export interface FuzzOptions {
  /** How many random call sequences to try. */
  readonly runs: number;
  readonly seed: number;
  /** Per-sequence time budget on the live kernel and on the model, in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** The two sides (default: starnix-mm and the live kernel through the probe). */
  readonly model?: FuzzBackend;
  readonly linux?: FuzzBackend;
  /** The kernel profile the default model follows (default: the host's, measured by the probe). */
  readonly profile?: KernelProfile;
}

/**
 * A fuzz run's result: how many sequences ran and how fast, and the shrunk divergence if one was found.
 * @public
 */
export interface FuzzResult {
  readonly runs: number;
  readonly seconds: number;
  readonly casesPerSecond: number;
  /** The minimal diverging scenario as YAML (expectations from Linux), rerunnable with memsim-conformance. */
  readonly divergence?: { readonly yaml: string; readonly step: number; readonly model: unknown; readonly linux: unknown };
  /** `kernel <release>, model profile <name> (...)`: what the model was compared with. */
  readonly kernel: string;
}

function toSteps(ops: readonly FuzzOp[]): Step[] {
  return ops.map((o, i) => ({ kind: 'linux', call: o.op, args: o.args, ...(o.in !== undefined ? { in: o.in } : {}), pos: { line: i + 1, column: 1 } }));
}

function expectOf(call: string, o: StepOutcome): Record<string, unknown> {
  const n = normalizeOutcome(o);
  if (o.kind === 'ok' && call === 'maps') return { maps: (o.value as string[]).map((l) => l.trimEnd()) };
  if (o.kind === 'fault') return { signal: o.signal, code: o.code };
  return n;
}

/** The rerunnable scenario of a diverging sequence, expectations taken from the live kernel. */
export function divergenceYaml(ops: readonly FuzzOp[], linux: readonly StepOutcome[], seed: number): string {
  const doc = {
    name: `fuzz seed ${seed} divergence`,
    suite: 'fuzz',
    source: `memsim-conformance --fuzz --seed ${seed}: minimal sequence on which the model and the live kernel differ (expectations from Linux)`,
    differential: true,
    steps: ops.map((o, i) => ({ linux: o.op, ...(o.in !== undefined ? { in: o.in } : {}), args: o.args, ...(linux[i] ? { expect: expectOf(o.op, linux[i]) } : {}) })),
  };
  return stringify(doc, { lineWidth: 120 });
}

/** Runs `steps` on both sides: the live kernel's outcomes, and both sides' normalised (`a` model, `b` Linux). */
async function runBoth(steps: Step[], model: FuzzBackend, linux: FuzzBackend): Promise<{ l: readonly StepOutcome[]; a: Record<string, unknown>[]; b: Record<string, unknown>[] }> {
  const l = await linux(steps);
  let m: readonly StepOutcome[];
  try {
    m = await model(steps);
  } catch (e) {
    // A model that throws diverges by definition: record it as such.
    m = [{ kind: 'errno', errno: 'MODEL_THREW', detail: (e as Error).message }];
  }
  return { l, a: m.map(normalizeOutcome), b: l.map(normalizeOutcome) };
}

/**
 * Differential fuzzing: fast-check generates random Linux call sequences, each runs on the model and on the live
 * kernel, and the first divergence is shrunk to a minimal sequence.
 * @public
 */
export async function fuzzDifferential(options: FuzzOptions): Promise<FuzzResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const run = await resolveRunKernel(options.profile);
  // The model runs each sequence in a worker under the same budget as the kernel: a call that never returns makes
  // that sequence diverge ("case fuzz/sequence N did not return in ... ms: last op ..."), and fuzzing goes on.
  const spec = options.model ? undefined : workerSpec();
  const worker = spec ? new CaseWorker(spec) : undefined;
  try {
    return await fuzzWith(options, timeoutMs, run, options.model ?? (worker ? boundedModel(worker, timeoutMs, run.profile) : (steps) => runOnModel(steps, {}, run.profile).outcomes));
  } finally {
    worker?.close();
  }
}

/** A fuzz backend running each sequence on the model (following `profile`) in `worker`, bounded by `timeoutMs`. */
function boundedModel(worker: CaseWorker, timeoutMs: number, profile: KernelProfile | undefined): FuzzBackend {
  let n = 0;
  return async (steps) => {
    n++;
    const scenario: Scenario = { name: `sequence ${n}`, suite: 'fuzz', source: 'fuzz', differential: true, steps, domain: 'linux', file: 'fuzz', pos: { line: 1, column: 1 } };
    const r = await worker.run({ scenario, backend: 'model', ...(profile ? { profile } : {}) }, timeoutMs);
    if (r.status !== 'passed' && r.steps.length === 0) throw new Error(r.message ?? r.status);
    return r.steps.map((s) => s.outcome);
  };
}

async function fuzzWith(options: FuzzOptions, timeoutMs: number, run: Awaited<ReturnType<typeof resolveRunKernel>>, model: FuzzBackend): Promise<FuzzResult> {
  const linux: FuzzBackend = options.linux ?? (async (steps) => (await runOnProbe(steps, timeoutMs)).outcomes);
  let runs = 0;
  const start = performance.now();
  const property = fc.asyncProperty(linuxOpsArbitrary(), async (ops) => {
    runs++;
    const { a, b } = await runBoth(toSteps(ops), model, linux);
    return firstDivergence(a, b) < 0;
  });
  const out = await fc.check(property, { numRuns: options.runs, seed: options.seed, endOnFailure: false });
  const seconds = (performance.now() - start) / 1000;
  const base = { runs, seconds, casesPerSecond: runs / Math.max(seconds, 1e-9), kernel: kernelLine(run) };
  if (!out.failed || !out.counterexample) return base;
  // fast-check's counterexample is the shrunk one; rerun it to get both sides' outputs.
  const [ops] = out.counterexample;
  const { l, a, b } = await runBoth(toSteps(ops), model, linux);
  const i = Math.max(0, firstDivergence(a, b));
  return {
    ...base,
    divergence: { yaml: divergenceYaml(ops, l, options.seed), step: i + 1, model: a[i] ?? null, linux: b[i] ?? null },
  };
}

/** Options of the CLI's fuzz mode. */
export interface FuzzCliOptions {
  readonly runs: number;
  readonly seed: number;
  readonly outDir: string;
  readonly timeoutMs: number;
  readonly io: CliIo;
  readonly profile?: KernelProfile;
}

/** `--fuzz N --seed S`: exit 0 when the sides agree, 1 with a divergence written to `outDir`. */
export async function runFuzz(o: FuzzCliOptions): Promise<number> {
  const down = linuxBackendUnavailable();
  if (down !== undefined) {
    o.io.stdout(`fuzz skipped: the linux backend is unavailable here (${down})\n`);
    return 0;
  }
  const r = await fuzzDifferential({ runs: o.runs, seed: o.seed, timeoutMs: o.timeoutMs, ...(o.profile ? { profile: o.profile } : {}) });
  o.io.stdout(`fuzz: ${r.kernel}\nfuzz: ${r.runs} sequences (seed ${o.seed}) in ${r.seconds.toFixed(1)} s, ${r.casesPerSecond.toFixed(1)} cases/s\n`);
  if (!r.divergence) {
    o.io.stdout('fuzz: the model and the live kernel agreed on every sequence\n');
    return 0;
  }
  mkdirSync(o.outDir, { recursive: true });
  const file = join(o.outDir, `fuzz-seed-${o.seed}.yaml`);
  writeFileSync(file, r.divergence.yaml);
  o.io.stdout(
    `fuzz: divergence at step ${r.divergence.step}: model ${JSON.stringify(r.divergence.model)} / linux ${JSON.stringify(r.divergence.linux)} (${r.kernel})\n` +
      `fuzz: minimal scenario written to ${file}; rerun with: memsim-conformance ${file}\n`,
  );
  return 1;
}
