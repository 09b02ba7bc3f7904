import type { ZxError } from '@memsim/zircon-objects';

/**
 * Linux errno values this package reports (as `starnix_uapi::errno!` does).
 * @public
 */
export const Errno = Object.freeze({ ENOMEM: 12 });

/**
 * A pool could not produce a VMAR: every VMAR is full and the parent has no room for another. Carries the Linux errno
 * Starnix returns (`ENOMEM`) and, as `cause`, the kernel status of the failed allocation.
 * @public
 */
export class VmarPoolError extends Error {
  /** The errno name. */
  readonly code = 'ENOMEM' as const;
  /** The errno number (12). */
  readonly errno: number = Errno.ENOMEM;
  /** The kernel's status for the failed zx_vmar_allocate. */
  override readonly cause: ZxError;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(cause: ZxError) {
    super(`ENOMEM: no VMAR with room and no room for a new one (${cause.message})`, { cause });
    this.name = 'VmarPoolError';
    this.cause = cause;
  }
}

/**
 * A compact VMAR was disposed while it still held mappings or child VMARs. Destroying it would pull memory out from
 * under running threads, so it is left in place; the Rust original panics here.
 * @public
 */
export class CompactVmarNotEmptyError extends Error {
  /** Machine-readable code. */
  readonly code = 'NOT_EMPTY' as const;
  /** INFO_VMAR_MAPS `avail`: 1 for the VMAR itself plus one per child VMAR or mapping. */
  readonly avail: number;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(avail: number) {
    super(`VMAR has unexpected allocations (found ${avail}); destroying it would crash threads`);
    this.name = 'CompactVmarNotEmptyError';
    this.avail = avail;
  }
}

/**
 * Reading INFO_VMAR_MAPS failed while disposing a compact VMAR; `cause` is the kernel status.
 * @public
 */
export class CompactVmarInspectError extends Error {
  /** Machine-readable code. */
  readonly code = 'INSPECT_FAILED' as const;
  /** The kernel's status for the INFO_VMAR_MAPS query. */
  override readonly cause: ZxError;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(cause: ZxError) {
    super(`failed to retrieve VMAR maps info: ${cause.message}`, { cause });
    this.name = 'CompactVmarInspectError';
    this.cause = cause;
  }
}

/**
 * A pool option is malformed (sizes must be positive multiples of the page size that fit in a JavaScript number, and
 * the probe must fit in a VMAR).
 * @public
 */
export class VmarPoolOptionsError extends Error {
  /** Machine-readable code. */
  readonly code = 'INVALID_OPTIONS' as const;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(message: string) {
    super(message);
    this.name = 'VmarPoolOptionsError';
  }
}
