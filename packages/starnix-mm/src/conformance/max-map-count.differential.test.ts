/**
 * Issue 27: vm.max_map_count, the model against the live kernel. Each sequence maps a few VMAs in the probe's window,
 * fills the address space to k VMAs below the limit (`map_count_fill`, outside the window), then makes the calls
 * that need new VMAs, split, merge or replace them, reading the count after each (`map_count`). Both sides count
 * relative to their own limit and their own VMAs (the probe process has a few dozen of its own, the model two), so the
 * comparison depends neither on the host's limit nor on either side's base count.
 *
 * The model follows the host's detected profile, with its vm.max_map_count (the test's title says which): it then
 * holds as many VMAs as the kernel, and validates its invariants after the fill and at every maps listing (each
 * check costs O(VMAs)). The same sequences run again on a profile with a limit of 300 and per-call validation,
 * including the check that a failed all-or-nothing call changed nothing: the answers must be the same.
 */
import { describe, expect, it } from 'vitest';
import { probeAvailability, probeInfo, runScenarios, type LinuxOp } from '@memsim/linux-probe';
import { BoundedModel } from '../test-support/bounded.js';
import { compareResults, formatDisagreement } from '../test-support/compare.js';
import { describeKernelProfile, profileFromHost, type KernelProfile } from '../profile/kernel-profile.js';

const availability = probeAvailability();
const info = availability.available ? await probeInfo() : undefined;
const host: KernelProfile | undefined = info ? profileFromHost({ kernel: info.kernel, ...info.profile } as Parameters<typeof profileFromHost>[0]) : undefined;
// probe --info reports 0 when /proc/sys/vm/max_map_count cannot be read.
const skip = !availability.available ? `skipped: ${availability.reason}` : !host || host.maxMapCount <= 0 ? 'skipped: /proc/sys/vm/max_map_count is unreadable on this host' : undefined;
const LOW_LIMIT = 300;
const MODEL_BUDGET_MS = 30_000;

const P = 0x1000;
const RW = ['READ', 'WRITE'] as const;
const PA_FIXED = ['PRIVATE', 'ANONYMOUS', 'FIXED'] as const;
const anon = (addr: number, pages: number, prot: readonly string[] = RW): LinuxOp => ({ op: 'mmap', addr, length: pages * P, prot: [...prot] as never, flags: [...PA_FIXED] });
const count: LinuxOp = { op: 'map_count' };
const fill = (below: number): LinuxOp => ({ op: 'map_count_fill', below });

/** The sequences: what Linux answers at and near the limit. */
const SEQUENCES: Record<string, LinuxOp[]> = {
  'mmap at the limit: one past it, then ENOMEM even where it would merge or replace': [
    anon(0, 2),
    anon(0x10 * P, 1),
    fill(0),
    count,
    anon(0x20 * P, 1),
    count,
    anon(0x30 * P, 1),
    anon(0x21 * P, 1),
    anon(0x10 * P, 1),
    { op: 'munmap', addr: 0x20 * P, length: P },
    count,
    anon(0x10 * P, 1, ['READ']),
    anon(0x11 * P, 1, ['READ']),
    count,
    anon(P, 1),
    count,
    { op: 'mmap', addr: null, length: P, prot: [...RW], flags: ['PRIVATE', 'ANONYMOUS'] },
    { op: 'maps' },
  ],
  'splits at the limit: mprotect, madvise, mlock, mseal and munmap': [
    anon(0, 8),
    fill(0),
    { op: 'mprotect', addr: 2 * P, length: P, prot: ['READ'] },
    { op: 'mprotect', addr: 0, length: P, prot: ['READ'] },
    { op: 'mprotect', addr: 7 * P, length: P, prot: ['READ'] },
    { op: 'madvise', addr: 2 * P, length: P, advice: 'DONTFORK' },
    { op: 'madvise', addr: 0, length: P, advice: 'DONTFORK' },
    { op: 'madvise', addr: 2 * P, length: P, advice: 'GUARD_INSTALL' },
    { op: 'madvise', addr: 2 * P, length: P, advice: 'DONTNEED' },
    { op: 'mlock', addr: 2 * P, length: P },
    { op: 'mlock2', addr: 0, length: P, flags: ['ONFAULT'] },
    { op: 'mseal', addr: 2 * P, length: P },
    { op: 'munmap', addr: 2 * P, length: P },
    count,
    { op: 'munmap', addr: 0, length: P },
    count,
    { op: 'munmap', addr: 7 * P, length: P },
    count,
    { op: 'mprotect', addr: P, length: 6 * P, prot: ['READ'] },
    count,
    { op: 'maps' },
  ],
  'merges at the limit: mprotect joining neighbours, mmap extending one': [
    anon(0, 2),
    anon(2 * P, 2, ['READ']),
    anon(4 * P, 2),
    fill(0),
    count,
    { op: 'mprotect', addr: 2 * P, length: P, prot: [...RW] },
    count,
    { op: 'mprotect', addr: 3 * P, length: P, prot: [...RW] },
    count,
    anon(6 * P, 1),
    count,
    { op: 'maps' },
  ],
  'MAP_FIXED over part of a VMA one and two below the limit': [
    anon(0, 4),
    anon(8 * P, 4),
    fill(2),
    anon(P, 1, ['READ']),
    count,
    anon(10 * P, 1, ['READ']),
    count,
    anon(2 * P, 1, ['READ']),
    count,
    anon(9 * P, 1, ['READ']),
    count,
    { op: 'maps' },
  ],
  'one below the limit: a change in the middle of a VMA splits once, then fails': [
    anon(0, 4),
    anon(8 * P, 4),
    anon(16 * P, 4),
    anon(24 * P, 4),
    anon(32 * P, 1, ['READ']),
    anon(34 * P, 1, ['READ']),
    anon(36 * P, 1, ['READ']),
    fill(1),
    { op: 'mprotect', addr: P, length: P, prot: ['READ'] },
    count,
    { op: 'munmap', addr: 32 * P, length: P },
    { op: 'madvise', addr: 9 * P, length: P, advice: 'DONTFORK' },
    count,
    { op: 'munmap', addr: 34 * P, length: P },
    { op: 'mlock', addr: 17 * P, length: P },
    count,
    { op: 'munmap', addr: 36 * P, length: P },
    { op: 'mseal', addr: 25 * P, length: P },
    count,
    { op: 'munmap', addr: 24 * P, length: 4 * P },
    { op: 'munmap', addr: 16 * P, length: 4 * P },
    { op: 'maps' },
  ],
  'fork at the limit: the child has the same count': [
    anon(0, 4),
    fill(1),
    { op: 'fork', child: 'c1' },
    { op: 'map_count', in: 'c1' },
    { op: 'mprotect', in: 'c1', addr: P, length: P, prot: ['READ'] },
    { op: 'mprotect', in: 'c1', addr: 2 * P, length: P, prot: ['READ'] },
    { op: 'map_count', in: 'c1' },
    { op: 'maps', in: 'c1' },
    count,
    { op: 'maps' },
  ],
};

// mremap near the limit: a move needs headroom (Linux keeps three VMAs spare), and the calls are tried from 0 to 6
// VMAs below the limit.
for (let below = 0; below <= 6; below++) {
  SEQUENCES[`mremap ${below} below the limit`] = [
    anon(0, 4),
    anon(0x10 * P, 2),
    anon(0x20 * P, 2),
    fill(below),
    { op: 'mremap', old_address: 0x20 * P, old_size: 2 * P, new_size: 3 * P },
    count,
    { op: 'mremap', old_address: 0x20 * P, old_size: 3 * P, new_size: P },
    count,
    { op: 'mremap', old_address: 0x10 * P, old_size: 2 * P, new_size: 2 * P, flags: ['MAYMOVE', 'FIXED'], new_address: 0x40 * P },
    count,
    { op: 'mremap', old_address: P, old_size: P, new_size: P, flags: ['MAYMOVE', 'FIXED'], new_address: 0x50 * P },
    count,
    { op: 'mremap', old_address: 0, old_size: P, new_size: 4 * P, flags: ['MAYMOVE'] },
    count,
    { op: 'mremap', old_address: 2 * P, old_size: P, new_size: P, flags: ['MAYMOVE', 'DONTUNMAP'], new_address: 0x60 * P },
    count,
    { op: 'maps' },
  ];
}

/** Every disagreement of the model (following `profile`) with the kernel's runs, formatted. */
async function disagreements(profile: KernelProfile): Promise<string[]> {
  const named = Object.entries(SEQUENCES);
  const outcomes = await linuxRuns();
  const model = new BoundedModel(info!.euid === 0);
  const out: string[] = [];
  try {
    for (const [i, o] of outcomes.entries()) {
      const [name, ops] = named[i];
      if (o.status !== 'ok') {
        out.push(`${name}: probe ${o.status}`);
        continue;
      }
      const m = await model.run(name, ops, MODEL_BUDGET_MS, profile, 'single');
      if ('failure' in m) {
        out.push(`${name}: model ${m.failure}`);
        continue;
      }
      for (const d of compareResults(ops, o.results, m.results)) out.push(`${name}: ${formatDisagreement(d, info!.kernel, describeKernelProfile(profile))}`);
    }
  } finally {
    model.close();
  }
  return out;
}

let kernelRuns: ReturnType<typeof runScenarios> | undefined;
function linuxRuns(): ReturnType<typeof runScenarios> {
  kernelRuns ??= runScenarios(Object.values(SEQUENCES), { timeoutMs: 20_000 });
  return kernelRuns;
}

describe.skipIf(skip !== undefined)(`vm.max_map_count against the live kernel ${skip ?? `(host limit ${host?.maxMapCount}, from the detected profile)`}`, () => {
  it(`agrees at the host's limit (${host?.maxMapCount} VMAs on both sides)`, async () => {
    expect(await disagreements(host!)).toEqual([]);
  }, 300_000);

  it(`agrees on a profile with a limit of ${LOW_LIMIT}, validated after every call`, async () => {
    expect(await disagreements({ ...host!, name: `${host!.name}+max_map_count=${LOW_LIMIT}`, maxMapCount: LOW_LIMIT })).toEqual([]);
  }, 120_000);
});
