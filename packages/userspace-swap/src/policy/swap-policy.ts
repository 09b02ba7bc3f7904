/**
 * Memory pressure as the browser's pressure monitor reports it.
 *
 * @public
 */
export type MemoryPressure = 'none' | 'moderate' | 'critical';

/**
 * What a policy knows about one renderer.
 *
 * @public
 */
export interface RendererSnapshot {
  /** The renderer's id. */
  readonly id: string;
  /** When the renderer was frozen, or null when it is not frozen (microseconds). */
  readonly frozenSinceMicros: number | null;
  /** When the renderer became invisible, or null when it is visible. */
  readonly invisibleSinceMicros: number | null;
  /** Playing audio. */
  readonly audible: boolean;
  /** Loading a page. */
  readonly loading: boolean;
  /** When it was last swapped out, or null. */
  readonly lastSwappedAtMicros: number | null;
  /** Memory bytes it has swapped out now. */
  readonly swappedBytes: number;
}

/**
 * The global state a policy decides in.
 *
 * @public
 */
export interface SwapContext {
  /** The current time. */
  readonly nowMicros: number;
  /** The current memory pressure. */
  readonly pressure: MemoryPressure;
  /** When the renderer graph was last walked, or null. */
  readonly lastWalkMicros: number | null;
  /** Free bytes on the swap disk. */
  readonly freeDiskBytes: number;
  /** Memory bytes swapped out by all renderers now. */
  readonly totalSwappedBytes: number;
}

/**
 * A candidate region: `pagesPerRegion` fully present, registered pages.
 *
 * @public
 */
export interface SwapRegion {
  /** First byte (page aligned). */
  readonly start: number;
  /** Length in bytes (a page multiple). */
  readonly length: number;
}

/**
 * Why a renderer was not swapped.
 *
 * @public
 */
export type SwapIneligibleReason =
  | 'not-frozen-or-invisible-long-enough'
  | 'audible'
  | 'loading'
  | 'swapped-too-recently'
  | 'disk-low'
  | 'global-cap'
  | 'renderer-cap';

/**
 * Eligibility verdict.
 *
 * @public
 */
export type SwapEligibility = { readonly eligible: true } | { readonly eligible: false; readonly reason: SwapIneligibleReason };

/**
 * A pluggable swap policy: when to walk, who is eligible, how much, and which regions. Implement it to compare
 * policies on the same workload.
 *
 * @public
 */
export interface SwapPolicy {
  /** A label for reports. */
  readonly name: string;
  /** Pages per region (ChromeOS: 16). */
  readonly pagesPerRegion: number;
  /** Whether to walk the renderers now. */
  shouldWalk(context: SwapContext): boolean;
  /** Whether a renderer may be swapped now. */
  eligibility(renderer: RendererSnapshot, context: SwapContext): SwapEligibility;
  /** How many memory bytes may be swapped out of `renderer` in this walk. */
  byteBudget(renderer: RendererSnapshot, context: SwapContext, pageSize: number): number;
  /** Chooses regions among the candidates within the budget; `random` returns numbers in [0, 1). */
  selectRegions(candidates: readonly SwapRegion[], budgetBytes: number, random: () => number): SwapRegion[];
}
