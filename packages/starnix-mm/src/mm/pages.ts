/**
 * Per-page state the VMAs do not hold: freeing anonymous pages, the shared zero page and shared-page PTE sets, userfaultfd markers, dirty tracking of private file pages, and residency (mincore, smaps).
 */
import { PAGE } from '../abi/constants.js';
import { type Vma } from '../vma/vma.js';
import { pageDown } from './common.js';
import type { MmState } from './state.js';
import { objectEnd } from './vma-ops.js';
import type { Vmo } from '@memsim/zircon-objects';
import { ZirconSpace } from './zircon-space.js';
import { forgetGuards } from './guard.js';
import { backingOf } from './anon-backing/select.js';

/** Releases the pages of a range that is leaving the address space. */
export function releasePages(mm: MmState, v: Vma, start: number, end: number): void {
  forgetGuards(mm, start, end);
  if (v.backing.kind === 'anon') {
    backingOf(mm).release(mm, v, start, end);
    forgetZero(mm, start, end);
    forgetUffdMarkers(mm, start, end);
    forget(mm.softDirty, start, end);
    mm.anonShared.forget(start, end);
  } else {
    forget(mm.mappedShared, start, end);
    forgetUffdMarkers(mm, start, end);
    forget(mm.softDirty, start, end);
  }
}

/** Drops private anonymous pages (and zero-page mappings) of [start, end) (of `v` when the caller knows it). */
export function freeAnon(mm: MmState, start: number, end: number, v?: Vma): void {
  backingOf(mm).zero(mm, v, start, end);
  forgetZero(mm, start, end);
  forgetUffdMarkers(mm, start, end);
  forget(mm.softDirty, start, end);
  mm.anonShared.forget(start, end);
}

/**
 * The committed private anonymous pages of [start, end) inside `v`, by address, in either design: one query of the
 * single VMO, or of the VMA's own VMO (its offsets follow the addresses linearly). Either costs what the VMO holds,
 * not the size of the range: a terabyte VMA with three pages is three pages of work.
 */
export function presentAnonPages(mm: MmState, v: Vma, start: number, end: number): number[] {
  return ZirconSpace.presentAnon(mm.zx, v, start, end);
}

/**
 * Whether page `page` of `v` is a private anonymous page fork left shared with another process (pagemap bit 56
 * clear, UFFDIO_MOVE's EBUSY): in a forked range, untouched since (fork-shared.ts), and present.
 */
export function forkShared(mm: MmState, v: Vma, page: number): boolean {
  return mm.anonShared.covers(page) && v.backing.kind === 'anon' && backingOf(mm).present(mm, v, page);
}

/** Zapping page table entries drops poison markers and uffd-wp bits with them. */
export function forgetUffdMarkers(mm: MmState, start: number, end: number): void {
  forget(mm.uffdPoison, start, end);
  forget(mm.uffdWp, start, end);
}

export function forgetZero(mm: MmState, start: number, end: number): void {
  forget(mm.zeroMapped, start, end);
}

export function forget(set: Set<number>, start: number, end: number): void {
  if (set.size === 0) return;
  if (set.size < (end - start) / PAGE) {
    for (const p of set) if (p >= start && p < end) set.delete(p);
  } else for (let p = start; p < end; p += PAGE) set.delete(p);
}

/** The clean-page set of the shared object a VMA page lives in (none for private copies). */
export function cleanSet(mm: MmState, v: Vma, vmo: Vmo): Set<number> | undefined {
  const b = v.backing;
  if (b.kind === 'shmem') return b.obj.clean;
  if (b.kind === 'file' && vmo === b.file.vmo) return b.file.cleanPages;
  return undefined;
}

/** A store into a shared page makes it dirty (PAGEOUT can no longer drop it without swap). */
export function noteWrite(mm: MmState, v: Vma, addr: number): void {
  // A written PTE is soft-dirty (CONFIG_MEM_SOFT_DIRTY), and a write breaks fork's sharing of an anonymous page.
  if (mm.profile.softDirty) mm.softDirty.add(pageDown(addr));
  if (mm.anonShared.active) mm.anonShared.unshare(pageDown(addr));
  // Private anonymous pages have no clean-page set (the common case of a write fault).
  if (v.backing.kind === 'anon') return;
  const t = ZirconSpace.target(mm.zx, v, pageDown(addr));
  const set = cleanSet(mm, v, t.vmo);
  if (!set) return;
  set.delete(t.offset);
  mm.mappedShared.add(pageDown(addr));
}

export function resident(mm: MmState, v: Vma, addr: number): boolean {
  const b = v.backing;
  if (b.kind === 'file' || b.kind === 'shmem') {
    const lim = objectEnd(mm, v);
    if (lim !== undefined && addr >= lim) return false;
  }
  if (b.kind === 'anon' && mm.zeroMapped.has(pageDown(addr))) return true;
  const t = ZirconSpace.target(mm.zx, v, addr);
  if (t.offset >= t.vmo.getSize()) return false;
  return t.vmo.pageState(pageDown(t.offset)) !== 'absent';
}
