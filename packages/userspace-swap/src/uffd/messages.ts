import type { UserfaultFD } from './userfaultfd.js';

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
      readonly child: UserfaultFD;
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
