import type { PageFault, ZxError } from '@memsim/zircon-objects';

/**
 * Machine-readable codes of {@link MappedVmoError}.
 * @public
 */
export type MappedVmoErrorCode =
  | 'GET_VMO_SIZE'
  | 'VMO_SIZE_NOT_SAFE_INTEGER'
  | 'CREATE_CHILD_VMO'
  | 'MAP_VMO'
  | 'VMAR_MAP_RETURNED_NULL'
  | 'DISPOSED'
  | 'FAULT'
  | 'INVALID_ARGUMENT';

/**
 * Base class of every error this package throws; `code` says which step failed.
 * @public
 */
export abstract class MappedVmoError extends Error {
  /** Which step failed. */
  abstract readonly code: MappedVmoErrorCode;
}

/**
 * Reading the VMO's size failed (for example a closed handle). `cause` is the kernel's ZxError.
 * @public
 */
export class GetVmoSizeError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'GET_VMO_SIZE' as const;
  /** The kernel's status for zx_vmo_get_size. */
  override readonly cause: ZxError;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(cause: ZxError) {
    super(`failed to get VMO size: ${cause.message}`, { cause });
    this.name = 'GetVmoSizeError';
    this.cause = cause;
  }
}

/**
 * The VMO is larger than a JavaScript number indexes exactly (2^53 - 1 bytes), so no byte view can address it; the
 * counterpart of the Rust crate's `isize`/`usize` conversion failures.
 * @public
 */
export class VmoSizeNotSafeIntegerError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'VMO_SIZE_NOT_SAFE_INTEGER' as const;
  /** The size the VMO reported. */
  readonly size: number | bigint;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(size: number | bigint) {
    super(`VMO size ${String(size)} is beyond Number.MAX_SAFE_INTEGER`);
    this.name = 'VmoSizeNotSafeIntegerError';
    this.size = size;
  }
}

/**
 * Creating the snapshot child VMO failed (for example the VMO lacks DUPLICATE or READ, or is discardable). `cause` is
 * the kernel's ZxError.
 * @public
 */
export class CreateChildVmoError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'CREATE_CHILD_VMO' as const;
  /** The kernel's status for zx_vmo_create_child. */
  override readonly cause: ZxError;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(cause: ZxError) {
    super(`failed to create child VMO: ${cause.message}`, { cause });
    this.name = 'CreateChildVmoError';
    this.cause = cause;
  }
}

/**
 * Mapping the VMO into the VMAR failed (missing MAP right, resizable VMO, no room...). `cause` is the kernel's ZxError.
 * @public
 */
export class MapVmoError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'MAP_VMO' as const;
  /** The kernel's status for zx_vmar_map. */
  override readonly cause: ZxError;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(cause: ZxError) {
    super(`failed to map VMO: ${cause.message}`, { cause });
    this.name = 'MapVmoError';
    this.cause = cause;
  }
}

/**
 * The VMAR reported a mapping at address 0. zx_vmar_map never does this; the check mirrors the Rust crate's.
 * @public
 */
export class VmarMapReturnedNullError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'VMAR_MAP_RETURNED_NULL' as const;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor() {
    super('zx_vmar_map returned a base address of zero');
    this.name = 'VmarMapReturnedNullError';
  }
}

/**
 * The view was used after its mapping was disposed (Rust's borrow checker forbids this; JavaScript needs a check).
 * @public
 */
export class MappingDisposedError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'DISPOSED' as const;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor() {
    super('the mapping behind this view has been disposed');
    this.name = 'MappingDisposedError';
  }
}

/**
 * A user-mode access through the mapping faulted, e.g. because the process owning the address space was killed.
 * @public
 */
export class MappingFaultError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'FAULT' as const;
  /** The fault the address space reported. */
  readonly fault: PageFault;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(fault: PageFault) {
    super(`${fault.access} at 0x${fault.address.toString(16)} faulted: ${fault.kind}`);
    this.name = 'MappingFaultError';
    this.fault = fault;
  }
}

/**
 * A bad argument that is not a kernel call's to judge: a non-integer index, a byte value outside 0..255, data that
 * does not fit, a non-boolean flag, a missing address space.
 * @public
 */
export class MappedVmoArgumentError extends MappedVmoError {
  /** {@inheritDoc MappedVmoError.code} */
  readonly code = 'INVALID_ARGUMENT' as const;
  /** Builds the error; thrown by this package, exported for `instanceof` checks. */
  constructor(message: string) {
    super(message);
    this.name = 'MappedVmoArgumentError';
  }
}
