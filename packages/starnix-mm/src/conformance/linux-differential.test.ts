/**
 * Point 9: the model against the live kernel. Seeded call sequences run in the probe's address window on Linux
 * and on the model; results, errnos, fault signals, maps lines (window-relative) and page hashes must agree. The
 * model follows the host's kernel profile, measured once by the probe; every failure names the kernel and profile.
 */
import { describe, expect, it } from 'vitest';
import { probeAvailability, probeInfo, runScenarios, type LinuxOp } from '@memsim/linux-probe';
import { generateScenario } from '../test-support/generate.js';
import { BoundedModel } from '../test-support/bounded.js';
import { compareResults, differingFields, formatDisagreement, type Disagreement } from '../test-support/compare.js';
import { testDesign } from '../test-support/setup.js';
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';
import { classifyPerMapping, PER_MAPPING_DIFFERENCES, type PerMappingDifference } from '../test-support/starnix-differences.js';
import { describeKernelProfile, profileFromHost, type KernelProfile } from '../profile/kernel-profile.js';

const availability = probeAvailability();
/** The design the model runs in by default (MEMSIM_TEST_ANON_BACKING, docs/testing.md). */
const DESIGN = testDesign();
/** The mremap campaign's generator options and its first seed. */
const CAMPAIGN = { ops: 60, pages: 24, edges: true, remap: true } as const;
const CAMPAIGN_FIRST_SEED = 1_000_001;
/** Time budget of one generated sequence on the model (they take a few ms; a hang fails its seed alone). */
const MODEL_BUDGET_MS = 5_000;
if (!availability.available) console.info(`linux differential skipped: ${availability.reason}`);

type Options = { ops: number; pages: number; edges: boolean; remap?: boolean };
type Found = Disagreement & { seed: number };
type LinuxRun = { scenarios: LinuxOp[][]; outcomes: Awaited<ReturnType<typeof runScenarios>> };

async function hostProfile(): Promise<KernelProfile> {
  const info = await probeInfo();
  return profileFromHost({ kernel: info.kernel, ...info.profile } as Parameters<typeof profileFromHost>[0]);
}

async function runLinux(seeds: number[], options: Options): Promise<LinuxRun> {
  const info = await probeInfo();
  const scenarios: LinuxOp[][] = seeds.map((s) => generateScenario(s, { ...options, anonName: info.anon_vma_name }));
  return { scenarios, outcomes: await runScenarios(scenarios, { timeoutMs: 20_000 }) };
}

/** The probe's results for a seed list, run once per options and shared by the tests that compare them. */
const linuxRuns = new Map<string, Promise<LinuxRun>>();

function onLinux(seeds: number[], options: Options): Promise<LinuxRun> {
  const key = JSON.stringify([seeds[0], seeds.length, options]);
  let run = linuxRuns.get(key);
  if (!run) {
    run = runLinux(seeds, options);
    linuxRuns.set(key, run);
  }
  return run;
}

/** Compares the kernel's run of the seeds with the model's; a probe failure or a model hang is a disagreement of its seed. */
async function compareSeeds(seeds: number[], linux: LinuxRun, model: BoundedModel, profile: KernelProfile, design: AnonBackingDesign = DESIGN): Promise<{ agree: number; total: number; disagreements: Found[]; expected: Map<PerMappingDifference, number> }> {
  const expected = new Map<PerMappingDifference, number>();
  let agree = 0;
  let total = 0;
  const disagreements: Found[] = [];
  const note = (seed: number, l: unknown, m: unknown): void => {
    disagreements.push({ seed, index: -1, op: { op: 'maps' }, linux: l, model: m });
  };
  for (const [i, o] of linux.outcomes.entries()) {
    const ops = linux.scenarios[i];
    const seed = seeds[i];
    total += ops.length;
    if (o.status !== 'ok') {
      note(seed, `probe ${o.status}`, 'n/a');
      continue;
    }
    // Each sequence has its own budget on the model: a call that never returns fails this seed alone.
    const m = await model.run(`seed ${seed}`, ops, MODEL_BUDGET_MS, profile, design);
    if ('failure' in m) {
      note(seed, 'returned', m.failure);
      continue;
    }
    const d = compareResults(ops, o.results, m.results);
    // 'per-mapping': a sequence whose first disagreement is a named Starnix difference is an expected difference
    // (what follows runs on a different state), not a pass and not a failure.
    const named = design === 'per-mapping' && d.length > 0 ? classifyPerMapping(d[0]) : undefined;
    if (named) {
      expected.set(named, (expected.get(named) ?? 0) + 1);
      agree += d[0].index;
      total -= ops.length - d[0].index;
      continue;
    }
    agree += ops.length - d.length;
    disagreements.push(...d.map((x) => ({ ...x, seed })));
  }
  return { agree, total, disagreements, expected };
}

async function differential(seeds: number[], options: Options, profile?: KernelProfile, design: AnonBackingDesign = DESIGN): Promise<{ agree: number; total: number; disagreements: Found[]; expected: Map<PerMappingDifference, number>; kernel: string; profile: KernelProfile; design: AnonBackingDesign }> {
  const info = await probeInfo();
  const used = profile ?? (await hostProfile());
  const model = new BoundedModel(info.euid === 0);
  try {
    return { ...(await compareSeeds(seeds, await onLinux(seeds, options), model, used, design)), kernel: info.kernel, profile: used, design };
  } finally {
    model.close();
  }
}

/** Fails listing every disagreement with its call, both outputs, the kernel and the profile. */
function expectAgreement(r: Awaited<ReturnType<typeof differential>>, label: string): void {
  const name = describeKernelProfile(r.profile);
  console.info(`linux differential (${label}, ${r.design}): ${r.agree}/${r.total} operations agree (${((100 * r.agree) / r.total).toFixed(2)}%) on ${r.kernel}, profile ${name}`);
  for (const [k, n] of r.expected) console.info(`  expected Starnix difference ${k}: ${n} sequences (${PER_MAPPING_DIFFERENCES[k]})`);
  const text = r.disagreements.slice(0, 20).map((d) => formatDisagreement(d, r.kernel, name));
  expect(text, `${r.disagreements.length} disagreements with the live kernel ${r.kernel} (model profile ${name})`).toEqual([]);
}

const PLAIN = { seeds: Array.from({ length: 200 }, (_, i) => i + 1), options: { ops: 40, pages: 24, edges: false } };
const EDGES = { seeds: Array.from({ length: 100 }, (_, i) => 10_001 + i), options: { ops: 40, pages: 24, edges: true } };
const LONG = { seeds: Array.from({ length: 100 }, (_, i) => 5_000 + i), options: { ops: 120, pages: 48, edges: true } };

// Both designs against the same kernel runs (the probe runs each seed list once): in 'per-mapping' a sequence
// whose first disagreement is a named Starnix difference is reported as one, never as a pass or a failure.
describe.skipIf(!availability.available).each(['single', 'per-mapping'] as const)('model (%s) vs the live Linux kernel (linux-probe)', (design) => {
  it('agrees on 200 generated sequences of mmap-family calls, faults, fork and maps', async () => {
    expectAgreement(await differential(PLAIN.seeds, PLAIN.options, undefined, design), 'plain');
  }, 60_000);

  it('agrees on 100 sequences with boundary arguments, brk, mlockall and rlimits', async () => {
    expectAgreement(await differential(EDGES.seeds, EDGES.options, undefined, design), 'edges');
  }, 60_000);

  it('agrees on 100 long sequences (120 calls over 48 pages, with boundary arguments)', async () => {
    expectAgreement(await differential(LONG.seeds, LONG.options, undefined, design), 'long');
  }, 60_000);

  it('agrees on 60 sequences of the mremap campaign (seeds 1 000 001-1 000 060, a fixed slice of the live campaign)', async () => {
    const seeds = Array.from({ length: 60 }, (_, i) => CAMPAIGN_FIRST_SEED + i);
    expectAgreement(await differential(seeds, CAMPAIGN, undefined, design), 'mremap campaign slice');
  }, 60_000);
});

// Divergences the campaign found whose evidence is in smaps (which the conformance runner's model does not show),
// shrunk: each must agree with the live kernel op by op.
const SHRUNK: Record<string, LinuxOp[]> = {
  // Seeds 1001675, 1001892, 1001979: a read fault past EOF runs fault-around before it fails with SIGBUS.
  'fault-around before SIGBUS': [
    { op: 'memfd_create', name: 'f', size: 0x8000 },
    { op: 'pwrite', fd: 'f', offset: 0, fill: 0x5a, length: 0x3064 },
    { op: 'ftruncate', fd: 'f', size: 0x107b },
    { op: 'mmap', addr: 0xa000, length: 0x2000, prot: ['READ'], flags: ['PRIVATE', 'FIXED'], fd: 'f', offset: 0x1000 },
    { op: 'read', addr: 0xb000, length: 16 },
    { op: 'smaps' },
  ],
  // Seeds 1004996 and 1004382: a private write fault past EOF attaches the anon_vma before it fails, so the VMA
  // no longer merges with a neighbour and fork copies its page tables.
  'anon_vma of a write past EOF (merge)': [
    { op: 'memfd_create', name: 'f', size: 0x8000 },
    { op: 'mmap', addr: 0x11000, length: 0x2000, prot: ['WRITE'], flags: ['PRIVATE', 'FIXED'], fd: 'f', offset: 0x2000 },
    { op: 'mlock', addr: 0x12000, length: 0x3000 },
    { op: 'ftruncate', fd: 'f', size: 0x3000 },
    { op: 'write', addr: 0x115b4, data: 'a5a5' },
    { op: 'write', addr: 0x12d2d, data: 'a5a5' },
    { op: 'munlock', addr: 0x12000, length: 0x2000 },
    { op: 'maps' },
    { op: 'smaps' },
  ],
  'anon_vma of a write past EOF (fork)': [
    { op: 'memfd_create', name: 'f', size: 0x8000 },
    { op: 'mmap', addr: 0x11000, length: 0x6000, prot: ['READ', 'WRITE'], flags: ['PRIVATE', 'FIXED'], fd: 'f', offset: 0x3000 },
    { op: 'write', addr: 0x16fbe, data: 'a5a5' },
    { op: 'hash', addr: 0x14000, length: 16 },
    { op: 'fork', child: 'c1' },
    { op: 'smaps', in: 'c1' },
  ],
  // Seed 1004185: reading a page a write fault already mapped does not fault, so nothing is mapped around it.
  'no fault-around without a fault': [
    { op: 'memfd_create', name: 'f', size: 0x8000 },
    { op: 'pwrite', fd: 'f', offset: 0, fill: 0x5a, length: 0x3064 },
    { op: 'mmap', addr: 0xb000, length: 0x2000, prot: ['WRITE'], flags: ['SHARED', 'FIXED'], fd: 'f', offset: 0 },
    { op: 'write', addr: 0xb09c, data: 'a5a5' },
    { op: 'hash', addr: 0xb000, length: 0x1000 },
    { op: 'smaps' },
  ],
  // Seed 1002286: pages a truncation removed fault again (and are mapped again) after the file grows back.
  'fault after truncate and regrow': [
    { op: 'memfd_create', name: 'f', size: 0x8000 },
    { op: 'mmap', addr: 0xc000, length: 0x4000, prot: ['READ', 'EXEC'], flags: ['PRIVATE', 'FIXED'], fd: 'f', offset: 0x3000 },
    { op: 'hash', addr: 0xc000, length: 0x4000 },
    { op: 'ftruncate', fd: 'f', size: 0x207b },
    { op: 'ftruncate', fd: 'f', size: 0x8000 },
    { op: 'hash', addr: 0xd000, length: 0x3000 },
    { op: 'smaps' },
  ],
  // Seed 1007968: process_vm_readv of a write-only VMA fails before faulting, so it maps nothing around the page.
  'no fault-around for a refused GUP read': [
    { op: 'mmap', addr: 0x15000, length: 0x4000, prot: ['WRITE'], flags: ['SHARED', 'ANONYMOUS', 'FIXED', 'POPULATE'] },
    { op: 'mremap', old_address: 0x16000, old_size: 0x2000, new_size: 0x5000, flags: ['MAYMOVE', 'FIXED'], new_address: 0x7000 },
    { op: 'fork', child: 'c1' },
    { op: 'process_vm_readv', in: 'c1', addr: 0xa000, length: 12020 },
    { op: 'smaps', in: 'c1' },
  ],
};

describe.skipIf(!availability.available)('shrunk campaign divergences against the live kernel', () => {
  it.each(Object.keys(SHRUNK))('%s', async (name) => {
    const ops = SHRUNK[name];
    const info = await probeInfo();
    const [o] = await runScenarios([ops], { timeoutMs: 10_000 });
    expect(o.status).toBe('ok');
    const model = new BoundedModel(info.euid === 0);
    try {
      const m = await model.run(name, ops, MODEL_BUDGET_MS, await hostProfile());
      if ('failure' in m) throw new Error(m.failure);
      if (o.status === 'ok') expect(compareResults(ops, o.results, m.results)).toEqual([]);
    } finally {
      model.close();
    }
  }, 30_000);
});

// The campaign recorded in docs/conformance.md: MEMSIM_CAMPAIGN=<first seed>:<count> runs that range (skipped
// otherwise), 250 sequences per probe run, one model worker throughout.
const campaignRange = /^(\d+):(\d+)$/.exec(process.env.MEMSIM_CAMPAIGN ?? '');
describe.skipIf(!availability.available || !campaignRange)('mremap campaign against the live kernel (MEMSIM_CAMPAIGN)', () => {
  it('agrees on every sequence of the range', async () => {
    const first = Number(campaignRange?.[1]);
    const count = Number(campaignRange?.[2]);
    const info = await probeInfo();
    const profile = await hostProfile();
    const model = new BoundedModel(info.euid === 0);
    const bad: Found[] = [];
    let total = 0;
    try {
      for (let s = first; s < first + count; s += 250) {
        const seeds = Array.from({ length: Math.min(250, first + count - s) }, (_, i) => s + i);
        const r = await compareSeeds(seeds, await runLinux(seeds, CAMPAIGN), model, profile);
        total += r.total;
        bad.push(...r.disagreements);
      }
    } finally {
      model.close();
    }
    const seeds = new Set(bad.map((b) => b.seed));
    console.info(`mremap campaign seeds ${first}-${first + count - 1}: ${count} sequences, ${total} operations, ${bad.length} disagreements in ${seeds.size} sequences`);
    for (const b of bad.slice(0, 20)) console.info(`seed ${b.seed}: ${JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
    expect(bad.length).toBe(0);
  }, 600_000);
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
        // The profile is under test, not the design: in 'per-mapping' a named Starnix difference would end a
        // sequence before the flipped field could show, so these run in 'single' whatever the environment says.
        const r = await differential(suite.seeds, suite.options, wrong, 'single');
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
