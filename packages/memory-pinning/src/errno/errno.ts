import type { ZxStatus} from '@memsim/zircon-objects';
import { statusName } from '@memsim/zircon-objects';

/**
 * The Linux errno numbers (x86-64 and arm64 share them) that kernel statuses map to.
 * @public
 */
export const Errno = Object.freeze({
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
});

/**
 * An errno name of {@link Errno}.
 * @public
 */
export type ErrnoName = keyof typeof Errno;

/**
 * A failure reported as a Linux errno (what Starnix's `Errno` is), with the kernel status it came from.
 * @public
 */
export class ErrnoError extends Error {
  /** The errno name, e.g. `"ENOMEM"` (as Node.js puts it in `code`). */
  readonly code: ErrnoName;
  /** The positive errno number, e.g. 12. */
  readonly errno: number;
  /** The kernel status the errno was derived from, if any. */
  readonly status: ZxStatus | undefined;

  constructor(errno: ErrnoName, status?: ZxStatus, options?: { cause?: unknown; detail?: string }) {
    const from = status === undefined ? '' : ` (from ${statusName(status)})`;
    super(`${errno}${from}${options?.detail === undefined ? '' : `: ${options.detail}`}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ErrnoError';
    this.code = errno;
    this.errno = Errno[errno];
    this.status = status;
  }
}
