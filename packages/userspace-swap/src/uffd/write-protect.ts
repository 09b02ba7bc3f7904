import { describeValue } from '../errors/describe.js';
import { UffdError } from '../errors/errno.js';
import type { UffdAddressSpace, UffdVma } from './address-space.js';
import { UffdRegisterMode, UffdWriteProtectMode } from './constants.js';

// UFFDIO_WRITEPROTECT and the clearing of uffd-wp bits when a WP registration goes away (userfaultfd_clear_vma).
// UserfaultFD checks that the fd is usable and calls these.

/**
 * UFFDIO_WRITEPROTECT over [start, start + length) once the fd checks passed (see `UserfaultFD.writeProtect`).
 * `unpopulated` (UFFD_FEATURE_WP_UNPOPULATED, implied by WP_ASYNC) also marks missing pages, as Linux installs a
 * uffd-wp PTE marker there; without it missing pages are left alone.
 */
export function writeProtectRange(
  space: UffdAddressSpace,
  start: number,
  length: number,
  mode: number,
  unpopulated: boolean,
  wake: (start: number, length: number) => void,
): void {
  const known = UffdWriteProtectMode.WP | UffdWriteProtectMode.DONTWAKE;
  if (!Number.isSafeInteger(mode) || (mode & ~known) !== 0 || mode === known) {
    throw new UffdError('EINVAL', `UFFDIO_WRITEPROTECT: bad mode ${describeValue(mode)}`);
  }
  if (!space.alive) throw new UffdError('ESRCH', 'UFFDIO_WRITEPROTECT: the process exited');
  const end = start + length;
  const vmas = space.vmasIn(start, end);
  if (vmas.length === 0) throw new UffdError('ENOENT', 'UFFDIO_WRITEPROTECT: no mapping in the range');
  const wp = (mode & UffdWriteProtectMode.WP) !== 0;
  const page = space.pageSize;
  for (const vma of vmas) {
    // As mwriteprotect_range: the VMAs before an unregistered one were already changed.
    if (vma.uffd === null || (vma.uffdMode & UffdRegisterMode.WP) === 0) {
      throw new UffdError('ENOENT', 'UFFDIO_WRITEPROTECT: a mapping in the range is not registered for WP');
    }
    for (let a = Math.max(vma.start, start); a < Math.min(vma.end, end); a += page) {
      if (space.isPagePresent(a) || (wp && unpopulated) || !wp) space.setWriteProtected(a, wp);
    }
  }
  if (!wp && (mode & UffdWriteProtectMode.DONTWAKE) === 0) wake(start, length);
}

/** userfaultfd_clear_vma: dropping WP registration also clears the uffd-wp bits (and markers) of the range. */
export function clearWriteProtect(space: UffdAddressSpace, vma: UffdVma, start: number, end: number): void {
  if ((vma.uffdMode & UffdRegisterMode.WP) === 0) return;
  for (let a = start; a < end; a += space.pageSize) space.setWriteProtected(a, false);
}
