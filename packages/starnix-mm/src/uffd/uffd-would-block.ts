import { ErrnoError } from '../errno/errno.js';

/**
 * A synchronous call would have to block on a userfaultfd: a user or kernel access to a registered missing (or
 * write-protected) page, or a munmap / mremap / madvise / mmap(MAP_FIXED) / fork whose userfaultfd event the task
 * must wait for. Nothing was changed; use the `...Async` variant with a task, which waits as Linux does.
 *
 * @remarks `code` is `EAGAIN` so code that only knows {@link ErrnoError} still sees a clean failure.
 *
 * @public
 */
export class UffdWouldBlockError extends ErrnoError {
  /** The address (access) or start of the range (event) that would block. */
  readonly address: number;

  constructor(address: number, what: string) {
    super('EAGAIN', `${what} at 0x${address.toString(16)} would block on userfaultfd; use the async variant`);
    this.name = 'UffdWouldBlockError';
    this.address = address;
  }
}
