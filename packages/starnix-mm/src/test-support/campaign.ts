/**
 * The issue-24 validation campaign: for each seed, random public-API calls (api-fuzz.ts) and one generated Linux
 * call sequence with boundary arguments (generate.ts) on the model, validation after every call (invariants, and
 * failed all-or-nothing calls changing nothing). Prints the number of calls and the first problem; exit 1 on one.
 *
 *   pnpm --filter @memsim/starnix-mm exec tsx --conditions=@memsim/source src/test-support/campaign.ts FROM TO
 *
 * MEMSIM_TEST_ANON_BACKING=per-mapping runs it in Starnix's VMO-per-mapping design (the default is the single VMO).
 */
import { fuzzPublicApi, foreignError } from './api-fuzz.js';
import { generateScenario } from './generate.js';
import { ModelScenario } from './model-runner.js';
import { testDesign } from './setup.js';

/** Calls per seed: public-API calls, and ops of the generated sequence. */
export const API_CALLS = 100;
export const SEQUENCE_OPS = 100;

export interface CampaignResult {
  readonly calls: number;
  readonly problem?: string;
}

/** Runs seeds [from, to]. */
export async function runCampaign(from: number, to: number, progress?: (seed: number) => void): Promise<CampaignResult> {
  let calls = 0;
  for (let seed = from; seed <= to; seed++) {
    progress?.(seed);
    const api = await fuzzPublicApi(seed, API_CALLS, undefined, testDesign());
    calls += api.length;
    const bad = api.find((c) => c.foreign !== undefined);
    if (bad) return { calls, problem: `seed ${seed} (public API): ${bad.text}: ${bad.foreign ?? ''}` };
    const ops = generateScenario(seed, { ops: SEQUENCE_OPS, pages: 48, anonName: true, edges: true });
    const sc = new ModelScenario({ root: true, anonymousBacking: testDesign(), afterOp: () => calls++ });
    for (const [i, op] of ops.entries()) {
      try {
        sc.one(op);
      } catch (e) {
        calls++;
        return { calls, problem: `seed ${seed} (sequence op ${i} ${JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}): ${foreignError(e) ?? String(e)}` };
      }
    }
  }
  return { calls };
}

const argv = process.argv.slice(2);
if (process.argv[1]?.endsWith('campaign.ts') && argv.length === 2) {
  const [from, to] = argv.map(Number);
  const t0 = performance.now();
  const r = await runCampaign(from, to, process.env.CAMPAIGN_PROGRESS ? (seed) => process.stderr.write(`seed ${seed} ${((performance.now() - t0) / 1000).toFixed(1)} s\n`) : undefined);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`campaign seeds ${from}-${to} (${testDesign()} anonymous backing): ${r.calls} calls in ${s} s: ${r.problem ?? 'no broken invariant, no non-atomic failure, no foreign error'}\n`);
  process.exitCode = r.problem ? 1 : 0;
}
