/**
 * Guard regions: madvise(MADV_GUARD_INSTALL / MADV_GUARD_REMOVE) (Linux mm/madvise.c, 6.13+; file-backed and
 * shared mappings from 6.15).
 *
 * Measured on Linux 6.18: installing zaps the pages of the range (private anonymous data and private copies of file
 * pages are lost; shared and file pages stay in their object) and puts a marker in each page-table entry; any user
 * access then faults with SIGSEGV/SEGV_MAPERR (SEGV_ACCERR first where the VMA's protection forbids the access),
 * and kernel copies stop there (EFAULT when nothing was copied). The VMA is not split: maps lines do not change,
 * but the whole VMA gets VM_MAYBE_GUARD (`gu` in smaps VmFlags; sticky: kept after removal, kept by merges).
 * Markers survive MADV_DONTNEED/FREE, mprotect and fork (except in VM_WIPEONFORK VMAs), move with mremap, and
 * go with munmap, MAP_FIXED and MADV_GUARD_REMOVE. Locked VMAs refuse installing (EINVAL); populating a guarded
 * page fails (mlock ENOMEM, MADV_POPULATE_* EFAULT).
 */
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import type { MmState } from './state.js';
import { anonVmaPrepare, update } from './vma-ops.js';

/**
 * Whether the page holding `addr` carries a guard marker. This is the per-page query /proc/pid/pagemap's
 * PM_GUARD_REGION bit (bit 58) needs; O(log ranges).
 */
export function isGuardPage(mm: MmState, addr: number): boolean {
  return mm.guards.has(addr - (addr % PAGE));
}

/** The guarded page ranges inside [start, end), clipped and in order. */
export function guardRangesIn(mm: MmState, start: number, end: number): Array<[number, number]> {
  return mm.guards.rangesIn(start, end);
}

/** MADV_GUARD_INSTALL on [s, e) of `v`; `zap` drops the pages as MADV_DONTNEED does. */
export function guardInstall(mm: MmState, v: Vma, s: number, e: number, zap: (v: Vma, s: number, e: number) => void): void {
  // is_valid_guard_vma: VM_LOCKED / VM_LOCKONFAULT VMAs refuse (removing is allowed).
  if (v.flags & (VM.LOCKED | VM.LOCKONFAULT)) fail('EINVAL');
  if (mm.profile.guardVmFlag && !(v.flags & VM.MAYBE_GUARD)) {
    update(mm, v, (x) => {
      x.flags |= VM.MAYBE_GUARD;
    });
  }
  // Markers are page-table entries: an anonymous VMA gets its anon_vma first (so mprotect keeps VM_ACCOUNT, and a
  // neighbour without one no longer merges), as madvise_guard_install does.
  if (v.backing.kind === 'anon' && v.anonVma === 0) anonVmaPrepare(mm, v);
  zap(v, s, e);
  mm.guards.add(s, e);
}

/** MADV_GUARD_REMOVE on [s, e): the markers go; the pages read as after MADV_DONTNEED. */
export function guardRemove(mm: MmState, s: number, e: number): void {
  mm.guards.remove(s, e);
}

/** The markers of [start, end) leave with the pages (munmap, MAP_FIXED, the moved-from range of mremap). */
export function forgetGuards(mm: MmState, start: number, end: number): void {
  if (mm.guards.size !== 0) mm.guards.remove(start, end);
}

/** move_page_tables carries the markers of [from, from+len) to `to`. */
export function moveGuards(mm: MmState, from: number, len: number, to: number): void {
  if (mm.guards.size === 0) return;
  for (const [s, e] of mm.guards.rangesIn(from, from + len)) mm.guards.add(to + (s - from), to + (e - from));
}

/** Whether populating [s, e) would hit a guard marker (and where). */
export function firstGuard(mm: MmState, s: number, e: number): number | undefined {
  return mm.guards.size === 0 ? undefined : mm.guards.firstIn(s, e);
}
