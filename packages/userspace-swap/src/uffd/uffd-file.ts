import type { UffdAddressSpace } from './address-space.js';

// The userfaultfd as the code reading it sees it: the file, the messages it delivers and the handler its event loop
// feeds. They name one another (a FORK message carries the child's file, whose handler is told of forks), so they
// share this one file, which `UserfaultFD` and the event dispatcher both import.

/**
 * The result of the UFFDIO_API handshake.
 *
 * @public
 */
export interface UffdApiResult {
  /** Every feature the kernel supports (not only the requested ones), as Linux reports. */
  readonly features: number;
  /** The ioctls usable on the fd itself (REGISTER, UNREGISTER, API), as bits `1n << BigInt(ioctl)`. */
  readonly ioctls: bigint;
}

/**
 * A userfaultfd file as its reader uses it: reading messages, the event loop and the range ioctls. `UserfaultFD`
 * implements it; a FORK message's `child` is one.
 *
 * @public
 */
export interface UffdFile extends Disposable {
  /** The address space (mm) the file serves. */
  readonly addressSpace: UffdAddressSpace;
  /** The open flags (O_CLOEXEC, O_NONBLOCK, UFFD_USER_MODE_ONLY). */
  readonly flags: number;
  /** The features enabled by UFFDIO_API, or null before it. */
  readonly features: number | null;
  /** Whether the file was closed. */
  readonly closed: boolean;
  /** Whether a message is ready to read. */
  readonly readable: boolean;
  /** UFFDIO_API: the handshake that enables `features` (EINVAL when repeated). */
  api(api: number, features: number): UffdApiResult;
  /** Whether feature `bit` was enabled by UFFDIO_API. */
  hasFeature(bit: number): boolean;
  /** UFFDIO_REGISTER: returns the ioctls allowed on the range. */
  registerRange(start: number, length: number, mode: number): bigint;
  /** UFFDIO_UNREGISTER. */
  unregisterRange(start: number, length: number): void;
  /** UFFDIO_COPY: returns the bytes copied. */
  copyToRange(destination: number, length: number, source: Uint8Array, mode?: number): number;
  /** UFFDIO_ZEROPAGE: returns the bytes zeroed. */
  zeroRange(start: number, length: number, mode?: number): number;
  /** UFFDIO_POISON: returns the bytes poisoned. */
  poisonRange(start: number, length: number, mode?: number): number;
  /** UFFDIO_MOVE (Linux 6.8): returns the bytes moved. */
  move(destination: number, source: number, length: number, mode?: number): number;
  /** UFFDIO_WAKE. */
  wakeRange(start: number, length: number): void;
  /** UFFDIO_WRITEPROTECT. */
  writeProtect(start: number, length: number, mode: number): void;
  /** read(2) of one message, or null when none is ready. */
  read(): UffdMessage | null;
  /** Calls `listener` whenever a message becomes readable; dispose the result to stop. */
  onReadable(listener: () => void): Disposable;
  /** Starts the event loop that feeds `handler`. */
  startWaitingForEvents(handler: UserfaultFDHandler, options?: DispatchOptions): void;
  /** Closes the file and ends the handler with `closed(0)`. */
  closeAndStopWaitingForEvents(): void;
  /** close(2). */
  close(): void;
  /** Another reference to the same file (dup(2)). */
  dup(): Disposable & { close(): void };
}

/**
 * Options of {@link UffdFile.startWaitingForEvents}.
 *
 * @public
 */
export interface DispatchOptions {
  /**
   * How long after a declined fault it is delivered again if no event arrives first (the fix for the seed's hang).
   * Default 1000 us.
   */
  readonly retryDelayMicros?: number;
  /** Called with anything a handler callback throws; the fault then counts as declined. Default: ignored. */
  readonly onHandlerError?: (error: unknown) => void;
}

/**
 * A PAGEFAULT message (`uffd_msg` with event 0x12).
 *
 * @public
 */
export interface UffdPagefaultMessage {
  /** UFFD_EVENT_PAGEFAULT. */
  readonly event: 'PAGEFAULT';
  /** UFFD_PAGEFAULT_FLAG_* bits (WRITE 1, WP 2, MINOR 4). */
  readonly flags: number;
  /** The page address, or the exact faulting address with EXACT_ADDRESS. */
  readonly address: number;
  /** The faulting thread id with THREAD_ID, else 0. */
  readonly ptid: number;
  /** memsim extension (not in uffd_msg): when the fault was raised, in clock microseconds, for latency metrics. */
  readonly raisedAtMicros: number;
}

/**
 * A non-fault event message (FORK 0x13, REMAP 0x14, REMOVE 0x15, UNMAP 0x16).
 *
 * @public
 */
export type UffdEventMessage =
  | {
      readonly event: 'FORK';
      /** The child's new userfaultfd (the `ufd` the reader receives). */
      readonly child: UffdFile;
    }
  | { readonly event: 'REMAP'; readonly from: number; readonly to: number; readonly len: number }
  | { readonly event: 'REMOVE'; readonly start: number; readonly end: number }
  | { readonly event: 'UNMAP'; readonly start: number; readonly end: number };

/**
 * Any message read from a userfaultfd.
 *
 * @public
 */
export type UffdMessage = UffdPagefaultMessage | UffdEventMessage;

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
  forked?(child: UffdFile): void | Promise<void>;
  /** Always the last callback: `err` is 0 on an orderly close, else an errno. */
  closed(err: number): void;
}
