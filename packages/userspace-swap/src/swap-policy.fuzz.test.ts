/**
 * Issue 24 point 4 for userspace-swap, continued: the ChromeOS policy (fed malformed snapshots, contexts and
 * regions: missing fields, wrong types, NaN, huge numbers), the swap file and the swap manager (with a renderer on
 * the reference address space), called with random and boundary arguments, return or throw the package's typed
 * errors (SwapError, UffdError) or a TypeError / RangeError naming a wrong JavaScript type, never anything else.
 * A fixed-seed slice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { mulberry32 } from '@memsim/zircon-objects';
import {
  CHROMEOS_SWAP_DEFAULTS,
  ChromeOSSwapPolicy,
  SwapError,
  SwapFile,
  SwapManager,
  UffdError,
  UffdFeature,
  UffdRegisterMode,
  UserfaultFD,
  VirtualClock,
} from './index.js';
import { ReferenceSpace } from './test-support/reference-space.js';

const P = 4096;
const BASE = 0x40_0000;
const allowed = (e: unknown): boolean => e instanceof SwapError || e instanceof UffdError || isArgumentError(e);

const RENDERER = { id: 'r', frozenSinceMicros: 0, invisibleSinceMicros: null, audible: false, loading: false, lastSwappedAtMicros: null, swappedBytes: 0 };
const CONTEXT = { nowMicros: 600e6, pressure: 'moderate', lastWalkMicros: null, freeDiskBytes: 2 ** 34, totalSwappedBytes: 0 };
const ODD: readonly unknown[] = [undefined, null, Number.NaN, -1, 2 ** 53, 2n ** 64n, Infinity, 0.5, '0', true, {}, []];

/** Snapshots, contexts and region lists, each well formed or broken in one field. */
function shapes(random: () => number): unknown[] {
  const out: unknown[] = [RENDERER, CONTEXT];
  for (const base of [RENDERER, CONTEXT] as Record<string, unknown>[]) {
    for (const k of Object.keys(base)) {
      for (let i = 0; i < 3; i++) out.push({ ...base, [k]: ODD[Math.floor(random() * ODD.length)] });
      const { [k]: _gone, ...rest } = base;
      out.push(rest);
    }
  }
  out.push(
    [{ start: 0, length: 16 * P }, { start: 16 * P, length: 16 * P }],
    [{ start: BASE, length: 16 * P }],
    [{ start: Number.NaN, length: P }],
    [{ start: 0, length: -P }],
    [{ start: 0 }],
    [null],
    [{ start: 2 ** 53, length: 2 ** 53 }],
    { ...CHROMEOS_SWAP_DEFAULTS, shuffle: false },
    { pagesPerRegion: 2 ** 53 },
    { regionsPerSwap: Number.NaN },
    { bogus: 1 },
    () => 0,
    () => 0.999,
    () => Number.NaN,
    () => 1,
    () => -0.5,
    () => 'x',
    { frozenSinceMicros: 0, audible: false },
    { frozenSinceMicros: Number.NaN },
    { audible: 'yes' },
    { loading: null },
  );
  return out;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'usw-fuzz-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('public API fuzz: policy, swap file, swap manager', () => {
  it('the ChromeOS policy, seeds 1-30, 300 calls each: only SwapError', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const shaped = shapes(mulberry32(seed + 1000));
      const factory = { create: (c: unknown) => new ChromeOSSwapPolicy(c as object) };
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 300,
        roots: [new ChromeOSSwapPolicy(), new ChromeOSSwapPolicy({ shuffle: false, pagesPerRegion: 1 }), factory],
        values: shaped,
        ints: [0, 1, 16, P, 16 * P, 128 * 2 ** 20],
        allowed: (e) => e instanceof SwapError,
        keep: (v) => v instanceof ChromeOSSwapPolicy,
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
    }
  }, 120_000);

  it('the swap file and the swap manager, seeds 1-30, 200 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const clock = new VirtualClock();
      const space = new ReferenceSpace();
      space.mmap(BASE, 64 * P);
      for (let i = 0; i < 64; i++) space.populate(BASE + i * P, new Uint8Array(P).fill(i));
      const features = UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP | UffdFeature.EVENT_FORK;
      const uffd = UserfaultFD.open(space, features, { clock });
      uffd.registerRange(BASE, 64 * P, UffdRegisterMode.MISSING);
      const manager = new SwapManager({ directory: dir, clock, freeDiskBytes: () => 2 ** 34, seed });
      const renderer = manager.addRenderer('r1', uffd);
      const file = SwapFile.create({ directory: dir, compactionMinBytes: 0 });
      file.write(new Uint8Array(P));
      const factory = {
        createFile: (o: unknown) => SwapFile.create(o as { directory: string }),
        createManager: (o: unknown) => new SwapManager(o as { directory: string; clock: VirtualClock }),
      };
      const spare = () => {
        const u = UserfaultFD.open(space, features, { clock });
        return u;
      };
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 200,
        roots: [manager, renderer, file, factory],
        values: [
          ...shapes(mulberry32(seed + 2000)),
          uffd,
          spare(),
          UserfaultFD.open(space, 0, { clock }),
          clock,
          { directory: dir },
          { directory: dir, compressionLevel: 10 },
          { directory: dir, compactionThreshold: Number.NaN },
          { directory: join(dir, 'missing') },
          { directory: dir, clock },
          { directory: dir, clock, seed: Number.NaN },
          { directory: dir, clock, policy: {} },
          { directory: dir, clock, freeDiskBytes: () => Number.NaN },
          { directory: dir, clock, retryDelayMicros: -1 },
          { directory: dir, clock, swapFile: { compressionLevel: 99 } },
          { directory: dir, clock, onError: 5 },
          'none',
          'moderate',
          'critical',
          'r1',
          new Uint8Array(3 * P),
        ],
        ints: [0, 1, 2, 16, P, BASE, BASE + 16 * P, 64 * P],
        allowed,
        keep: (v) => v instanceof SwapFile || v instanceof SwapManager || (v !== null && typeof v === 'object' && 'swapOut' in v),
        // The UserfaultFDHandler side of a renderer (pagefault, removed, unmapped, remapped, forked, closed) is
        // what its userfaultfd calls with values it has checked; the uffd fuzz and the manager tests reach it.
        // The uffd a renderer exposes is fuzzed by the userfaultfd test.
        skip: ['pagefault', 'removed', 'unmapped', 'remapped', 'forked', 'closed', 'nextForkId', 'store', 'uffd'],
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
      manager.close();
      file.close();
    }
  }, 120_000);
});
