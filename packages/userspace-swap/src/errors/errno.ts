/**
 * The Linux errno values the userfaultfd model reports (x86-64 / generic numbering).
 *
 * @public
 */
export const LinuxErrno = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ENOSYS: 38,
} as const);

/**
 * The name of an errno the model reports, such as `'EAGAIN'`.
 *
 * @public
 */
export type ErrnoName = keyof typeof LinuxErrno;

/**
 * A failed userfaultfd operation, carrying the Linux errno exactly as the kernel reports it.
 *
 * @remarks
 * For UFFDIO_COPY and UFFDIO_ZEROPAGE, `field` is what the kernel wrote into the ioctl's `copy` / `zeropage` field:
 * the bytes done before the failure (partial progress, reported as EAGAIN), a negated errno (the first page failed),
 * or `undefined` when the kernel returned before writing it (validation errors, ESRCH). While mappings are changing
 * Linux 6.18 writes -EAGAIN (-11).
 *
 * @public
 */
export class UffdError extends Error {
  /** The errno name, e.g. `'EEXIST'`. */
  readonly code: ErrnoName;
  /** The errno number, e.g. 17. */
  readonly errno: number;
  /** The ioctl's result field, when the kernel wrote one (see remarks). */
  readonly field: number | undefined;

  constructor(code: ErrnoName, message: string, field?: number) {
    super(`${code}: ${message}`);
    this.name = 'UffdError';
    this.code = code;
    this.errno = LinuxErrno[code];
    this.field = field;
  }

  /** Bytes installed before the failure: the positive `field`, else 0. */
  get bytesDone(): number {
    return this.field !== undefined && this.field > 0 ? this.field : 0;
  }
}
