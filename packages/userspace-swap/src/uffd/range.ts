import { describeValue } from '../errors/describe.js';
import { UffdError } from '../errors/errno.js';
import type { UffdAddressSpace, UffdVma } from './address-space.js';
import { UFFD_API_FEATURES, UffdFeature, UffdIoctl, UffdRegisterMode, ioctlBit } from './constants.js';

// The range checks every range ioctl shares (validate_range) and the VMA compatibility rule of registration
// (vma_can_userfault), kept apart from the UserfaultFD class so each ioctl family's file can use them.

/** validate_range: a page-aligned, non-empty range inside [mmap_min_addr, TASK_SIZE); EINVAL otherwise. */
export function validateRange(space: UffdAddressSpace, start: number, length: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0) {
    throw new UffdError('EINVAL', `bad range ${describeValue(start)}+${describeValue(length)}`);
  }
  if (start % space.pageSize !== 0 || length % space.pageSize !== 0 || length === 0) {
    throw new UffdError('EINVAL', `range ${start}+${length} is not page aligned or is empty`);
  }
  if (start < space.mmapMinAddr || start >= space.taskSize || length > space.taskSize - start) {
    throw new UffdError('EINVAL', `range ${start}+${length} is outside the user address space`);
  }
}

/**
 * vma_can_userfault (Linux 6.18, CONFIG_PTE_MARKER_UFFD_WP set as on common distributions): anonymous, shmem and
 * hugetlb memory take MISSING and WP, MINOR needs shmem or hugetlb; with WP_ASYNC a range registered for WP alone
 * may be any memory, a private file mapping included.
 */
export function canUserfault(vma: UffdVma, mode: number, wpAsync: boolean): boolean {
  // VM_DROPPABLE is refused before anything else, even a WP_ASYNC registration (measured on Linux 6.18).
  if (vma.droppable === true) return false;
  if ((mode & UffdRegisterMode.MINOR) !== 0 && vma.kind !== 'shmem' && vma.kind !== 'hugetlb') return false;
  if (wpAsync && mode === UffdRegisterMode.WP) return true;
  return vma.kind !== 'file';
}

/** The UFFD_FEATURE_* bits the kernel behind `space` offers. */
export function kernelFeatures(space: UffdAddressSpace): number {
  return (space.supportedFeatures ?? UFFD_API_FEATURES) & UFFD_API_FEATURES;
}

/**
 * UFFD_API_RANGE_IOCTLS as this kernel has them: MOVE exists from Linux 6.8 and POISON from 6.6, each with its
 * feature bit; hugetlb ranges lack ZEROPAGE and MOVE (UFFD_API_RANGE_IOCTLS_BASIC).
 */
export function rangeIoctls(space: UffdAddressSpace, hugetlb: boolean): bigint {
  const features = kernelFeatures(space);
  let ioctls = ioctlBit(UffdIoctl.WAKE) | ioctlBit(UffdIoctl.COPY) | ioctlBit(UffdIoctl.WRITEPROTECT) | ioctlBit(UffdIoctl.CONTINUE);
  if ((features & UffdFeature.POISON) !== 0) ioctls |= ioctlBit(UffdIoctl.POISON);
  if (!hugetlb) {
    ioctls |= ioctlBit(UffdIoctl.ZEROPAGE);
    if ((features & UffdFeature.MOVE) !== 0) ioctls |= ioctlBit(UffdIoctl.MOVE);
  }
  return ioctls;
}
