/**
 * Linux errno values used by the memory manager (x86-64 numbering).
 *
 * @public
 */
export const Errno = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const);

/**
 * The name of an errno, e.g. `"ENOMEM"`.
 *
 * @public
 */
export type ErrnoName = keyof typeof Errno;

/**
 * An errno failure of a system call: `name` and `code` (the positive errno number).
 *
 * @public
 */
export class ErrnoError extends Error {
  /** The errno name, e.g. `"EINVAL"` (as Node.js puts it in `code`). */
  readonly code: ErrnoName;
  /** The positive errno number, e.g. 22. */
  readonly errno: number;

  constructor(errno: ErrnoName, detail?: string) {
    super(detail === undefined ? errno : `${errno}: ${detail}`);
    this.name = 'ErrnoError';
    this.code = errno;
    this.errno = Errno[errno];
  }
}

/** Throws the errno (internal shorthand). */
export function fail(errno: ErrnoName, detail?: string): never {
  throw new ErrnoError(errno, detail);
}
