/**
 * Zircon status codes (`zx_status_t`), with the values of `zircon/errors.h`.
 * @public
 */
export enum ZxStatus {
  OK = 0,
  INTERNAL = -1,
  NOT_SUPPORTED = -2,
  NO_RESOURCES = -3,
  NO_MEMORY = -4,
  INVALID_ARGS = -10,
  BAD_HANDLE = -11,
  WRONG_TYPE = -12,
  BAD_SYSCALL = -13,
  OUT_OF_RANGE = -14,
  BUFFER_TOO_SMALL = -15,
  BAD_STATE = -20,
  TIMED_OUT = -21,
  SHOULD_WAIT = -22,
  CANCELED = -23,
  PEER_CLOSED = -24,
  NOT_FOUND = -25,
  ALREADY_EXISTS = -26,
  ALREADY_BOUND = -27,
  UNAVAILABLE = -28,
  ACCESS_DENIED = -30,
  IO = -40,
  IO_REFUSED = -41,
  IO_DATA_INTEGRITY = -42,
  IO_DATA_LOSS = -43,
}

/**
 * The C name of a status, e.g. `ZX_ERR_NO_MEMORY` (or `ZX_OK`).
 * @public
 */
export function statusName(status: ZxStatus): string {
  if (status === ZxStatus.OK) return 'ZX_OK';
  const name = ZxStatus[status] as string | undefined;
  return name === undefined ? `ZX_STATUS(${String(status)})` : `ZX_ERR_${name}`;
}

/**
 * A failed Zircon call: carries the status the real syscall returns.
 * @public
 */
export class ZxError extends Error {
  /** The status code. */
  readonly status: ZxStatus;
  constructor(status: ZxStatus, detail?: string) {
    super(detail === undefined ? statusName(status) : `${statusName(status)}: ${detail}`);
    this.name = 'ZxError';
    this.status = status;
  }
}

/** Throws a {@link ZxError}; an expression-friendly helper. */
export function fail(status: ZxStatus, detail?: string): never {
  throw new ZxError(status, detail);
}
