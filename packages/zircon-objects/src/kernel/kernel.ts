import { PAGE_SIZE, PressureLevel } from '../constants.js';
import { ZxStatus, fail } from '../status.js';
import { JobObject } from '../task/job-object.js';
import { Job } from '../task/job.js';
import type { CowNode } from '../vmo/cow-node.js';
import type { KernelContext, MemoryStats, ReclaimResult } from './kernel-context.js';
import type { Discardable, KernelState } from './kernel-state.js';
import { PhysicalMemory } from './physical-memory.js';
import { Prng } from './prng.js';
import { countsSnapshot, newCallCounts, type ZxSyscallCounts } from './syscall-names.js';

/**
 * Kernel construction options.
 * @public
 */
export interface KernelOptions {
  /** Seed of the kernel's PRNG (ASLR and anything random). Default: a fixed seed, so runs are reproducible. */
  seed?: number | bigint;
  /** Randomise VMAR placement (default true). `false` gives lowest-first placement. */
  aslr?: boolean;
  /** ASLR entropy: placement is uniform among the first 2^bits candidate slots (default 30, Zircon's default). */
  aslrEntropyBits?: number;
  /** The physical-memory budget in bytes (default 4 GiB). */
  physicalMemoryBytes?: number;
  /** Free-byte thresholds at or below which each level applies (defaults: 10%, 5%, 2%, 1% of the budget). */
  watermarks?: Partial<Record<PressureLevel, number>>;
  /** Extra free bytes needed above a threshold before the level eases (default 1% of the budget). */
  hysteresisBytes?: number;
  /** Clock for wait deadlines, in ms (default `performance.now`). */
  clock?: () => number;
}

/**
 * A simulated Zircon kernel. Owns every piece of state (koids, PRNG, physical memory, pressure), so two kernels
 * never interact.
 * @public
 */
export class Kernel implements KernelContext {
  /** The page size, 4096. */
  readonly pageSize: number = PAGE_SIZE;
  /** Whether placement is randomised. */
  readonly aslr: boolean;
  /** ASLR entropy bits. */
  readonly aslrEntropyBits: number;
  /** The root job, with DEFAULT_JOB rights. */
  readonly rootJob: Job;
  /** Physical-memory accounting. */
  readonly memory: MemoryStats;

  #nextKoid = 1024;
  readonly #prng: Prng;
  readonly #mem: PhysicalMemory;
  readonly #clock: () => number;
  readonly #watermarks: [number, number, number, number];
  readonly #hysteresis: number;
  #level: PressureLevel = PressureLevel.Normal;
  #forced: PressureLevel | null = null;
  #effective: PressureLevel = PressureLevel.Normal;
  readonly #listeners = new Set<(level: PressureLevel) => void>();
  #reclaimScheduled = false;
  #notifyScheduled = false;
  readonly #nodes = new Set<CowNode>();
  readonly #discardables = new Set<Discardable>();
  readonly #calls = newCallCounts();
  /** The counts when the outermost `uncountedSyscalls` began, and how deep those calls nest. */
  readonly #savedCalls = newCallCounts();
  #uncountedDepth = 0;
  /** @internal */
  readonly _internal: object;

  constructor(options: KernelOptions = {}) {
    if (typeof options !== 'object' || options === null) fail(ZxStatus.INVALID_ARGS, 'options must be an object');
    const seed = options.seed ?? 0x5eed_f00d;
    if (typeof seed !== 'bigint' && (typeof seed !== 'number' || !Number.isInteger(seed)))
      fail(ZxStatus.INVALID_ARGS, 'seed must be an integer or bigint');
    this.#prng = new Prng(seed);
    this.aslr = options.aslr ?? true;
    const bits = options.aslrEntropyBits ?? 30;
    if (!Number.isInteger(bits) || bits < 0 || bits > 52) fail(ZxStatus.INVALID_ARGS, 'aslrEntropyBits must be 0..52');
    this.aslrEntropyBits = bits;
    const total = options.physicalMemoryBytes ?? 4 * 1024 ** 3;
    if (!Number.isInteger(total) || total < 0 || total > Number.MAX_SAFE_INTEGER)
      fail(ZxStatus.INVALID_ARGS, 'physicalMemoryBytes must be a non-negative safe integer');
    this.#mem = new PhysicalMemory(total);
    const wm = options.watermarks ?? {};
    const pick = (l: PressureLevel, frac: number): number => {
      const v = wm[l] ?? Math.floor(total * frac);
      if (!Number.isFinite(v) || v < 0) fail(ZxStatus.INVALID_ARGS, 'watermarks must be non-negative numbers');
      return v;
    };
    this.#watermarks = [
      pick(PressureLevel.Warning, 0.1),
      pick(PressureLevel.Critical, 0.05),
      pick(PressureLevel.ImminentOutOfMemory, 0.02),
      pick(PressureLevel.OutOfMemory, 0.01),
    ];
    this.#hysteresis = options.hysteresisBytes ?? Math.floor(total / 100);
    if (!Number.isFinite(this.#hysteresis) || this.#hysteresis < 0) fail(ZxStatus.INVALID_ARGS, 'hysteresisBytes must be a non-negative number');
    if (options.clock !== undefined && typeof options.clock !== 'function') fail(ZxStatus.INVALID_ARGS, 'clock must be a function');
    this.#clock = options.clock ?? (() => performance.now());
    const mem = this.#mem;
    this.memory = {
      totalBytes: total,
      committedBytes: () => mem.usedFrames() * PAGE_SIZE,
      compressedBytes: () => mem.compressedPages() * PAGE_SIZE,
      compressedStorageBytes: () => mem.compressedStorageBytes(),
      freeBytes: () => mem.freeBytes(),
      pageCount: () => mem.usedFrames() + mem.compressedPages(),
    };
    mem.onChange = () => this.#follow();
    // Out of memory: evict synchronously (discardable VMOs only; compression waits for a safe point).
    mem.onExhausted = () => this.#discard() > 0;
    this.#level = this.#computeLevel(mem.freeBytes(), PressureLevel.Normal);
    this.#effective = this.#level;
    const state: KernelState = { mem, nodes: this.#nodes, discardables: this.#discardables, calls: this.#calls };
    this._internal = state;
    this.rootJob = new Job(new JobObject(this, null, 'root'), JobObject.DEFAULT_RIGHTS);
  }

  /** @internal */
  _newKoid(): number {
    return this.#nextKoid++;
  }

  /** The kernel clock in ms (deadlines of `waitOne`). */
  now(): number {
    return this.#clock();
  }

  /** A uniform number in [0, 1) from the kernel's seeded PRNG. */
  random(): number {
    return this.#prng.next();
  }

  /** A uniform integer in [0, maxExclusive), maxExclusive up to 2^53. */
  randomInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 53)
      fail(ZxStatus.INVALID_ARGS, 'maxExclusive must be an integer in 1..2^53');
    return this.#prng.int(maxExclusive);
  }

  /**
   * How many times each Zircon syscall (named as Zircon names it, e.g. `zx_vmo_create`, `zx_vmar_map`) was made on
   * this kernel's objects so far: a frozen snapshot, one entry per name of {@link ZX_SYSCALLS}. A call counts once,
   * at its entry, whether it succeeds or fails, as a real syscall is made either way. Subtract two snapshots to see
   * what a stretch of work cost in syscalls.
   */
  syscallCounts(): ZxSyscallCounts {
    return countsSnapshot(this.#calls);
  }

  /**
   * Runs `fn` and returns what it returns (or throws what it throws), leaving {@link Kernel.syscallCounts} as they
   * were before: for work a model does on itself that the modelled system does not (self-checks such as starnix-mm's
   * `validate()`, pictures of the state). Calls nest.
   */
  uncountedSyscalls<T>(fn: () => T): T {
    if (typeof fn !== 'function') fail(ZxStatus.INVALID_ARGS, 'fn must be a function');
    if (this.#uncountedDepth++ === 0) this.#savedCalls.set(this.#calls);
    try {
      return fn();
    } finally {
      if (--this.#uncountedDepth === 0) this.#calls.set(this.#savedCalls);
    }
  }

  // ---- pressure -------------------------------------------------------------------------------------------------

  /** The current pressure level (the forced one, if any). */
  pressureLevel(): PressureLevel {
    return this.#effective;
  }

  /** Forces a level (tests); `null` follows real free memory again. Observers hear about the change at once. */
  forcePressure(level: PressureLevel | null): void {
    if (level !== null && (PressureLevel[level] as string | undefined) === undefined)
      fail(ZxStatus.INVALID_ARGS, 'unknown pressure level');
    this.#forced = level;
    this.#publish(true);
  }

  /** Observes level changes. Dispose the result to stop. */
  onPressureChange(cb: (level: PressureLevel) => void): Disposable {
    if (typeof cb !== 'function') fail(ZxStatus.INVALID_ARGS, 'callback must be a function');
    this.#listeners.add(cb);
    return { [Symbol.dispose]: () => void this.#listeners.delete(cb) };
  }

  #computeLevel(free: number, current: PressureLevel): PressureLevel {
    let raw: PressureLevel = PressureLevel.Normal;
    for (let l = 4; l >= 1; l--) {
      if (free <= (this.#watermarks[l - 1])) {
        raw = l;
        break;
      }
    }
    if (raw >= current) return raw;
    // Easing needs free memory a margin above the threshold (hysteresis), one level at a time if need be.
    let eased: PressureLevel = PressureLevel.Normal;
    for (let l = 4; l >= 1; l--) {
      if (free <= (this.#watermarks[l - 1]) + this.#hysteresis) {
        eased = l;
        break;
      }
    }
    return Math.max(raw, Math.min(eased, current));
  }

  #follow(): void {
    const next = this.#computeLevel(this.#mem.freeBytes(), this.#level);
    if (next === this.#level) return;
    this.#level = next;
    this.#publish(false);
  }

  #publish(sync: boolean): void {
    const next = this.#forced ?? this.#level;
    if (next === this.#effective) return;
    const worse = next > this.#effective;
    this.#effective = next;
    // Changes found inside a page allocation are announced after the current call, never re-entrantly.
    if (sync) this.#notify();
    else if (!this.#notifyScheduled) {
      this.#notifyScheduled = true;
      queueMicrotask(() => {
        this.#notifyScheduled = false;
        this.#notify();
      });
    }
    if (worse && next >= PressureLevel.Warning && !this.#reclaimScheduled) {
      this.#reclaimScheduled = true;
      queueMicrotask(() => {
        this.#reclaimScheduled = false;
        this.reclaim();
      });
    }
  }

  #notify(): void {
    const level = this.#effective;
    for (const cb of [...this.#listeners]) cb(level);
  }

  // ---- reclamation ----------------------------------------------------------------------------------------------

  #discard(): number {
    let freed = 0;
    for (const d of [...this.#discardables]) if (!d.isProtected()) freed += d.tryDiscard();
    return freed;
  }

  /**
   * Runs reclamation for the current level: from Warning, unlocked discardable VMOs are discarded; from Critical,
   * anonymous pages are compressed too (oldest VMOs first, until the level would ease to Normal, or all of them while
   * the level is forced). Nothing reachable from a HIGH-priority VMAR is touched.
   */
  reclaim(): ReclaimResult {
    const level = this.#effective;
    const result: ReclaimResult = { discarded: 0, compressed: 0 };
    if (level < PressureLevel.Warning) return result;
    result.discarded = this.#discard();
    if (level < PressureLevel.Critical) return result;
    const target = (this.#watermarks[0]) + this.#hysteresis;
    const enough = (): boolean => this.#forced === null && this.#mem.freeBytes() > target;
    for (const node of [...this.#nodes]) {
      if (enough()) break;
      if (node.discardable || node.isProtected()) continue;
      for (const [i, v] of node.pages) {
        if (v < 0 || (node.pins.length > 0 && node.pinnedIn(i, i + 1))) continue;
        node.pages.set(i, this.#mem.compress(v));
        result.compressed++;
        if (enough()) break;
      }
    }
    return result;
  }

}
