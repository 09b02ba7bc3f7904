import type { UserfaultFD } from './userfaultfd.js';

/**
 * The access that caused a page fault, as the handler sees it.
 *
 * @public
 */
export interface PagefaultFlags {
  /** A write fault (UFFD_PAGEFAULT_FLAG_WRITE); false for reads. */
  readonly write: boolean;
  /** A write to a write-protected page (UFFD_PAGEFAULT_FLAG_WP). */
  readonly wp: boolean;
  /** A minor fault (UFFD_PAGEFAULT_FLAG_MINOR). */
  readonly minor: boolean;
}

/**
 * Receives a userfaultfd's events (the seed's `UserfaultFDHandler`). Non-fault events are delivered as soon as they
 * are read, in order; page faults are queued in order and delivered after the non-fault events read with them, so a
 * REMOVE is always seen before a racing fault on the same range. Only events whose features were enabled arrive.
 *
 * @public
 */
export interface UserfaultFDHandler {
  /**
   * A fault in a registered range. Return true when handled (resolved, or found moot); false declines, and the fault
   * is delivered again after the next event AND after the retry delay, so a declined fault is never stranded.
   * `tid` is the faulting thread with THREAD_ID, else 0. `raisedAtMicros` is a memsim extension for latency metrics.
   */
  pagefault(address: number, flags: PagefaultFlags, tid: number, raisedAtMicros: number): boolean | Promise<boolean>;
  /** [start, end) was unmapped by munmap or mremap (EVENT_UNMAP); the registration there is gone. */
  unmapped?(start: number, end: number): void | Promise<void>;
  /** [start, end) had its pages removed by madvise (EVENT_REMOVE); it stays registered. */
  removed?(start: number, end: number): void | Promise<void>;
  /** mremap moved `originalLength` bytes from `oldAddress` to `newAddress` (EVENT_REMAP). */
  remapped?(oldAddress: number, newAddress: number, originalLength: number): void | Promise<void>;
  /** The process forked; `child` is the child's userfaultfd (EVENT_FORK). */
  forked?(child: UserfaultFD): void | Promise<void>;
  /** Always the last callback: `err` is 0 on an orderly close, else an errno. */
  closed(err: number): void;
}
