/**
 * vm.max_map_count's limit on splitting VMAs (Linux mm/vma.c split_vma), for the calls that change part of a VMA.
 */
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import type { MmState } from './state.js';

/**
 * split_vma's limit: vma_modify (mprotect, madvise, mlock, mseal, userfaultfd registration) cuts [start, end) out
 * of `v` only while the address space has fewer than vm.max_map_count VMAs per split (ENOMEM).
 */
export function checkSplits(mm: MmState, v: Vma, start: number, end: number): void {
  const splits = (start > v.start ? 1 : 0) + (end < v.end ? 1 : 0);
  if (splits > 0 && mm.tree.size + splits - 1 >= mm.profile.maxMapCount) fail('ENOMEM');
}
