import { machineInfo, type MachineInfo } from './machine.js';
import { getGc, measureMemory, type MemoryResult } from './memory/heap.js';
import { buildField, newProcess } from './model/field.js';
import { PAGE_ROWS } from './rows/page-rows.js';
import { PLAYGROUND_ROWS, measureBundle, type BundleSize } from './rows/playground-rows.js';
import type { RowSpec } from './rows/row.js';
import { UFFD_ROWS } from './rows/uffd-rows.js';
import { VMA_ROWS } from './rows/vma-rows.js';
import { measured, poolRounds, type Side } from './runner/measurement.js';
import { measureMemsim } from './runner/memsim-runner.js';
import { ensureMapCount, measureNative } from './runner/native-runner.js';
import { ratio, summarize } from './stats/summary.js';

/** Every row, in report order. */
export const ALL_ROWS: readonly RowSpec[] = [...VMA_ROWS, ...PAGE_ROWS, ...UFFD_ROWS, ...PLAYGROUND_ROWS];

/** The pseudo-row of the playground's bundle size (measured by a build, not timed): `--only playground_bundle`. */
export const BUNDLE_ROW = 'playground_bundle';

/** The VMA counts of a full run and of a quick one. */
export const FULL_NS = [1_000, 10_000, 100_000, 1_000_000] as const;
export const QUICK_NS = [1_000, 10_000] as const;

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  readonly quick: boolean;
  /** Row ids to run (all when empty). */
  readonly only: readonly string[];
  /** VMA counts to run the per-N rows at, a subset of the run's (all when empty or absent). */
  readonly ns?: readonly number[];
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Skip the heap measurement. */
  readonly skipMemory?: boolean;
}

/** One cell of the table: a row at one N (null for rows N does not apply to). */
export interface RowResult {
  readonly row: string;
  readonly title: string;
  readonly unit: string;
  readonly n: number | null;
  readonly bytesPerUnit?: number;
  readonly memsim: Side;
  readonly native: Side;
  /** memsim / native (time), or null. */
  readonly ratio: number | null;
  /** Rows that compress: the codec. */
  readonly codec?: string;
  /** Rows that compress: plaintext bytes over stored bytes. */
  readonly compressionRatio?: number;
  /**
   * 'per-mapping' when memsim ran in Starnix's per-mapping design of private anonymous memory (the row beside the
   * default design's, same native side; no target applies); absent for the default design, 'single'.
   */
  readonly design?: 'per-mapping';
}

/** A whole run. */
export interface SuiteResult {
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly ns: readonly number[];
  readonly rows: readonly RowResult[];
  /** Native memcpy of 64 MiB, the bandwidth yardstick for the bulk rows. */
  readonly memcpy64MiB: Side;
  readonly memory: MemoryResult | { unavailable: string };
  /** Time to build each memsim field, ms (keys: N, and `N per-mapping` for the per-mapping design's field). */
  readonly fieldBuildMs: Readonly<Record<string, number>>;
  /** The browser playground's bundle (absent from runs saved before it existed). */
  readonly playgroundBundle?: BundleSize;
  readonly durationS: number;
}

/** Rounds per cell and samples per round: fewer for quick runs and at 1M VMAs (a full run stays within minutes). */
export function plan(quick: boolean, n: number | null): { rounds: number; samples: number } {
  if (quick) return { rounds: 2, samples: 4 };
  if (n !== null && n >= 1_000_000) return { rounds: 1, samples: 7 };
  if (n === null) return { rounds: 2, samples: 6 };
  return { rounds: 3, samples: 7 };
}

function errorSide(e: unknown): Side {
  return { unavailable: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

async function memsimSide(row: RowSpec, mm: Parameters<RowSpec['memsim']>[0]['mm'], n: number, samples: number): Promise<Side> {
  let sampler;
  try {
    sampler = await row.memsim({ mm, n });
  } catch (e) {
    return errorSide(e);
  }
  try {
    return await measureMemsim(row.id, sampler, samples, getGc());
  } catch (e) {
    return errorSide(e);
  } finally {
    sampler.dispose?.();
  }
}

/** One native round for these rows at N VMAs (raising vm.max_map_count for the round when needed). */
async function nativeSides(rows: readonly RowSpec[], n: number, samples: number): Promise<Side[]> {
  if (rows.length === 0) return [];
  const mapCount = await ensureMapCount(n);
  if ('reason' in mapCount) return rows.map(() => ({ unavailable: mapCount.reason }));
  try {
    return await measureNative(
      rows.map((r) => ({ spec: r.native as Exclude<RowSpec['native'], { unavailable: string }>, vmas: n })),
      samples,
    );
  } catch (e) {
    return rows.map(() => errorSide(e));
  } finally {
    mapCount.restore();
  }
}

function cell(row: RowSpec, n: number | null, memsim: Side, native: Side, design?: 'per-mapping'): RowResult {
  return {
    ...(design ? { design } : {}),
    row: row.id,
    title: row.title,
    unit: row.unit,
    n,
    ...(row.bytesPerUnit !== undefined ? { bytesPerUnit: row.bytesPerUnit } : {}),
    memsim,
    native,
    ratio: measured(memsim) && measured(native) ? ratio(memsim.nsPerUnit, native.nsPerUnit) : null,
    ...(row.compression ? { codec: row.compression.codec } : {}),
    ...(row.compression?.ratio() != null ? { compressionRatio: row.compression.ratio() as number } : {}),
  };
}

/** Runs the suite: per N, the native rows (one probe process) then the memsim rows on one field; then the rest. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const machine = machineInfo();
  const selected = ALL_ROWS.filter((r) => options.only.length === 0 || options.only.includes(r.id));
  const unknown = options.only.filter((id) => id !== BUNDLE_ROW && !ALL_ROWS.some((r) => r.id === id));
  if (unknown.length > 0) throw new RangeError(`unknown row(s) ${unknown.join(', ')}; rows: ${[...ALL_ROWS.map((r) => r.id), BUNDLE_ROW].join(', ')}`);
  const all: readonly number[] = options.quick ? QUICK_NS : FULL_NS;
  const wanted = options.ns ?? [];
  const badN = wanted.filter((n) => !all.includes(n));
  if (badN.length > 0) throw new RangeError(`VMA count(s) ${badN.join(', ')} not in this run; counts: ${all.join(', ')}`);
  const ns = all.filter((n) => wanted.length === 0 || wanted.includes(n));
  const rows: RowResult[] = [];
  const fieldBuildMs: Record<string, number> = {};
  const perN = selected.filter((r) => r.perN);
  for (const n of perN.length > 0 ? ns : []) {
    const { rounds, samples } = plan(options.quick, n);
    options.log(`N = ${n}: building the memsim field`);
    const t0 = performance.now();
    const mm = buildField(n);
    fieldBuildMs[String(n)] = Math.round(performance.now() - t0);
    // The per-mapping design's rows run on a field of their own, built the same way.
    const pmRows = perN.filter((r) => r.perMapping === true);
    let pm: ReturnType<typeof buildField> | undefined;
    if (pmRows.length > 0) {
      options.log(`N = ${n}: building the memsim field (per-mapping design)`);
      const t1 = performance.now();
      pm = buildField(n, newProcess('per-mapping'));
      fieldBuildMs[`${n} per-mapping`] = Math.round(performance.now() - t1);
    }
    const nativeRows = perN.filter((r) => !('unavailable' in r.native));
    const memsimRounds = new Map<RowSpec, Side[]>(perN.map((r) => [r, []]));
    const pmRounds = new Map<RowSpec, Side[]>(pmRows.map((r) => [r, []]));
    const nativeRounds = new Map<RowSpec, Side[]>(perN.map((r) => [r, []]));
    for (let round = 0; round < rounds; round++) {
      options.log(`N = ${n}, round ${round + 1}/${rounds}: native`);
      const natives = await nativeSides(nativeRows, n, samples);
      nativeRows.forEach((r, k) => nativeRounds.get(r)?.push(natives[k]));
      for (const row of perN) {
        options.log(`N = ${n}, round ${round + 1}/${rounds}: memsim ${row.id}`);
        memsimRounds.get(row)?.push(await memsimSide(row, mm, n, samples));
        if (pm && row.perMapping === true) {
          options.log(`N = ${n}, round ${round + 1}/${rounds}: memsim ${row.id} (per-mapping)`);
          pmRounds.get(row)?.push(await memsimSide(row, pm, n, samples));
        }
      }
    }
    mm[Symbol.dispose]();
    pm?.[Symbol.dispose]();
    for (const row of perN) {
      const native: Side = 'unavailable' in row.native ? { unavailable: row.native.unavailable } : poolRounds(nativeRounds.get(row) ?? [], summarize);
      rows.push(cell(row, n, poolRounds(memsimRounds.get(row) ?? [], summarize), native));
      const pmSides = pmRounds.get(row);
      if (pmSides) rows.push(cell(row, n, poolRounds(pmSides, summarize), native, 'per-mapping'));
    }
  }
  const flat = selected.filter((r) => !r.perN);
  let memcpy: Side = { unavailable: 'not run (no bulk row selected)' };
  if (flat.length > 0) {
    const { rounds, samples } = plan(options.quick, null);
    const nativeRows = flat.filter((r) => !('unavailable' in r.native));
    const wantMemcpy = flat.some((r) => r.bytesPerUnit !== undefined && r.bytesPerUnit > 4096);
    const memcpyRow: RowSpec = {
      id: 'memcpy_64mib',
      title: 'native memcpy of 64 MiB',
      unit: '64 MiB',
      perN: false,
      native: { name: 'memcpy', iterations: 2, mib: 64 },
      memsim: () => {
        throw new Error('native only');
      },
    };
    const nativeAll = wantMemcpy ? [...nativeRows, memcpyRow] : nativeRows;
    const memsimRounds = new Map<RowSpec, Side[]>(flat.map((r) => [r, []]));
    const pmRounds = new Map<RowSpec, Side[]>(flat.filter((r) => r.perMapping === true).map((r) => [r, []]));
    const nativeRounds = new Map<RowSpec, Side[]>(nativeAll.map((r) => [r, []]));
    for (let round = 0; round < rounds; round++) {
      options.log(`round ${round + 1}/${rounds}: native per-page, bulk and userfaultfd rows`);
      const natives = await nativeSides(nativeAll, 0, samples);
      nativeAll.forEach((r, k) => nativeRounds.get(r)?.push(natives[k]));
      for (const row of flat) {
        options.log(`round ${round + 1}/${rounds}: memsim ${row.id}`);
        const mm = newProcess();
        memsimRounds.get(row)?.push(await memsimSide(row, mm, 0, samples));
        mm[Symbol.dispose]();
        if (row.perMapping === true) {
          options.log(`round ${round + 1}/${rounds}: memsim ${row.id} (per-mapping)`);
          const pm = newProcess('per-mapping');
          pmRounds.get(row)?.push(await memsimSide(row, pm, 0, samples));
          pm[Symbol.dispose]();
        }
      }
    }
    if (wantMemcpy) memcpy = poolRounds(nativeRounds.get(memcpyRow) ?? [], summarize);
    for (const row of flat) {
      const native: Side = 'unavailable' in row.native ? { unavailable: row.native.unavailable } : poolRounds(nativeRounds.get(row) ?? [], summarize);
      rows.push(cell(row, null, poolRounds(memsimRounds.get(row) ?? [], summarize), native));
      const pmSides = pmRounds.get(row);
      if (pmSides) rows.push(cell(row, null, poolRounds(pmSides, summarize), native, 'per-mapping'));
    }
  }
  let memory: SuiteResult['memory'] = { unavailable: 'skipped' };
  if (!options.skipMemory) {
    options.log('memory: heap bytes per VMA and per touched page');
    try {
      memory = measureMemory(options.quick ? 10_000 : 100_000, options.quick ? 4096 : 16_384);
    } catch (e) {
      memory = { unavailable: e instanceof Error ? e.message : String(e) };
    }
  }
  let playgroundBundle: BundleSize | undefined;
  if (options.only.length === 0 || options.only.includes(BUNDLE_ROW)) {
    options.log('playground: building the bundle');
    playgroundBundle = measureBundle();
  }
  return {
    machine,
    quick: options.quick,
    ns,
    rows,
    memcpy64MiB: memcpy,
    memory,
    fieldBuildMs,
    ...(playgroundBundle ? { playgroundBundle } : {}),
    durationS: Math.round((Date.now() - started) / 1000),
  };
}
