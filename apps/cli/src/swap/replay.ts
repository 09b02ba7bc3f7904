import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MapFlags, MemoryManager, Prot } from '@memsim/starnix-mm';
import {
  ChromeOSSwapPolicy,
  SwapManager,
  UffdFeature,
  UffdRegisterMode,
  VirtualClock,
  type SwapMetricsSnapshot,
  type SwapPolicy,
} from '@memsim/userspace-swap';
import { Kernel } from '@memsim/zircon-objects';
import { CliError } from '../cli/errors.js';
import type { Colors } from '../cli/io.js';
import { bytes } from '../commands/format.js';
import type { SwapTrace } from './trace.js';

const PAGE = 4096;

/** The renderer's thread that makes every access of the trace. */
const TASK = Object.freeze({ tid: 1 });

/**
 * Swap policies `memsim swap` offers.
 * @public
 */
export const POLICIES = ['chromeos', 'aggressive', 'never'] as const;

/** @public */
export type PolicyName = (typeof POLICIES)[number];

/**
 * Where `memsim swap` takes fault latency from: `virtual`, the swap manager's histogram on the virtual clock (which
 * only the trace's `wait` lines move, so a fault takes 0 us there), or `wall`, the measured wall-clock time from a
 * faulting access to its completion.
 * @public
 */
export const CLOCKS = ['virtual', 'wall'] as const;

/** @public */
export type ClockName = (typeof CLOCKS)[number];

/**
 * Wall-clock fault latency of a replay, in microseconds.
 * @public
 */
export interface WallLatency {
  readonly count: number;
  readonly meanMicros: number;
  readonly p50Micros: number;
  readonly p90Micros: number;
  readonly p99Micros: number;
  readonly maxMicros: number;
}

function wallLatency(samples: number[]): WallLatency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  const round = (v: number): number => Math.round(v * 10) / 10;
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    count: sorted.length,
    meanMicros: round(mean),
    p50Micros: round(at(0.5)),
    p90Micros: round(at(0.9)),
    p99Micros: round(at(0.99)),
    maxMicros: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1]),
  };
}

/** A policy that never walks: the no-swap baseline. */
const NEVER: SwapPolicy = {
  name: 'never',
  pagesPerRegion: 16,
  shouldWalk: () => false,
  eligibility: () => ({ eligible: false, reason: 'not-frozen-or-invisible-long-enough' }),
  byteBudget: () => 0,
  selectRegions: () => [],
};

function policyOf(name: PolicyName): SwapPolicy {
  switch (name) {
    case 'chromeos':
      return new ChromeOSSwapPolicy();
    case 'aggressive':
      // ChromeOS's mechanics without its waiting periods: any frozen renderer is swapped at every walk.
      return new ChromeOSSwapPolicy({ minFrozenOrInvisibleMicros: 0, minTimeBetweenSwapsMicros: 0, graphWalkIntervalMicros: 0 });
    case 'never':
      return NEVER;
    default:
      throw new CliError('BAD_USAGE', `unknown policy '${String(name)}' (${POLICIES.join(', ')})`);
  }
}

/**
 * The contents of a page after a given write: half pseudo-random bytes and half zeros, roughly as compressible as a
 * renderer heap, and different for every write so a lost or stale page shows up on the next read.
 */
function pageData(page: number, version: number): Uint8Array {
  const out = new Uint8Array(PAGE);
  if (version === 0) return out;
  let x = (Math.imul(page + 1, 0x9e3779b1) ^ Math.imul(version, 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < PAGE / 2; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Options of {@link replayTrace}.
 * @public
 */
export interface ReplayOptions {
  readonly policy?: PolicyName;
  /** `wall` measures each fault's wall-clock latency (default `virtual`: the swap manager's own histogram). */
  readonly clock?: ClockName;
  /** Called every few hundred events with the number done. */
  readonly onProgress?: (done: number) => void;
  /** Where the swap file lives (default: a fresh temporary directory, removed afterwards). */
  readonly directory?: string;
}

/**
 * What a replay measured.
 * @public
 */
export interface SwapReport {
  readonly policy: PolicyName;
  readonly pages: number;
  readonly events: number;
  readonly reads: number;
  readonly writes: number;
  /** Accesses that found their page missing and faulted into userfaultfd. */
  readonly userfaults: number;
  /** Policy walks that swapped something out. */
  readonly swapOuts: number;
  /** Pages resident in the mapping at the end. */
  readonly residentPages: number;
  /** Kernel committed bytes at the end (starnix-mm's Zircon VMOs). */
  readonly committedBytes: number;
  /** Reads whose contents differed from the last write (must be 0: swap never loses data). */
  readonly integrityErrors: number;
  /** Accesses that got SIGBUS (a poisoned page after a corrupt swap record). */
  readonly sigbus: number;
  /** Virtual time the trace covered, in seconds. */
  readonly virtualSeconds: number;
  /** Pages brought back from swap because an access faulted on them (demand faults served from swap). */
  readonly demandSwapIns: number;
  /** Pages brought back from swap along with a faulting page, before any access asked for them (prefetch). */
  readonly prefetchedSwapIns: number;
  /** Which clock the fault latency comes from. */
  readonly clock: ClockName;
  /** Measured fault latency (only with `clock: 'wall'`). */
  readonly wallLatency?: WallLatency;
  readonly metrics: SwapMetricsSnapshot;
}

/**
 * Replays a trace on one private anonymous mapping of a starnix-mm process whose pages are managed by userspace
 * swap (a userfaultfd registered in MISSING mode, served by a SwapManager with the chosen policy) on a virtual
 * clock. Reads check contents against the last write.
 * @public
 */
export async function replayTrace(trace: SwapTrace, options: ReplayOptions = {}): Promise<SwapReport> {
  const policyName = options.policy ?? 'chromeos';
  const policy = policyOf(policyName);
  const kernel = new Kernel({ seed: 1 });
  const mm = MemoryManager.create(kernel);
  // Align the heap to ChromeOS's 16-page regions (swap takes whole aligned regions): over-map, then trim.
  const ALIGN = 16 * PAGE;
  const len = trace.pages * PAGE;
  const raw = mm.mmap(0, len + ALIGN, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
  const base = Math.ceil(raw / ALIGN) * ALIGN;
  if (base > raw) mm.munmap(raw, base - raw);
  if (raw + len + ALIGN > base + len) mm.munmap(base + len, raw + len + ALIGN - (base + len));
  const clock = new VirtualClock();
  // starnix-mm's own userfaultfd: its VMAs carry the registration and its async accesses raise the faults.
  const uffd = mm.userfaultfd({ features: UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP, clock });
  const space = mm.userfaultfdSpace;
  uffd.registerRange(base, trace.pages * PAGE, UffdRegisterMode.MISSING);
  const ownDir = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'memsim-swap-'));
  const manager = new SwapManager({ directory, clock, policy, seed: 1 });
  const start = clock.nowMicros();
  try {
    const renderer = manager.addRenderer('renderer', uffd);
    // The version of each page's last write (0: never written, reads zeros).
    const version = new Uint32Array(trace.pages);
    let reads = 0;
    let writes = 0;
    let userfaults = 0;
    let swapOuts = 0;
    let integrityErrors = 0;
    let sigbus = 0;
    let done = 0;
    const wall = options.clock === 'wall';
    const samples: number[] = [];
    for (const e of trace.events) {
      switch (e.op) {
        case 'read':
        case 'write': {
          const addr = base + e.page * PAGE;
          // The whole mapping is registered MISSING, so an access to a missing page traps into the userfaultfd:
          // starnix-mm raises that fault itself and the access waits until the swap manager resolves it.
          const faults = !space.isPagePresent(addr);
          if (faults) userfaults++;
          // Wall time from the faulting access to its completion: the userfault round trip through the swap manager.
          const t0 = faults && wall ? performance.now() : 0;
          if (e.op === 'write') {
            const v = writes + 1;
            const r = await mm.writeAsync(TASK, addr, pageData(e.page, v));
            if (t0) samples.push((performance.now() - t0) * 1000);
            if (!r.ok) {
              sigbus++;
              break;
            }
            writes = v;
            version[e.page] = v;
          } else {
            const r = await mm.readAsync(TASK, addr, PAGE);
            if (t0) samples.push((performance.now() - t0) * 1000);
            if (!r.ok) {
              sigbus++;
              break;
            }
            reads++;
            if (!sameBytes(r.data ?? new Uint8Array(), pageData(e.page, version[e.page]))) integrityErrors++;
          }
          break;
        }
        case 'freeze':
          renderer.setState({ frozenSinceMicros: clock.nowMicros() });
          break;
        case 'thaw':
          renderer.setState({ frozenSinceMicros: null });
          break;
        case 'wait':
          await clock.advance(e.seconds * 1_000_000);
          break;
        case 'pressure': {
          const r = manager.runPolicy(e.level);
          if (r.decisions.some((d) => d.pagesSwapped > 0)) swapOuts++;
          break;
        }
      }
      if (++done % 256 === 0) options.onProgress?.(done);
    }
    options.onProgress?.(done);
    let resident = 0;
    const present = mm.mincore(base, trace.pages * PAGE);
    for (const b of present) resident += b & 1;
    const metrics = manager.metrics();
    return {
      policy: policyName,
      pages: trace.pages,
      events: trace.events.length,
      reads,
      writes,
      userfaults,
      swapOuts,
      residentPages: resident,
      committedBytes: kernel.memory.committedBytes(),
      integrityErrors,
      sigbus,
      virtualSeconds: (clock.nowMicros() - start) / 1e6,
      demandSwapIns: metrics.faults.fromSwap,
      // Every page read back from swap is counted in pagesSwappedIn; those no fault asked for were prefetched.
      prefetchedSwapIns: Math.max(0, metrics.pagesSwappedIn - metrics.faults.fromSwap),
      clock: wall ? 'wall' : 'virtual',
      ...(wall ? { wallLatency: wallLatency(samples) } : {}),
      metrics,
    };
  } finally {
    manager.close();
    if (ownDir) rmSync(directory, { recursive: true, force: true });
  }
}

/** Human-readable swap metrics. */
export function formatSwap(r: SwapReport, c: Colors): string {
  const m = r.metrics;
  const f = m.faults;
  const lines = [
    c.bold(`swap replay: ${r.events} events on ${r.pages} pages (${bytes(r.pages * PAGE)}), policy ${r.policy}, ${r.virtualSeconds} s virtual`),
    `  accesses        ${r.reads} reads, ${r.writes} writes, ${r.userfaults} userfaults`,
    `  swap-outs       ${r.swapOuts} walks swapped pages; ${m.pagesSwappedOut} pages out, ${m.pagesDropped} dropped`,
    `  swap-ins        ${m.pagesSwappedIn} pages in: ${r.demandSwapIns} on demand (a fault asked for them), ${r.prefetchedSwapIns} prefetched with them`,
    `  faults          ${f.fromSwap} from swap, ${f.zeroFill} zero-fill, ${f.redundant} redundant, ${f.declined} declined, ${f.sigbus} sigbus`,
    `  swap file       ${bytes(m.bytesWritten)} written, ${bytes(m.bytesOnDisk)} on disk, ${bytes(m.bytesUsed)} used, compression ${m.compressionRatio.toFixed(2)}x`,
    `  resident        ${r.residentPages} of ${r.pages} pages at the end; kernel committed ${bytes(r.committedBytes)}`,
  ];
  if (r.wallLatency) {
    const w = r.wallLatency;
    lines.push(
      `  fault latency   wall clock, ${w.count} faults: mean ${w.meanMicros} us, p50 ${w.p50Micros} us, p90 ${w.p90Micros} us, p99 ${w.p99Micros} us, max ${w.maxMicros} us`,
    );
  } else if (m.faultLatency.length > 0) {
    const buckets = m.faultLatency.map((b) => `[${b.lowMicros}, ${b.highMicros}) us: ${b.count}`).join(', ');
    lines.push(`  fault latency   virtual clock (faults take no virtual time; --clock wall measures them): ${buckets}`);
  } else if (f.fromSwap + f.zeroFill > 0) {
    lines.push('  fault latency   0 us on the virtual clock (faults take no virtual time; --clock wall measures them)');
  }
  const ok = r.integrityErrors === 0 && r.sigbus === 0;
  lines.push(ok ? c.green('  integrity       every read returned the last write') : c.red(`  integrity       ${r.integrityErrors} stale reads, ${r.sigbus} SIGBUS`));
  return `${lines.join('\n')}\n`;
}
