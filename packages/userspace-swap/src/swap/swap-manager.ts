import { describeValue } from '../errors/describe.js';
import { statfsSync } from 'node:fs';
import type { Clock } from '../clock/clock.js';
import { SwapError } from '../errors/swap-error.js';
import { LatencyHistogram } from '../metrics/latency-histogram.js';
import type { SwapMetricsSnapshot } from '../metrics/swap-metrics.js';
import { ChromeOSSwapPolicy } from '../policy/chromeos-policy.js';
import type { MemoryPressure, SwapEligibility, SwapIneligibleReason, SwapPolicy } from '../policy/swap-policy.js';
import { UffdFeature } from '../uffd/constants.js';
import { UserfaultFD } from '../uffd/userfaultfd.js';
import { SharedStore } from './shared-store.js';
import { SwapFile } from './swap-file.js';
import type { SwapFileOptions } from './swap-file.js';
import { RendererSwapper } from './swap-renderer.js';
import type { RendererCounters, RendererHost, SwapRenderer } from './swap-renderer.js';
import { mulberry32 } from '@memsim/zircon-objects';

/**
 * Options of {@link SwapManager}.
 *
 * @public
 */
export interface SwapManagerOptions {
  /** Directory for the swap files (one per renderer, each with its own random key). */
  readonly directory: string;
  /** Time source (inject a VirtualClock for deterministic runs). */
  readonly clock: Clock;
  /** Default: {@link ChromeOSSwapPolicy} with ChromeOS's defaults. */
  readonly policy?: SwapPolicy;
  /** Seed of the generator that shuffles regions. Default 1. */
  readonly seed?: number;
  /** Free bytes on the swap disk. Default: statfs of `directory`. */
  readonly freeDiskBytes?: () => number;
  /** Redelivery delay for declined faults. Default 1000 us. */
  readonly retryDelayMicros?: number;
  /** Swap file tuning. */
  readonly swapFile?: Omit<SwapFileOptions, 'directory'>;
  /** Called for every fault that could not be served from swap (the task got SIGBUS). */
  readonly onError?: (report: SwapFaultReport) => void;
}

/**
 * A fault the swap could not serve: the stored record was corrupt or missing, so the page was poisoned and the
 * faulting task got SIGBUS.
 *
 * @public
 */
export interface SwapFaultReport {
  /** The renderer whose task faulted. */
  readonly rendererId: string;
  /** The faulting page. */
  readonly address: number;
  /** What the swap file reported. */
  readonly error: SwapError;
}

/**
 * What one policy walk did for one renderer.
 *
 * @public
 */
export interface SwapDecision {
  /** The renderer decided on. */
  readonly rendererId: string;
  /** Pages swapped out in this walk. */
  readonly pagesSwapped: number;
  /** Why nothing was swapped, when nothing was. */
  readonly reason?: SwapIneligibleReason | 'no-candidates' | 'budget';
}

/**
 * The result of {@link SwapManager.runPolicy}.
 *
 * @public
 */
export interface SwapWalkResult {
  /** Whether the policy walked the renderers at all. */
  readonly walked: boolean;
  /** One entry per managed renderer when walked. */
  readonly decisions: readonly SwapDecision[];
}

/** The manager's options, checked when it is built (the swap file's own are checked by {@link SwapFile.create}). */
function checkManagerOptions(o: SwapManagerOptions): void {
  const bad = (what: string, v: unknown): never => {
    throw new SwapError('INVALID_ARGUMENT', `${what}, got ${describeValue(v)}`);
  };
  const p = o.policy as Partial<Record<keyof SwapPolicy, unknown>> | undefined;
  if (p !== undefined) {
    if (typeof p !== 'object' || p === null) bad('policy must be a SwapPolicy', p);
    for (const m of ['shouldWalk', 'eligibility', 'byteBudget', 'selectRegions'] as const) if (typeof p[m] !== 'function') bad(`policy.${m} must be a function`, p[m]);
    if (!Number.isSafeInteger(p.pagesPerRegion) || (p.pagesPerRegion as number) < 1) bad('policy.pagesPerRegion must be a positive integer', p.pagesPerRegion);
  }
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) bad('seed must be an integer', o.seed);
  if (o.freeDiskBytes !== undefined && typeof o.freeDiskBytes !== 'function') bad('freeDiskBytes must be a function', o.freeDiskBytes);
  const d = o.retryDelayMicros;
  if (d !== undefined && (typeof d !== 'number' || !Number.isFinite(d) || d < 0)) bad('retryDelayMicros must be a non-negative finite number', d);
  if (o.swapFile !== undefined && (typeof o.swapFile !== 'object' || o.swapFile === null)) bad('swapFile must be an object', o.swapFile);
  if (o.onError !== undefined && typeof o.onError !== 'function') bad('onError must be a function', o.onError);
}

/**
 * The browser side of userspace swap, completed: owns a swap file per renderer, swaps regions out as the policy
 * decides, serves faults from swap (UFFDIO_COPY) or with zero pages, drops stored pages on REMOVE and UNMAP, moves
 * them on REMAP, shares them with fork children on FORK, and reports metrics.
 *
 * @public
 */
export class SwapManager implements Disposable {
  /** The policy {@link SwapManager.runPolicy} follows. */
  readonly policy: SwapPolicy;
  readonly #options: SwapManagerOptions;
  readonly #renderers = new Map<string, RendererSwapper>();
  readonly #latency = new LatencyHistogram();
  readonly #errors: SwapFaultReport[] = [];
  readonly #files = new Set<SwapFile>();
  readonly #counters: RendererCounters = {
    pagesSwappedOut: 0,
    pagesSwappedIn: 0,
    pagesDropped: 0,
    plainBytesOut: 0,
    recordBytesOut: 0,
    fromSwap: 0,
    zeroFill: 0,
    redundant: 0,
    declined: 0,
    sigbus: 0,
  };
  readonly #host: RendererHost;
  readonly #random: () => number;
  #lastWalk: number | null = null;
  #closed = false;

  constructor(options: SwapManagerOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new SwapError('INVALID_ARGUMENT', 'directory must be a non-empty string');
    }
    if (typeof options.clock?.nowMicros !== 'function') throw new SwapError('INVALID_ARGUMENT', 'a clock is required');
    checkManagerOptions(options);
    this.#options = options;
    this.policy = options.policy ?? new ChromeOSSwapPolicy();
    this.#random = mulberry32(options.seed ?? 1);
    const clock = options.clock;
    this.#host = {
      nowMicros: () => clock.nowMicros(),
      retryDelayMicros: options.retryDelayMicros ?? 1000,
      counters: this.#counters,
      reportError: (rendererId, address, error) => {
        const report = { rendererId, address, error };
        this.#errors.push(report);
        options.onError?.(report);
      },
      recordLatency: (micros) => this.#latency.record(Math.max(0, micros)),
      adoptFork: (parent, child) => this.#attach(parent.nextForkId(), child, parent.store),
      forget: (r) => {
        if (this.#renderers.get(r.id) === r) this.#renderers.delete(r.id);
      },
    };
  }

  /**
   * Takes over a renderer's userfaultfd (it must have done the handshake with EVENT_REMOVE, EVENT_UNMAP and
   * EVENT_REMAP, as ChromeOS's renderer does, and have its heap registered in MISSING mode) and starts serving it.
   * With EVENT_FORK too, fork children are served as renderers `<id>/fork<n>` sharing the stored records; without
   * it Linux unregisters the child's ranges, so the child reads its swapped-out pages as zeros.
   */
  addRenderer(id: string, uffd: UserfaultFD): SwapRenderer {
    this.#checkOpen();
    if (typeof id !== 'string' || id === '') throw new SwapError('INVALID_ARGUMENT', 'renderer id must be a non-empty string');
    if (this.#renderers.has(id)) throw new SwapError('INVALID_ARGUMENT', `renderer ${id} is already managed`);
    if (!(uffd instanceof UserfaultFD)) throw new SwapError('INVALID_ARGUMENT', 'uffd must be a UserfaultFD');
    const need = UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP;
    if (uffd.closed || uffd.features === null || (uffd.features & need) !== need) {
      throw new SwapError('INVALID_ARGUMENT', 'the userfaultfd needs EVENT_REMOVE, EVENT_UNMAP and EVENT_REMAP');
    }
    const file = SwapFile.create({ ...this.#options.swapFile, directory: this.#options.directory });
    this.#files.add(file);
    return this.#attach(id, uffd, new SharedStore(file));
  }

  /** A managed renderer (fork children are named `<parent>/fork<n>`). */
  renderer(id: string): SwapRenderer {
    const r = this.#renderers.get(id);
    if (r === undefined) throw new SwapError('NOT_REGISTERED', `no renderer ${describeValue(id)}`);
    return r;
  }

  /** The managed renderers' ids. */
  rendererIds(): string[] {
    return [...this.#renderers.keys()];
  }

  /**
   * One policy step (ChromeOS runs it on memory-pressure signals): walks the renderers if the policy says so and
   * swaps out the chosen regions of each eligible one.
   */
  runPolicy(pressure: MemoryPressure): SwapWalkResult {
    this.#checkOpen();
    if (pressure !== 'none' && pressure !== 'moderate' && pressure !== 'critical') {
      throw new SwapError('INVALID_ARGUMENT', `unknown pressure ${describeValue(pressure)}`);
    }
    const now = this.#options.clock.nowMicros();
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new SwapError('INVALID_ARGUMENT', `the clock answered ${describeValue(now)}`);
    const freeDiskBytes = this.#freeDisk();
    let total = this.#totalSwappedBytes();
    const base = { nowMicros: now, pressure, lastWalkMicros: this.#lastWalk, freeDiskBytes };
    const walk: unknown = this.policy.shouldWalk({ ...base, totalSwappedBytes: total });
    if (typeof walk !== 'boolean') throw new SwapError('INVALID_ARGUMENT', `the policy's shouldWalk answered ${describeValue(walk)}`);
    if (!walk) return { walked: false, decisions: [] };
    this.#lastWalk = now;
    const decisions: SwapDecision[] = [];
    for (const r of this.#renderers.values()) {
      const ctx = { ...base, totalSwappedBytes: total };
      const snap = r.snapshot();
      const verdict = this.policy.eligibility(snap, ctx) as unknown;
      if (typeof verdict !== 'object' || verdict === null || typeof (verdict as { eligible?: unknown }).eligible !== 'boolean') {
        throw new SwapError('INVALID_ARGUMENT', `the policy's eligibility answered ${describeValue(verdict)}`);
      }
      if (!(verdict as SwapEligibility).eligible) {
        decisions.push({ rendererId: r.id, pagesSwapped: 0, reason: (verdict as SwapEligibility & { eligible: false }).reason });
        continue;
      }
      const pageSize = r.uffd.addressSpace.pageSize;
      const budget = this.policy.byteBudget(snap, ctx, pageSize);
      const candidates = r.candidateRegions(this.policy.pagesPerRegion);
      if (candidates.length === 0) {
        decisions.push({ rendererId: r.id, pagesSwapped: 0, reason: 'no-candidates' });
        continue;
      }
      const regions = this.policy.selectRegions(candidates, budget, this.#random);
      const pages = r.swapOut(regions);
      total += pages * pageSize;
      decisions.push(pages > 0 ? { rendererId: r.id, pagesSwapped: pages } : { rendererId: r.id, pagesSwapped: 0, reason: 'budget' });
    }
    return { walked: true, decisions };
  }

  /** Faults that could not be served (their tasks got SIGBUS). */
  errors(): readonly SwapFaultReport[] {
    return [...this.#errors];
  }

  /** The counters now. */
  metrics(): SwapMetricsSnapshot {
    let bytesWritten = 0;
    let bytesOnDisk = 0;
    let bytesUsed = 0;
    for (const f of this.#files) {
      bytesWritten += f.bytesWritten;
      if (!f.isOpen) continue;
      const s = f.stats();
      bytesOnDisk += s.fileBytes;
      bytesUsed += s.liveBytes;
    }
    const c = this.#counters;
    return {
      pagesSwappedOut: c.pagesSwappedOut,
      pagesSwappedIn: c.pagesSwappedIn,
      pagesDropped: c.pagesDropped,
      bytesWritten,
      bytesOnDisk,
      bytesUsed,
      compressionRatio: c.recordBytesOut === 0 ? 0 : c.plainBytesOut / c.recordBytesOut,
      faults: { fromSwap: c.fromSwap, zeroFill: c.zeroFill, redundant: c.redundant, declined: c.declined, sigbus: c.sigbus },
      faultLatency: this.#latency.buckets(),
      faultLatencyUnderOneMicro: this.#latency.underOneMicro,
    };
  }

  /** Closes every renderer's fd (their tasks fall back to zero-fill) and deletes the swap files. */
  close(): void {
    if (this.#closed) return;
    for (const r of [...this.#renderers.values()]) r.uffd.closeAndStopWaitingForEvents();
    for (const f of this.#files) if (f.isOpen) f.close();
    this.#closed = true;
  }

  /** Same as {@link SwapManager.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #attach(id: string, uffd: UserfaultFD, store: SharedStore): RendererSwapper {
    const renderer = new RendererSwapper(id, uffd, store, this.#host);
    this.#renderers.set(id, renderer);
    uffd.startWaitingForEvents(renderer, { retryDelayMicros: this.#host.retryDelayMicros });
    return renderer;
  }

  #totalSwappedBytes(): number {
    let t = 0;
    for (const r of this.#renderers.values()) t += r.snapshot().swappedBytes;
    return t;
  }

  #freeDisk(): number {
    if (this.#options.freeDiskBytes) {
      const free: unknown = this.#options.freeDiskBytes();
      if (typeof free !== 'number' || !Number.isSafeInteger(free) || free < 0) throw new SwapError('INVALID_ARGUMENT', `freeDiskBytes answered ${describeValue(free)}`);
      return free;
    }
    const s = statfsSync(this.#options.directory);
    return s.bavail * s.bsize;
  }

  #checkOpen(): void {
    if (this.#closed) throw new SwapError('CLOSED', 'the swap manager is closed');
  }
}

