import type { LatencyBucket } from './latency-histogram.js';

/**
 * How swap-manager faults were resolved.
 *
 * @public
 */
export interface FaultResolutionCounts {
  /** Resolved with UFFDIO_COPY of pages read back from the swap file. */
  readonly fromSwap: number;
  /** Resolved with UFFDIO_ZEROPAGE (never swapped, or removed since). */
  readonly zeroFill: number;
  /** Already resolved by the time the handler acted (EEXIST; the waiters were woken). */
  readonly redundant: number;
  /** Declined for a later retry (mappings were changing: EAGAIN). */
  readonly declined: number;
  /** Poisoned because the stored record was corrupt or missing (the task gets SIGBUS). */
  readonly sigbus: number;
}

/**
 * A snapshot of a swap manager's counters.
 *
 * @public
 */
export interface SwapMetricsSnapshot {
  /** Pages moved to swap files. */
  readonly pagesSwappedOut: number;
  /** Pages installed back from swap files (faulted or prefetched with their region). */
  readonly pagesSwappedIn: number;
  /** Pages whose stored copy was dropped (REMOVE, UNMAP, close) without being swapped in. */
  readonly pagesDropped: number;
  /** Record bytes written to swap files (appends and compaction rewrites). */
  readonly bytesWritten: number;
  /** Bytes the swap files occupy on disk now. */
  readonly bytesOnDisk: number;
  /** Bytes of live records (used) now. */
  readonly bytesUsed: number;
  /** Memory bytes swapped out divided by record bytes written for them (higher is better; 0 before any swap). */
  readonly compressionRatio: number;
  /** Faults by resolution. */
  readonly faults: FaultResolutionCounts;
  /** Fault latency (raised to resolved) in [2^N, 2^(N+1)) microsecond buckets. */
  readonly faultLatency: readonly LatencyBucket[];
  /** Faults resolved in under 1 us (possible on a virtual clock). */
  readonly faultLatencyUnderOneMicro: number;
}
