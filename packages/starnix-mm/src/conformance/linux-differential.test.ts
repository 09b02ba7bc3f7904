/**
 * Point 9: the model against the live kernel. Seeded call sequences run in the probe's address window on Linux
 * and on the model; results, errnos, fault signals, maps lines (window-relative) and page hashes must agree.
 */
import { describe, expect, it } from 'vitest';
import { probeAvailability, probeInfo, runScenarios, type LinuxOp } from '@memsim/linux-probe';
import { generateScenario } from '../test-support/generate.js';
import { ModelScenario } from '../test-support/model-runner.js';
import { compareResults, type Disagreement } from '../test-support/compare.js';

const availability = probeAvailability();
if (!availability.available) console.info(`linux differential skipped: ${availability.reason}`);

async function differential(seeds: number[], options: { ops: number; pages: number; edges: boolean }): Promise<{ agree: number; total: number; disagreements: Disagreement[] }> {
  const info = await probeInfo();
  const scenarios: LinuxOp[][] = seeds.map((s) => generateScenario(s, { ...options, anonName: info.anon_vma_name }));
  const outcomes = await runScenarios(scenarios, { timeoutMs: 20_000 });
  let agree = 0;
  let total = 0;
  const disagreements: Disagreement[] = [];
  outcomes.forEach((o, i) => {
    const ops = scenarios[i];
    expect(o.status, `scenario seed ${seeds[i]}`).toBe('ok');
    const model = new ModelScenario({ root: info.euid === 0 }).run(ops);
    const d = compareResults(ops, o.results, model);
    total += ops.length;
    agree += ops.length - d.length;
    disagreements.push(...d);
  });
  return { agree, total, disagreements };
}

describe.skipIf(!availability.available)('model vs the live Linux kernel (linux-probe)', () => {
  it('agrees on 200 generated sequences of mmap-family calls, faults, fork and maps', async () => {
    const seeds = Array.from({ length: 200 }, (_, i) => i + 1);
    const r = await differential(seeds, { ops: 40, pages: 24, edges: false });
    console.info(`linux differential (plain): ${r.agree}/${r.total} operations agree (${((100 * r.agree) / r.total).toFixed(2)}%)`);
    expect(r.disagreements).toEqual([]);
  }, 60_000);

  it('agrees on 100 sequences with boundary arguments, brk, mlockall and rlimits', async () => {
    const seeds = Array.from({ length: 100 }, (_, i) => 10_001 + i);
    const r = await differential(seeds, { ops: 40, pages: 24, edges: true });
    console.info(`linux differential (edges): ${r.agree}/${r.total} operations agree (${((100 * r.agree) / r.total).toFixed(2)}%)`);
    expect(r.disagreements).toEqual([]);
  }, 60_000);

  it('agrees on 100 long sequences (120 calls over 48 pages, with boundary arguments)', async () => {
    const seeds = Array.from({ length: 100 }, (_, i) => 5_000 + i);
    const r = await differential(seeds, { ops: 120, pages: 48, edges: true });
    console.info(`linux differential (long): ${r.agree}/${r.total} operations agree (${((100 * r.agree) / r.total).toFixed(2)}%)`);
    expect(r.disagreements).toEqual([]);
  }, 60_000);
});
