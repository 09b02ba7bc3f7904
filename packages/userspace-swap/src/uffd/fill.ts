import { LinuxErrno, UffdError } from '../errors/errno.js';
import type { ErrnoName } from '../errors/errno.js';
import type { UffdAddressSpace } from './address-space.js';
import { UffdRegisterMode } from './constants.js';

// The filling ioctls' engine (mfill_atomic): UFFDIO_COPY, UFFDIO_ZEROPAGE and UFFDIO_POISON install pages into
// missing addresses of one registered VMA. UserfaultFD checks each ioctl's arguments and calls fillIoctl.

/** Which filling ioctl runs. */
export type FillKind = 'copy' | 'zeropage' | 'poison';

/**
 * Runs a filling ioctl over [start, start + length): the bytes done, waking the faulting tasks there unless
 * `dontWake`; UffdError with the field Linux writes when nothing (or not everything) was done.
 */
export function fillIoctl(
  space: UffdAddressSpace,
  kind: FillKind,
  start: number,
  length: number,
  source: Uint8Array | undefined,
  wp: boolean,
  dontWake: boolean,
  wake: (start: number, length: number) => void,
): number {
  if (!space.alive) throw new UffdError('ESRCH', `UFFDIO_${kind.toUpperCase()}: the process exited`);
  const result = mfillAtomic(space, kind, start, length, source, wp);
  if (result.done < 0) throw new UffdError(result.errno!, `UFFDIO_${kind.toUpperCase()} failed at ${start}`, result.done);
  if (!dontWake) wake(start, result.done);
  if (result.done !== length) {
    throw new UffdError('EAGAIN', `UFFDIO_${kind.toUpperCase()}: partial progress, ${result.done} of ${length} bytes`, result.done);
  }
  return result.done;
}

/** mfill_atomic: bytes done, or a negated errno when nothing was done. */
function mfillAtomic(space: UffdAddressSpace, kind: FillKind, start: number, length: number, source: Uint8Array | undefined, wp: boolean): { done: number; errno?: ErrnoName } {
  const page = space.pageSize;
  const end = start + length;
  space.prepareAnon?.(start);
  const vmas = space.vmasIn(start, end);
  const vma = vmas[0];
  // The destination must lie inside one VMA registered with some userfaultfd (validate_dst_vma).
  if (vma === undefined || vma.start > start || vma.end < end || vma.uffd === null) return { done: -2, errno: 'ENOENT' };
  if (wp && (vma.uffdMode & UffdRegisterMode.WP) === 0) return { done: -22, errno: 'EINVAL' };
  if (kind === 'zeropage' && vma.kind === 'hugetlb') return { done: -22, errno: 'EINVAL' };
  let done = 0;
  let errno: ErrnoName | undefined;
  if (kind === 'copy' && length > page && space.installPages !== undefined && source !== undefined) {
    // The pages up to the first present one (or the end of the source) go in with one call; the loop below then
    // meets that page and stops as it would have.
    let n = 0;
    const last = Math.min(end, start + source.byteLength - (source.byteLength % page));
    while (start + n < last && !space.isPagePresent(start + n)) n += page;
    if (n > page) {
      space.installPages(start, source.subarray(0, n), wp);
      done = n;
    }
  }
  for (let a = start + done; a < end; a += page) {
    // A guard marker: UFFDIO_COPY replaces it (pte_none_mostly), ZEROPAGE and POISON find the PTE taken (Linux 6.18).
    if (space.isPagePresent(a) || (kind !== 'copy' && space.hasMarker?.(a) === true)) {
      errno = 'EEXIST';
      break;
    }
    if (kind === 'copy') {
      const off = a - start;
      if (source === undefined || source.byteLength < off + page) {
        errno = 'EFAULT';
        break;
      }
      // installPage copies the bytes into the page: a view serves, no copy of the source per page (and a one-page
      // source is passed as it is: a view costs more than the rest of the call's bookkeeping).
      space.installPage(a, off === 0 && source.length === page ? source : source.subarray(off, off + page), wp);
    } else if (kind === 'zeropage') {
      space.installZeroPage(a);
    } else {
      space.installPoison(a);
    }
    done += page;
  }
  if (done > 0 || errno === undefined) return { done };
  return { done: -LinuxErrno[errno], errno };
}
