import { describe, expect, it } from 'vitest';
import { CHROMEOS_SWAP_DEFAULTS, ChromeOSSwapPolicy } from '../index.js';
import type { RendererSnapshot, SwapContext, SwapRegion } from '../index.js';

const S = 1_000_000;
const MB = 1024 * 1024;
const P = 4096;
const policy = new ChromeOSSwapPolicy();

const renderer = (over: Partial<RendererSnapshot> = {}): RendererSnapshot => ({
  id: 'r',
  frozenSinceMicros: 0,
  invisibleSinceMicros: null,
  audible: false,
  loading: false,
  lastSwappedAtMicros: null,
  swappedBytes: 0,
  ...over,
});
const context = (over: Partial<SwapContext> = {}): SwapContext => ({
  nowMicros: 600 * S,
  pressure: 'moderate',
  lastWalkMicros: null,
  freeDiskBytes: 10_000 * MB,
  totalSwappedBytes: 0,
  ...over,
});
const regions = (n: number, pages = 16): SwapRegion[] =>
  Array.from({ length: n }, (_, i) => ({ start: i * pages * P, length: pages * P }));

describe('ChromeOS swap policy: one test per rule', () => {
  it('has ChromeOS\'s defaults', () => {
    expect(CHROMEOS_SWAP_DEFAULTS).toEqual({
      minFrozenOrInvisibleMicros: 60 * S,
      minTimeBetweenSwapsMicros: 120 * S,
      graphWalkIntervalMicros: 60 * S,
      minFreeDiskBytes: 128 * MB,
      globalCapBytes: 1024 * MB,
      rendererCapBytes: 128 * MB,
      regionsPerSwap: 100,
      pagesPerRegion: 16,
      shuffle: true,
    });
  });

  it('frozen for at least 60 s', () => {
    expect(policy.eligibility(renderer({ frozenSinceMicros: 0 }), context({ nowMicros: 60 * S }))).toEqual({ eligible: true });
    expect(policy.eligibility(renderer({ frozenSinceMicros: 1 }), context({ nowMicros: 60 * S }))).toEqual({
      eligible: false,
      reason: 'not-frozen-or-invisible-long-enough',
    });
    expect(policy.eligibility(renderer({ frozenSinceMicros: null }), context()).eligible).toBe(false);
  });

  it('or invisible for at least 60 s', () => {
    const r = renderer({ frozenSinceMicros: null, invisibleSinceMicros: 10 * S });
    expect(policy.eligibility(r, context({ nowMicros: 70 * S })).eligible).toBe(true);
    expect(policy.eligibility(r, context({ nowMicros: 69 * S })).eligible).toBe(false);
  });

  it('not audible', () => {
    expect(policy.eligibility(renderer({ audible: true }), context())).toEqual({ eligible: false, reason: 'audible' });
  });

  it('not loading', () => {
    expect(policy.eligibility(renderer({ loading: true }), context())).toEqual({ eligible: false, reason: 'loading' });
  });

  it('last swapped at least 120 s ago', () => {
    const now = 600 * S;
    expect(policy.eligibility(renderer({ lastSwappedAtMicros: now - 119 * S }), context({ nowMicros: now }))).toEqual({
      eligible: false,
      reason: 'swapped-too-recently',
    });
    expect(policy.eligibility(renderer({ lastSwappedAtMicros: now - 120 * S }), context({ nowMicros: now })).eligible).toBe(true);
  });

  it('walks the renderers at most every 60 s, and only under pressure', () => {
    expect(policy.shouldWalk(context({ pressure: 'none' }))).toBe(false);
    expect(policy.shouldWalk(context({ lastWalkMicros: null }))).toBe(true);
    expect(policy.shouldWalk(context({ nowMicros: 100 * S, lastWalkMicros: 41 * S }))).toBe(false);
    expect(policy.shouldWalk(context({ nowMicros: 100 * S, lastWalkMicros: 40 * S }))).toBe(true);
    expect(policy.shouldWalk(context({ pressure: 'critical', nowMicros: 100 * S, lastWalkMicros: 40 * S }))).toBe(true);
  });

  it('keeps 128 MB of disk free', () => {
    expect(policy.eligibility(renderer(), context({ freeDiskBytes: 128 * MB - 1 }))).toEqual({ eligible: false, reason: 'disk-low' });
    expect(policy.byteBudget(renderer(), context({ freeDiskBytes: 128 * MB + 64 * P }), P)).toBe(64 * P);
  });

  it('caps all renderers at 1024 MB', () => {
    expect(policy.eligibility(renderer(), context({ totalSwappedBytes: 1024 * MB }))).toEqual({ eligible: false, reason: 'global-cap' });
    expect(policy.byteBudget(renderer(), context({ totalSwappedBytes: 1024 * MB - 32 * P }), P)).toBe(32 * P);
  });

  it('caps one renderer at 128 MB', () => {
    expect(policy.eligibility(renderer({ swappedBytes: 128 * MB }), context())).toEqual({ eligible: false, reason: 'renderer-cap' });
    expect(policy.byteBudget(renderer({ swappedBytes: 128 * MB - 16 * P }), context(), P)).toBe(16 * P);
  });

  it('swaps at most 100 regions per swap', () => {
    const budget = policy.byteBudget(renderer(), context(), P);
    expect(budget).toBe(100 * 16 * P);
    expect(policy.selectRegions(regions(250), budget, () => 0.5)).toHaveLength(100);
  });

  it('uses 16-page regions, shuffled by the given generator, within the budget', () => {
    expect(policy.pagesPerRegion).toBe(16);
    const picked = policy.selectRegions(regions(10), 3 * 16 * P, () => 0);
    expect(picked).toHaveLength(3);
    expect(picked.map((r) => r.start)).not.toEqual([0, 16 * P, 32 * P]);
    const ordered = new ChromeOSSwapPolicy({ shuffle: false }).selectRegions(regions(10), 3 * 16 * P, () => 0);
    expect(ordered.map((r) => r.start)).toEqual([0, 16 * P, 32 * P]);
  });

  it('is configurable and rejects bad configuration', () => {
    const p = new ChromeOSSwapPolicy({ minFrozenOrInvisibleMicros: 5 * S, pagesPerRegion: 4 });
    expect(p.eligibility(renderer(), context({ nowMicros: 5 * S })).eligible).toBe(true);
    expect(p.pagesPerRegion).toBe(4);
    expect(() => new ChromeOSSwapPolicy({ pagesPerRegion: 0 })).toThrow(/INVALID_ARGUMENT/);
    expect(() => new ChromeOSSwapPolicy({ globalCapBytes: -1 })).toThrow(/INVALID_ARGUMENT/);
    expect(() => new ChromeOSSwapPolicy({ regionsPerSwap: 1.5 })).toThrow(/INVALID_ARGUMENT/);
  });
});

describe('ChromeOS swap policy: malformed input', () => {
  it('answers a malformed snapshot, context or region list with INVALID_ARGUMENT naming the field', () => {
    const { swappedBytes: _gone, ...noBytes } = renderer();
    expect(() => policy.eligibility(noBytes as RendererSnapshot, context())).toThrow(/INVALID_ARGUMENT: renderer.swappedBytes/);
    expect(() => policy.eligibility(renderer({ frozenSinceMicros: Number.NaN }), context())).toThrow(/renderer.frozenSinceMicros/);
    expect(() => policy.eligibility(null as unknown as RendererSnapshot, context())).toThrow(/INVALID_ARGUMENT: renderer must be an object/);
    expect(() => policy.shouldWalk(context({ pressure: 'high' as 'none' }))).toThrow(/context.pressure/);
    expect(() => policy.byteBudget(renderer(), context({ freeDiskBytes: -1 }), P)).toThrow(/context.freeDiskBytes/);
    expect(() => policy.byteBudget(renderer(), context(), 0)).toThrow(/pageSize/);
    expect(() => policy.selectRegions([{ start: 0 } as SwapRegion], 16 * P, () => 0)).toThrow(/candidates\[0\].length/);
    expect(() => policy.selectRegions(regions(3), Number.NaN, () => 0)).toThrow(/budgetBytes/);
    expect(() => policy.selectRegions(regions(3), 16 * P, () => 1)).toThrow(/random\(\)/);
    expect(() => new ChromeOSSwapPolicy({ bogus: 1 } as Partial<typeof CHROMEOS_SWAP_DEFAULTS>)).toThrow(/unknown config key/);
  });
});
