// Runs before every test file of every project (vitest.shared.ts lists it in each project's setupFiles). It is the one
// place that decides how fast-check draws its inputs:
//
// - the gate (`pnpm test`, CI): every property runs from FIXED_SEED, so the suite gives the same result on every run;
//   properties replay the counterexamples recorded in fast-check-regressions.json first;
// - `MEMSIM_FC_SEED=<n>`: the same, from seed n (to replay a failure printed by a run);
// - the campaign (`pnpm test:random`, MEMSIM_FC_RANDOM=1): every fc.assert gets a fresh seed and MEMSIM_FC_RUNS runs,
//   each seed is logged, and each failure is appended to the campaign log so the runner can record it.
//
// Tests call fast-check as usual; fc.assert is wrapped through a module mock so no test file needs to know any of this.
import fc from 'fast-check';
import type * as FastCheck from 'fast-check';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, expect, vi } from 'vitest';

/** The seed every property of the gate starts from. Changing it is a deliberate, reviewed change. */
export const FIXED_SEED = 28;

const repoRoot = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const campaign = env['MEMSIM_FC_RANDOM'] === '1';
const seedOverride = env['MEMSIM_FC_SEED'];

function parseInt32(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw new Error(`${what} must be a 32-bit integer, got ${JSON.stringify(text)}`);
  return n | 0;
}

const gateSeed = seedOverride === undefined ? FIXED_SEED : parseInt32(seedOverride, 'MEMSIM_FC_SEED');
/** Forced run count for every property (the campaign's runs; in the gate only when set, to replay a campaign seed). */
const runsOverride = env['MEMSIM_FC_RUNS'] === undefined ? (campaign ? 20_000 : undefined) : Math.max(1, parseInt32(env['MEMSIM_FC_RUNS'], 'MEMSIM_FC_RUNS'));
fc.configureGlobal({ seed: gateSeed });
// A campaign property may run for many minutes; the runner bounds the whole run instead.
if (campaign) vi.setConfig({ testTimeout: 0, hookTimeout: 0 });

/** One counterexample kept as a regression: replayed by the gate before the property's own run. */
interface Regression {
  file: string;
  test: string;
  /** Which fc.assert of the test (0 for the first), for tests that assert several properties. */
  call?: number;
  seed: number;
  path: string;
  counterexample?: string;
  found?: string;
}

function loadRegressions(): Regression[] {
  try {
    return JSON.parse(readFileSync(`${repoRoot}/fast-check-regressions.json`, 'utf8')) as Regression[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
const regressions = loadRegressions();

let callInTest = 0;
beforeEach(() => {
  callInTest = 0;
});

function where(): { file: string; test: string } {
  const state = expect.getState();
  return { file: relative(repoRoot, state.testPath ?? '').split('\\').join('/'), test: state.currentTestName ?? '' };
}

function replayHint(file: string, seed: unknown): string {
  const runs = runsOverride === undefined ? '' : ` MEMSIM_FC_RUNS=${runsOverride}`;
  return `\nReplay: MEMSIM_FC_SEED=${String(seed)}${runs} pnpm vitest run ${file}  (or pin { seed, path } above; docs/testing.md)`;
}

vi.mock('fast-check', async (importOriginal) => {
  const actual = await importOriginal<typeof FastCheck>();
  const original = actual.assert;
  type AssertParams = Parameters<typeof original>[1];

  /** Appends the replay command to a failure's message, sync or async alike. */
  const explain = (run: () => unknown, hint: string): unknown => {
    const annotate = (e: unknown): never => {
      if (e instanceof Error && e.message.includes('seed:')) e.message += hint;
      throw e;
    };
    try {
      const out = run();
      return out instanceof Promise ? out.catch(annotate) : out;
    } catch (e) {
      return annotate(e);
    }
  };

  const assert = ((property: Parameters<typeof original>[0], params?: AssertParams) => {
    const { file, test } = where();
    const call = callInTest++;
    // A call that pins its own path is itself a regression replay: run it as written in every mode.
    if (params?.path !== undefined) return explain(() => original(property, params), replayHint(file, params.seed));
    if (campaign) {
      const seed = (Math.random() * 2 ** 32) | 0;
      const entry = { file, test, call, seed, numRuns: runsOverride };
      appendLog({ event: 'run', ...entry });
      console.log(`[fc-campaign] ${file} > ${test} #${call} seed=${seed} runs=${runsOverride}`);
      const t0 = performance.now();
      const record = (e: unknown): never => {
        const m = e instanceof Error ? /\{ seed: (-?\d+), path: "([^"]*)"/.exec(e.message) : null;
        const counterexample = e instanceof Error ? /Counterexample: (.*)/.exec(e.message)?.[1] : undefined;
        appendLog({ event: 'failure', ...entry, ms: Math.round(performance.now() - t0), path: m?.[2] ?? '', counterexample, message: e instanceof Error ? e.message.slice(0, 4000) : String(e) });
        throw e;
      };
      const p = { ...params, seed, numRuns: runsOverride } as AssertParams;
      const done = <T>(out: T): T => {
        appendLog({ event: 'done', ...entry, ms: Math.round(performance.now() - t0) });
        return out;
      };
      try {
        const out = explain(() => original(property, p), replayHint(file, seed));
        return out instanceof Promise ? out.then(done, record) : done(out);
      } catch (e) {
        return record(e);
      }
    }
    const mine = regressions.filter((r) => r.file === file && r.test === test && (r.call ?? 0) === call);
    const replays = mine.map((r) => () =>
      explain(
        () => original(property, { ...params, seed: r.seed, path: r.path, endOnFailure: true } as AssertParams),
        `\nA counterexample recorded in fast-check-regressions.json (found ${r.found ?? '?'}) fails again.`,
      ),
    );
    const seed = params?.seed ?? gateSeed;
    const own = runsOverride === undefined ? params : ({ ...params, numRuns: runsOverride } as AssertParams);
    const runAll = (): unknown => {
      // Replays first (each one is a single known case), then the property's own fixed-seed run.
      let chain: unknown = undefined;
      const ownRun = (): unknown => explain(() => original(property, own), replayHint(file, seed));
      for (const replay of [...replays, ownRun]) chain = chain instanceof Promise ? chain.then(replay) : replay();
      return chain;
    };
    return runAll();
  }) as typeof original;

  return { ...actual, assert, default: { ...actual.default, assert } };
});

function appendLog(record: object): void {
  const log = env['MEMSIM_FC_LOG'];
  if (log !== undefined) appendFileSync(log, `${JSON.stringify(record)}\n`);
}
