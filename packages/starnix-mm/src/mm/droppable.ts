/**
 * MAP_DROPPABLE (Linux 6.11): a private anonymous mapping whose pages the kernel may free instead of swapping them
 * out; they then read back as zero.
 *
 * Measured on Linux 6.18: mmap(MAP_DROPPABLE | MAP_ANONYMOUS) gives a VMA with `nr wf dd dp` (VM_NORESERVE,
 * VM_WIPEONFORK, VM_DONTDUMP, VM_DROPPABLE; never VM_ACCOUNT). A file mapping, MAP_LOCKED, MAP_GROWSDOWN or
 * MAP_HUGETLB with it is EINVAL. mlock, mlock2 and mlockall succeed without locking it; MADV_KEEPONFORK and
 * MADV_DODUMP are EINVAL on it; fork gives the child zeroed pages (wipe-on-fork).
 *
 * The model drops every page of every droppable VMA when the Zircon kernel's memory pressure reaches Warning, the
 * level at which Zircon itself starts reclaiming (discarding unlocked discardable VMOs).
 */
import { VM } from '../abi/constants.js';
import { freeAnon, presentAnonPages } from './pages.js';
import type { MmState } from './state.js';
import { PressureLevel } from '@memsim/zircon-objects';

/** The VM_* flags a droppable mapping gets (do_mmap's MAP_DROPPABLE case). */
export const DROPPABLE_VM_FLAGS = VM.DROPPABLE | VM.WIPEONFORK | VM.DONTDUMP | VM.NORESERVE;

/** Frees the pages of every droppable VMA (reclaim under memory pressure); returns the pages freed. */
export function dropDroppable(mm: MmState): number {
  if (mm.disposed) return 0;
  let freed = 0;
  for (const v of mm.tree) {
    if (!(v.flags & VM.DROPPABLE)) continue;
    freed += presentAnonPages(mm, v, v.start, v.end).length;
    freeAnon(mm, v.start, v.end);
  }
  return freed;
}

/** Subscribes the address space to the kernel's pressure changes, once (the first droppable mapping does it). */
export function watchPressure(mm: MmState): void {
  if (mm.droppableWatch) return;
  mm.droppableWatch = mm.kernel.onPressureChange((level) => {
    if (level >= PressureLevel.Warning) dropDroppable(mm);
  });
}
