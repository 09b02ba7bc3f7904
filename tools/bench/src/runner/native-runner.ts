import { readFileSync, writeFileSync } from 'node:fs';
import { probeAvailability, probeInfo, runBench, type BenchOp } from '@memsim/linux-probe';
import type { NativeSpec } from '../rows/row.js';
import { summarize } from '../stats/summary.js';
import type { Side } from './measurement.js';

const MAX_MAP_COUNT = '/proc/sys/vm/max_map_count';

/** Runs native benchmarks through the probe, in one probe process; one Side per spec, in order. */
export async function measureNative(specs: readonly { spec: NativeSpec; vmas: number }[], samples: number): Promise<Side[]> {
  const avail = probeAvailability();
  if (!avail.available) return specs.map(() => ({ unavailable: `probe unavailable: ${avail.reason}` }));
  const ops: BenchOp[] = specs.map(({ spec, vmas }) => ({
    op: 'bench',
    name: spec.name,
    iterations: spec.iterations,
    samples,
    ...(vmas > 0 ? { vmas } : {}),
    ...(spec.pages !== undefined ? { pages: spec.pages } : {}),
    ...(spec.mib !== undefined ? { mib: spec.mib } : {}),
  }));
  const out = await runBench(ops, { timeoutMs: 900_000 });
  return out.map((o) => {
    if (!o.ok) return { unavailable: `native ${o.name}: ${o.errno}${o.detail ? ` (${o.detail})` : ''}` };
    const perUnit = [...o.bench.samples_ns_per_op];
    const summary = summarize(perUnit);
    return { nsPerUnit: o.bench.ns_per_op, summary, samplesNsPerUnit: perUnit, unitsPerSample: o.bench.units_per_sample };
  });
}

/**
 * Raises vm.max_map_count for the run when a field of `vmas` VMAs needs it (root only), and returns a restore
 * function. If it cannot, returns the reason: those native cells are then reported unavailable, never faked.
 */
export async function ensureMapCount(vmas: number): Promise<{ restore: () => void } | { reason: string }> {
  const need = vmas + 1024;
  let current: number;
  try {
    current = Number(readFileSync(MAX_MAP_COUNT, 'utf8').trim());
  } catch (e) {
    return { reason: `cannot read vm.max_map_count: ${(e as Error).message}` };
  }
  if (current >= need) return { restore: () => undefined };
  try {
    const info = await probeInfo();
    if (info.euid !== 0) return { reason: `vm.max_map_count is ${current} and the probe is not root` };
    writeFileSync(MAX_MAP_COUNT, `${need}\n`);
  } catch (e) {
    return { reason: `vm.max_map_count is ${current} and raising it failed: ${(e as Error).message}` };
  }
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      writeFileSync(MAX_MAP_COUNT, `${current}\n`);
    } catch {
      // Nothing more to do: the value is reported in the run log.
    }
  };
  process.once('exit', restore);
  return { restore };
}
