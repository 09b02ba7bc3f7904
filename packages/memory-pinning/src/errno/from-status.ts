import { ZxError, type ZxStatus } from '@memsim/zircon-objects';
import { ErrnoError, type ErrnoName } from './errno.js';

/**
 * The table of `from_status_like_fdio` (Starnix) / `fdio_status_to_errno` (fdio): Zircon status value to errno.
 * Statuses memsim's kernel never returns are listed by their Zircon values so the table is complete; anything
 * absent maps to EIO.
 * @public
 */
export const FDIO_STATUS_TO_ERRNO: ReadonlyMap<number, ErrnoName> = new Map<number, ErrnoName>([
  [-25, 'ENOENT'], // NOT_FOUND
  [-4, 'ENOMEM'], // NO_MEMORY
  [-10, 'EINVAL'], // INVALID_ARGS
  [-15, 'EINVAL'], // BUFFER_TOO_SMALL
  [-21, 'ETIMEDOUT'], // TIMED_OUT
  [-28, 'EBUSY'], // UNAVAILABLE
  [-26, 'EEXIST'], // ALREADY_EXISTS
  [-24, 'EPIPE'], // PEER_CLOSED
  [-20, 'EPIPE'], // BAD_STATE
  [-50, 'ENAMETOOLONG'], // BAD_PATH
  [-40, 'EIO'], // IO
  [-52, 'EISDIR'], // NOT_FILE
  [-51, 'ENOTDIR'], // NOT_DIR
  [-2, 'EOPNOTSUPP'], // NOT_SUPPORTED
  [-12, 'EOPNOTSUPP'], // WRONG_TYPE
  [-14, 'EINVAL'], // OUT_OF_RANGE
  [-3, 'ENOMEM'], // NO_RESOURCES
  [-11, 'EBADF'], // BAD_HANDLE
  [-30, 'EACCES'], // ACCESS_DENIED
  [-22, 'EAGAIN'], // SHOULD_WAIT
  [-53, 'EFBIG'], // FILE_BIG
  [-54, 'ENOSPC'], // NO_SPACE
  [-55, 'ENOTEMPTY'], // NOT_EMPTY
  [-41, 'ECONNREFUSED'], // IO_REFUSED
  [-47, 'EIO'], // IO_INVALID
  [-23, 'EBADF'], // CANCELED
  [-70, 'EPROTONOSUPPORT'], // PROTOCOL_NOT_SUPPORTED
  [-71, 'ENETUNREACH'], // ADDRESS_UNREACHABLE
  [-72, 'EADDRINUSE'], // ADDRESS_IN_USE
  [-73, 'ENOTCONN'], // NOT_CONNECTED
  [-74, 'ECONNREFUSED'], // CONNECTION_REFUSED
  [-75, 'ECONNRESET'], // CONNECTION_RESET
  [-76, 'ECONNABORTED'], // CONNECTION_ABORTED
]);

/**
 * `from_status_like_fdio!`: the errno for a kernel status (EIO for anything the table does not list).
 * @public
 */
export function fromStatusLikeFdio(status: ZxStatus | number): ErrnoName {
  return FDIO_STATUS_TO_ERRNO.get(status) ?? 'EIO';
}

/** Runs `fn`, turning a ZxError into the matching ErrnoError (cause kept); anything else passes through. */
export function withErrno<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ZxError) throw new ErrnoError(fromStatusLikeFdio(e.status), e.status, { cause: e });
    throw e;
  }
}
