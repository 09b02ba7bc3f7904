import { describe, expect, it } from 'vitest';
import {
  ProbeCrashError,
  ProbeScenarioError,
  ProbeTimeoutError,
  PROBE_WINDOW_BASE,
  probeInfo,
  runBench,
  runScenario,
  runScenarios,
} from './index.js';
import type { LinuxOp } from './index.js';
import { PAGE, anon, available, errnoOf, run, skipReason, valueOf } from './test-support/probe.js';

describe('bad input is refused with typed errors', () => {
  // Encoding happens before the probe is compiled or started, so these run everywhere.
  it('rejects unsafe numbers, values past 64 bits and non-operations', async () => {
    await expect(runScenario([{ op: 'munmap', addr: 0.5, length: PAGE }])).rejects.toBeInstanceOf(ProbeScenarioError);
    await expect(runScenario([{ op: 'munmap', addr: 0, length: 1n << 64n }])).rejects.toThrow(/64 bits/);
    await expect(runScenario([{ op: 'munmap', addr: 0, length: 2 ** 60 }])).rejects.toThrow(/safe integer/);
    await expect(runScenario([null as unknown as LinuxOp])).rejects.toBeInstanceOf(ProbeScenarioError);
    await expect(runScenario([{ op: 'end_scenario' } as unknown as LinuxOp])).rejects.toThrow(/separator/);
    await expect(runScenario([{ op: 'read', addr: { abs: 1.5 }, length: 1 }])).rejects.toThrow(/safe integer/);
    await expect(runScenario([{ op: 'read', addr: { abs: -1 }, length: 1 }])).rejects.toThrow(/0\.\.2\^64-1/);
    await expect(runScenario([], { timeoutMs: -1 })).rejects.toBeInstanceOf(ProbeScenarioError);
  });
});

describe(`running scenarios ${skipReason}`, () => {
  it.skipIf(!available)('64-bit arguments pass exactly, as bigints or two\'s-complement negatives', async () => {
    const r = await run([
      anon(0, 1),
      { op: 'munmap', addr: 0, length: (1n << 64n) - 1n },
      { op: 'munmap', addr: 0, length: -1 },
      { op: 'msync', addr: { abs: 0 }, length: 0, flags: ['ASYNC'] },
      { op: 'read', addr: { abs: PROBE_WINDOW_BASE }, length: 1 },
    ]);
    expect(r.slice(1, 4).map(errnoOf)).toEqual(['EINVAL', 'EINVAL', undefined]);
    expect(valueOf(r[4])).toBe('00');
  });

  it.skipIf(!available)('an unknown op or name is a ProbeScenarioError naming the op', async () => {
    const bad = runScenario([anon(0, 1), { op: 'madvise', addr: 0, length: PAGE, advice: 'SOMETIMES' as never }]);
    await expect(bad).rejects.toMatchObject({ code: 'PROBE_BAD_SCENARIO', opIndex: 1 });
    await expect(runScenario([{ op: 'read', in: 'nobody', addr: 0, length: 1 }])).rejects.toThrow(/no process "nobody"/);
    // A misspelt field is refused, not silently defaulted.
    const typo = runScenario([anon(0, 1), { op: 'msync', addr: 0, length: PAGE, flag: 4 } as unknown as LinuxOp]);
    await expect(typo).rejects.toMatchObject({ opIndex: 1, message: expect.stringMatching(/msync has no field "flag"/) as unknown });
  });

  it.skipIf(!available)('a scenario that hangs is killed and reported with its partial results', async () => {
    const err: unknown = await runScenario(
      [
        anon(0, 1),
        { op: 'uffd_create' },
        { op: 'uffd_api' },
        { op: 'uffd_register', addr: 0, length: PAGE, mode: 'MISSING' },
        { op: 'read', addr: 0, length: 1 }, // faults on the main thread: nobody will resolve it
      ],
      { timeoutMs: 500 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeTimeoutError);
    expect((err as ProbeTimeoutError).partial.map((x) => x.op)).toEqual(['mmap', 'uffd_create', 'uffd_api', 'uffd_register']);
  });

  it.skipIf(!available)('a process killed by a signal outside an access op is a ProbeCrashError', async () => {
    const err: unknown = await runScenario([
      { op: 'memfd_create', name: 'f' },
      { op: 'setrlimit', resource: 'FSIZE', cur: 0 },
      { op: 'pwrite', fd: 'f', data: '00' }, // past RLIMIT_FSIZE: SIGXFSZ, whose default action kills
      { op: 'maps' },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeCrashError);
    expect((err as ProbeCrashError).signal).toBe('SIGXFSZ');
    expect((err as ProbeCrashError).partial.map((x) => x.op)).toEqual(['memfd_create', 'setrlimit']);
  });

  it.skipIf(!available)('runScenarios runs each scenario in a fresh process', async () => {
    const outcomes = await runScenarios([
      [anon(0, 1), { op: 'maps' }],
      [{ op: 'maps' }, { op: 'brk' }],
      [{ op: 'read', in: 'ghost', addr: 0, length: 1 }],
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'rejected']);
    expect(valueOf(outcomes[1].results[0])).toEqual([]);
    expect(valueOf(outcomes[1].results[1])).toBe(0);
  });

  it.skipIf(!available)('probeInfo describes the kernel; runBench times native operations', async () => {
    const info = await probeInfo();
    expect(info.window_base).toBe(`0x${PROBE_WINDOW_BASE.toString(16)}`);
    expect(info.page_size).toBe(PAGE);
    const benches = await runBench([
      { op: 'bench', name: 'mmap_munmap_1page', iterations: 200, samples: 3 },
      { op: 'bench', name: 'mprotect_split_merge', iterations: 100, samples: 3, vmas: 1000 },
      { op: 'bench', name: 'map_fixed', iterations: 10, samples: 1, vmas: info.max_map_count + 10 },
    ]);
    expect(benches[0]).toMatchObject({ ok: true, bench: { name: 'mmap_munmap_1page', units_per_sample: 200 } });
    expect(benches[1]).toMatchObject({ ok: true });
    if (benches[0].ok) expect(benches[0].bench.samples_ns_per_op).toHaveLength(3);
    expect(benches[2]).toMatchObject({ ok: false, errno: 'ENOMEM' });
  });
});
