import { SwapError } from '../errors/swap-error.js';
import { checkBudget, checkContext, checkPageSize, checkRegions, checkRenderer, checkedRandom } from './checks.js';
import type {
  RendererSnapshot,
  SwapContext,
  SwapEligibility,
  SwapPolicy,
  SwapRegion,
} from './swap-policy.js';

/**
 * The knobs of {@link ChromeOSSwapPolicy} (times in microseconds, sizes in bytes).
 *
 * @public
 */
export interface ChromeOSSwapPolicyConfig {
  /** A renderer must be frozen or invisible at least this long. */
  readonly minFrozenOrInvisibleMicros: number;
  /** And not swapped within this long. */
  readonly minTimeBetweenSwapsMicros: number;
  /** At moderate (or critical) pressure the renderers are walked at most this often. */
  readonly graphWalkIntervalMicros: number;
  /** Swap only while the disk keeps at least this much free. */
  readonly minFreeDiskBytes: number;
  /** Cap on memory swapped out by all renderers. */
  readonly globalCapBytes: number;
  /** Cap on memory swapped out by one renderer. */
  readonly rendererCapBytes: number;
  /** Regions swapped per renderer per walk. */
  readonly regionsPerSwap: number;
  /** Pages per region. */
  readonly pagesPerRegion: number;
  /** Shuffle the candidate regions before choosing (ChromeOS does). */
  readonly shuffle: boolean;
}

const MB = 1024 * 1024;
const S = 1_000_000;

/**
 * ChromeOS userspace swap's defaults: frozen or invisible for at least 60 s, not audible, not loading, last swapped at least 120 s
 * ago, walk at most every 60 s under pressure, 128 MB minimum free disk, 1024 MB global cap, 128 MB per renderer,
 * 100 regions of 16 pages per swap.
 *
 * @public
 */
export const CHROMEOS_SWAP_DEFAULTS: ChromeOSSwapPolicyConfig = Object.freeze({
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

/**
 * The ChromeOS policy, configurable. Every method checks the shape of what it is given (snapshot, context,
 * regions, page size, budget, generator): a missing field, a wrong type, NaN or a negative size throws
 * {@link SwapError} `INVALID_ARGUMENT`.
 *
 * @public
 */
export class ChromeOSSwapPolicy implements SwapPolicy {
  /** `'chromeos'`. */
  readonly name: string = 'chromeos';
  /** The effective configuration (defaults merged with the overrides). */
  readonly config: ChromeOSSwapPolicyConfig;

  constructor(config: Partial<ChromeOSSwapPolicyConfig> = {}) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new SwapError('INVALID_ARGUMENT', 'config must be an object');
    for (const k of Object.keys(config))
      if (!Object.hasOwn(CHROMEOS_SWAP_DEFAULTS, k)) throw new SwapError('INVALID_ARGUMENT', `unknown config key ${JSON.stringify(k)}`);
    const merged = { ...CHROMEOS_SWAP_DEFAULTS, ...config };
    for (const [k, v] of Object.entries(merged)) {
      if (k === 'shuffle') {
        if (typeof v !== 'boolean') throw new SwapError('INVALID_ARGUMENT', 'shuffle must be a boolean');
      } else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new SwapError('INVALID_ARGUMENT', `${k} must be a non-negative safe integer`);
      }
    }
    if (merged.pagesPerRegion < 1) throw new SwapError('INVALID_ARGUMENT', 'pagesPerRegion must be at least 1');
    this.config = Object.freeze(merged);
  }

  /** {@inheritDoc SwapPolicy.pagesPerRegion} */
  get pagesPerRegion(): number {
    return this.config.pagesPerRegion;
  }

  /** Under moderate or critical pressure, at most once per `graphWalkIntervalMicros`. */
  shouldWalk(context: SwapContext): boolean {
    checkContext(context);
    if (context.pressure === 'none') return false;
    return context.lastWalkMicros === null || context.nowMicros - context.lastWalkMicros >= this.config.graphWalkIntervalMicros;
  }

  /** The rules in order: frozen or invisible long enough, not audible, not loading, not swapped recently, disk free, caps. */
  eligibility(renderer: RendererSnapshot, context: SwapContext): SwapEligibility {
    checkRenderer(renderer);
    checkContext(context);
    const c = this.config;
    const now = context.nowMicros;
    const longEnough = (since: number | null): boolean => since !== null && now - since >= c.minFrozenOrInvisibleMicros;
    if (!longEnough(renderer.frozenSinceMicros) && !longEnough(renderer.invisibleSinceMicros)) {
      return { eligible: false, reason: 'not-frozen-or-invisible-long-enough' };
    }
    if (renderer.audible) return { eligible: false, reason: 'audible' };
    if (renderer.loading) return { eligible: false, reason: 'loading' };
    if (renderer.lastSwappedAtMicros !== null && now - renderer.lastSwappedAtMicros < c.minTimeBetweenSwapsMicros) {
      return { eligible: false, reason: 'swapped-too-recently' };
    }
    if (context.freeDiskBytes < c.minFreeDiskBytes) return { eligible: false, reason: 'disk-low' };
    if (context.totalSwappedBytes >= c.globalCapBytes) return { eligible: false, reason: 'global-cap' };
    if (renderer.swappedBytes >= c.rendererCapBytes) return { eligible: false, reason: 'renderer-cap' };
    return { eligible: true };
  }

  /** The least of the renderer cap left, the global cap left, the disk above its minimum and one swap's regions. */
  byteBudget(renderer: RendererSnapshot, context: SwapContext, pageSize: number): number {
    checkRenderer(renderer);
    checkContext(context);
    checkPageSize(pageSize);
    const c = this.config;
    return Math.max(
      0,
      Math.min(
        c.rendererCapBytes - renderer.swappedBytes,
        c.globalCapBytes - context.totalSwappedBytes,
        context.freeDiskBytes - c.minFreeDiskBytes,
        c.regionsPerSwap * c.pagesPerRegion * pageSize,
      ),
    );
  }

  /** Shuffles (if configured) and takes regions while they fit the budget and the per-swap count. */
  selectRegions(candidates: readonly SwapRegion[], budgetBytes: number, random: () => number): SwapRegion[] {
    checkRegions(candidates);
    checkBudget(budgetBytes);
    const draw = checkedRandom(random);
    const pool = [...candidates];
    if (this.config.shuffle) {
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(draw() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
    }
    const out: SwapRegion[] = [];
    let bytes = 0;
    for (const r of pool) {
      if (out.length >= this.config.regionsPerSwap || bytes + r.length > budgetBytes) break;
      out.push(r);
      bytes += r.length;
    }
    return out;
  }
}
