import { ZxError, ZxStatus, statusName } from '@memsim/zircon-objects';
import { UffdError } from '@memsim/userspace-swap';
import { ErrnoError as PinningErrnoError, FDIO_STATUS_TO_ERRNO, fromStatusLikeFdio } from '@memsim/memory-pinning';
import { Errno, ErrnoError, type ErrnoName } from './errno.js';

/**
 * The one place where a Zircon status becomes a Linux errno inside starnix-mm (table in docs/errors.md).
 *
 * Starnix uses two conversions: `get_errno_for_map_err` for the VMAR calls that build the address space (map,
 * protect, unmap), and `from_status_like_fdio` (fdio's table) for everything else, VMO operations included.
 */
export type ZxErrnoContext = 'map' | 'vmo';

/** Starnix's get_errno_for_map_err: the statuses a VMAR call can return, as mmap and friends report them. */
const MAP: ReadonlyMap<ZxStatus, ErrnoName> = new Map<ZxStatus, ErrnoName>([
  [ZxStatus.INVALID_ARGS, 'EINVAL'],
  [ZxStatus.ACCESS_DENIED, 'EPERM'],
  [ZxStatus.NOT_SUPPORTED, 'ENODEV'],
  [ZxStatus.NO_MEMORY, 'ENOMEM'],
  [ZxStatus.NO_RESOURCES, 'ENOMEM'],
  [ZxStatus.OUT_OF_RANGE, 'ENOMEM'],
  [ZxStatus.ALREADY_EXISTS, 'EEXIST'],
  [ZxStatus.BAD_STATE, 'EINVAL'],
]);

/**
 * The errno Starnix reports for `status` in `context`. A status outside the table (Starnix treats those as
 * impossible) is EIO, so even a model bug surfaces as an errno rather than a Zircon error.
 */
export function errnoForStatus(status: ZxStatus, context: ZxErrnoContext = 'vmo'): ErrnoName {
  const mapped = context === 'map' ? MAP.get(status) : undefined;
  if (mapped !== undefined) return mapped;
  // memory-pinning (a layer below) owns the fdio table; its names outside starnix-mm's Errno cannot arise from
  // the statuses zircon-objects defines, and would read as EIO.
  const name = fromStatusLikeFdio(status);
  return Object.hasOwn(Errno, name) ? (name as ErrnoName) : 'EIO';
}

/** The ErrnoError for a ZxError, keeping the Zircon status in the message for debugging. */
export function errnoFromZx(err: ZxError, context: ZxErrnoContext = 'vmo'): ErrnoError {
  return new ErrnoError(errnoForStatus(err.status, context), `from ${statusName(err.status)}: ${err.message}`);
}

/** Runs `f`, turning a Zircon error into its errno (other errors pass through). */
export function withErrno<T>(f: () => T, context: ZxErrnoContext = 'vmo'): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ZxError) throw errnoFromZx(e, context);
    throw e;
  }
}

/** Both tables, for the docs and the test that keeps them in step. */
export const ZX_ERRNO_TABLES: { readonly map: ReadonlyMap<ZxStatus, ErrnoName>; readonly vmo: ReadonlyMap<number, string> } = { map: MAP, vmo: FDIO_STATUS_TO_ERRNO };

/**
 * A lower layer's error as the errno starnix-mm reports: a ZxError through the tables above, a userspace-swap
 * UffdError or a memory-pinning ErrnoError (errnos already) by name. Anything else is returned unchanged.
 */
export function lowerToErrno(e: unknown): unknown {
  if (e instanceof ZxError) return errnoFromZx(e);
  if (e instanceof UffdError || e instanceof PinningErrnoError) return new ErrnoError(Object.hasOwn(Errno, e.code) ? (e.code as ErrnoName) : 'EIO', e.message);
  return e;
}
