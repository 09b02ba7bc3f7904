/**
 * Point 9: the model against the live kernel. Seeded call sequences run in the probe's address window on Linux
 * and on the model; results, errnos, fault signals, maps lines (window-relative) and page hashes must agree. The
 * model follows the host's kernel profile, measured once by the probe; every failure names the kernel and profile.
 */
import { describe, expect, it } from 'vitest';
import { probeAvailability, probeInfo, runScenarios, type LinuxOp, type LinuxOpResult } from '@memsim/linux-probe';
import { generateScenario } from '../test-support/generate.js';
import { ModelScenario } from '../test-support/model-runner.js';
import { compareResults, differingFields, formatDisagreement, type Disagreement } from '../test-support/compare.js';
import { describeKernelProfile, profileFromHost, type KernelProfile } from '../profile/kernel-profile.js';

const availability = probeAvailability();
if (!availability.available) console.info(`linux differential skipped: ${availability.reason}`);

type Found = Disagreement & { seed: number };

async function hostProfile(): Promise<KernelProfile> {
  const info = await probeInfo();
  return profileFromHost({ kernel: info.kernel, ...info.profile } as Parameters<typeof profileFromHost>[0]);
}

/** The probe's results for a seed list, run once per options and shared by the tests that compare them. */
const linuxRuns = new Map<string, Promise<{ scenarios: LinuxOp[][]; results: (readonly LinuxOpResult[])[] }>>();

function onLinux(seeds: number[], options: { ops: number; pages: number; edges: boolean }): Promise<{ scenarios: LinuxOp[][]; results: (readonly LinuxOpResult[])[] }> {
  const key = JSON.stringify([seeds[0], seeds.length, options]);
  let run = linuxRuns.get(key);
  if (!run) {
    run = (async () => {
      const info = await probeInfo();
      const scenarios: LinuxOp[][] = seeds.map((s) => generateScenario(s, { ...options, anonName: info.anon_vma_name }));
      const outcomes = await runScenarios(scenarios, { timeoutMs: 20_000 });
      outcomes.forEach((o, i) => expect(o.status, `scenario seed ${seeds[i]} on ${info.kernel}`).toBe('ok'));
      return { scenarios, results: outcomes.map((o) => o.results) };
    })();
    linuxRuns.set(key, run);
  }
  return run;
}

async function differential(seeds: number[], options: { ops: number; pages: number; edges: boolean }, profile?: KernelProfile): Promise<{ agree: number; total: number; disagreements: Found[]; kernel: string; profile: KernelProfile }> {
  const info = await probeInfo();
  const used = profile ?? (await hostProfile());
  const { scenarios, results } = await onLinux(seeds, options);
  let agree = 0;
  let total = 0;
  const disagreements: Found[] = [];
  scenarios.forEach((ops, i) => {
    const model = new ModelScenario({ root: info.euid === 0, profile: used }).run(ops);
    const d = compareResults(ops, results[i], model);
    total += ops.length;
    agree += ops.length - d.length;
    disagreements.push(...d.map((x) => ({ ...x, seed: seeds[i] })));
  });
  return { agree, total, disagreements, kernel: info.kernel, profile: used };
}

/** Fails listing every disagreement with its call, both outputs, the kernel and the profile. */
function expectAgreement(r: Awaited<ReturnType<typeof differential>>, label: string): void {
  const name = describeKernelProfile(r.profile);
  console.info(`linux differential (${label}): ${r.agree}/${r.total} operations agree (${((100 * r.agree) / r.total).toFixed(2)}%) on ${r.kernel}, profile ${name}`);
  const text = r.disagreements.slice(0, 20).map((d) => formatDisagreement(d, r.kernel, name));
  expect(text, `${r.disagreements.length} disagreements with the live kernel ${r.kernel} (model profile ${name})`).toEqual([]);
}

const PLAIN = { seeds: Array.from({ length: 200 }, (_, i) => i + 1), options: { ops: 40, pages: 24, edges: false } };
const EDGES = { seeds: Array.from({ length: 100 }, (_, i) => 10_001 + i), options: { ops: 40, pages: 24, edges: true } };
const LONG = { seeds: Array.from({ length: 100 }, (_, i) => 5_000 + i), options: { ops: 120, pages: 48, edges: true } };

describe.skipIf(!availability.available)('model vs the live Linux kernel (linux-probe)', () => {
  it('agrees on 200 generated sequences of mmap-family calls, faults, fork and maps', async () => {
    expectAgreement(await differential(PLAIN.seeds, PLAIN.options), 'plain');
  }, 60_000);

  it('agrees on 100 sequences with boundary arguments, brk, mlockall and rlimits', async () => {
    expectAgreement(await differential(EDGES.seeds, EDGES.options), 'edges');
  }, 60_000);

  it('agrees on 100 long sequences (120 calls over 48 pages, with boundary arguments)', async () => {
    expectAgreement(await differential(LONG.seeds, LONG.options), 'long');
  }, 60_000);
});

/**
 * The profile is real: run the same suites with one field flipped against what the host does, and the model must
 * disagree with the kernel, and only in what that field changes. `layout` (VMA boundaries in maps/smaps) is
 * included where the field decides merges: anon_vma and VM_ACCOUNT are both part of VMA merge compatibility.
 */
const CONTRADICTIONS: readonly { field: 'zeroPageOnReadFault' | 'mprotectAccount'; flip: (p: KernelProfile) => Partial<KernelProfile>; may: readonly string[]; must: readonly string[] }[] = [
  {
    field: 'zeroPageOnReadFault',
    flip: (p) => ({ zeroPageOnReadFault: !p.zeroPageOnReadFault }),
    may: ['smaps.Rss', 'smaps.Anonymous', 'smaps.VmFlags', 'smaps.layout', 'maps.layout'],
    must: ['smaps.Rss', 'smaps.Anonymous'],
  },
  {
    field: 'mprotectAccount',
    flip: (p) => ({ mprotectAccount: p.mprotectAccount === 'keep' ? 'drop-without-anon-vma' : 'keep' }),
    may: ['smaps.VmFlags', 'smaps.layout', 'maps.layout'],
    must: ['smaps.VmFlags'],
  },
];

describe.skipIf(!availability.available)('a profile that contradicts the host fails for exactly that field', () => {
  for (const c of CONTRADICTIONS) {
    it(`${c.field} flipped`, async () => {
      const host = await hostProfile();
      const wrong: KernelProfile = { ...host, ...c.flip(host), name: `host-with-${c.field}-flipped` };
      const seen = new Set<string>();
      for (const suite of [PLAIN, EDGES, LONG]) {
        const r = await differential(suite.seeds, suite.options, wrong);
        for (const d of r.disagreements) {
          const fields = differingFields(d);
          const unexplained = fields.filter((f) => !c.may.includes(f));
          expect(unexplained, formatDisagreement(d, r.kernel, describeKernelProfile(wrong))).toEqual([]);
          for (const f of fields) seen.add(f);
        }
      }
      for (const f of c.must) expect([...seen], `the flipped ${c.field} must show in ${f}`).toContain(f);
    }, 120_000);
  }
});
