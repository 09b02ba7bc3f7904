/**
 * vm.max_map_count's limit on splitting VMAs (Linux mm/vma.c split_vma), for the calls that change part of a VMA.
 */
import { fail } from '../errno/errno.js';
import type { MmState } from './state.js';

/**
 * How many of the `splits` (1 or 2) that vma_modify (mprotect, madvise, mlock, mseal, userfaultfd registration, VMA
 * names) needs to cut a range out of a VMA split_vma allows: each refuses once the address space has
 * vm.max_map_count VMAs. None allowed is ENOMEM here, before any change; 1 of 2 means the caller makes the first split
 * (the part below the range, which Linux splits off first) and then fails with ENOMEM, as Linux 6.18 leaves it
 * (measured: an mprotect of the middle of a VMA one below the limit leaves the VMA cut in two, unchanged).
 */
export function splitsAllowed(mm: MmState, splits: number): number {
  if (splits > 0 && mm.tree.size >= mm.profile.maxMapCount) fail('ENOMEM');
  return Math.min(splits, mm.profile.maxMapCount - mm.tree.size);
}
