/**
 * madvise(2) (Linux mm/madvise.c).
 */
import { type SysInt, i32, u64 } from '../abi/args.js';
import { Advice, PAGE, VM } from '../abi/constants.js';
import { ErrnoError, fail } from '../errno/errno.js';
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';
import { type Vma } from '../vma/vma.js';
import { U64MAX, isAligned, pageAlignBig } from './common.js';
import { faultIn, uffdFaultFor } from './fault.js';
import { cleanSet, forget, forgetUffdMarkers, freeAnon, noteWrite } from './pages.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { raiseUffdRemove, refuseBlockingUffd } from './uffd-events.js';
import { modify, objectEnd, walk } from './vma-ops.js';
import { UffdFeature } from '@memsim/userspace-swap';
import { VmoOp } from '@memsim/zircon-objects';
import { ZirconSpace } from './zircon-space.js';
import { madviseSealCheck } from './mseal.js';
import { firstGuard, guardInstall, guardRemove } from './guard.js';
import { keepTablesOfZap, reclaimEmptyTables } from './page-tables.js';

/**
 * MADV_PAGEOUT on a machine without swap: clean page-cache and shmem pages (only ever read) are reclaimed;
 * anonymous and dirty pages stay.
 */
export function pageOut(mm: MmState, v: Vma, s: number, e: number): void {
  if (v.backing.kind === 'anon') return;
  for (let a = s; a < e; a += PAGE) {
    // Only pages mapped here are walked (madvise_cold_or_pageout_pte_range follows the page tables).
    if (!mm.mappedShared.has(a)) continue;
    const t = ZirconSpace.target(mm.zx, v, a);
    const set = cleanSet(mm, v, t.vmo);
    if (set?.has(t.offset)) {
      set.delete(t.offset);
      mm.mappedShared.delete(a);
      t.vmo.opRange(VmoOp.DECOMMIT, t.offset, PAGE);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// madvise

/** madvise(2). */
export function madvise(mm: MmState, addr: SysInt, length: SysInt, advice: SysInt): number {
  live(mm);
  try {
    const adv = i32(advice, 'advice');
    // madvise_behavior_valid: the advice values the model implements, 0-4 and 8-24; the guard-region ones
    // (MADV_GUARD_INSTALL 102, MADV_GUARD_REMOVE 103) from Linux 6.13 as the profile says. MADV_COLLAPSE (25) is
    // refused as by a kernel without CONFIG_TRANSPARENT_HUGEPAGE (the model has no huge pages); so is any other value.
    const guard = adv === Advice.GUARD_INSTALL || adv === Advice.GUARD_REMOVE;
    if (!((adv >= 0 && adv <= 4) || (adv >= 8 && adv <= 24) || (guard && mm.profile.guardRegions))) fail('EINVAL');
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    if (!isAligned(a)) fail('EINVAL');
    const len = pageAlignBig(l);
    if (l !== 0n && len === 0n) fail('EINVAL');
    const endB = a + len;
    if (endB > U64MAX) fail('EINVAL');
    if (endB === a) return 0;
    if (adv === Advice.POPULATE_READ || adv === Advice.POPULATE_WRITE) return madvisePopulate(mm, a, endB, adv === Advice.POPULATE_WRITE);
    if (a >= BigInt(mm.taskSize)) fail('ENOMEM');
    const end = endB > BigInt(mm.taskSize) ? mm.taskSize + PAGE : Number(endB);
    if (adv === Advice.DONTNEED || adv === Advice.DONTNEED_LOCKED || adv === Advice.FREE || adv === Advice.REMOVE) {
      refuseBlockingUffd(mm, Number(a), Math.min(end, mm.taskSize), UffdFeature.EVENT_REMOVE, 'madvise');
    }
    return walk(mm, Number(a), end, (v, s, e) => adviseOne(mm, v, s, e, adv));
  } finally {
    flushPins(mm);
  }
}

export function madvisePopulate(mm: MmState, a: bigint, endB: bigint, write: boolean): number {
  if (a >= BigInt(mm.taskSize)) fail('ENOMEM');
  let cur = Number(a);
  const end = Number(endB > BigInt(mm.taskSize) ? BigInt(mm.taskSize) + 4096n : endB);
  // MADV_POPULATE_* waits for userfaultfd like a user fault; the model cannot wait inside madvise (not even in
  // madviseAsync), so it refuses before populating anything.
  for (const v of mm.tree.range(cur, Math.min(end, mm.taskSize))) {
    if (v.uffd === 0) continue;
    for (let p = Math.max(v.start, cur); p < Math.min(v.end, end); p += PAGE) if (uffdFaultFor(mm, v, p, write, false)) throw new UffdWouldBlockError(p, 'madvise(MADV_POPULATE)');
  }
  while (cur < end) {
    const v = mm.tree.find(cur);
    if (!v) fail('ENOMEM');
    // GUP's check_vma_flags: a read needs VM_READ itself (write-only and exec-only VMAs fail).
    const ok = write ? (v.flags & VM.WRITE) !== 0 : (v.flags & VM.READ) !== 0;
    if (!ok) fail('EINVAL');
    const e = Math.min(v.end, end);
    const lim = objectEnd(mm, v);
    if (lim !== undefined && lim < e) {
      faultIn(mm, v, cur, lim, write && !(v.flags & VM.SHARED));
      fail('EFAULT');
    }
    const g = firstGuard(mm, cur, e);
    if (g !== undefined) {
      // A guard marker faults like an unmapped page: GUP fails with EFAULT after the pages before it.
      faultIn(mm, v, cur, g, write && !(v.flags & VM.SHARED));
      fail('EFAULT');
    }
    faultIn(mm, v, cur, e, write && !(v.flags & VM.SHARED));
    // A write fault dirties shared pages too.
    if (write && v.flags & VM.SHARED) for (let a = cur; a < e; a += PAGE) noteWrite(mm, v, a);
    cur = e;
  }
  return 0;
}

export function adviseOne(mm: MmState, v: Vma, s: number, e: number, adv: number): Vma | void {
  madviseSealCheck(v, adv);
  let nf = v.flags;
  switch (adv) {
    case Advice.GUARD_INSTALL:
      guardInstall(mm, v, s, e, (x, a, b) => dropPages(mm, x, a, b));
      return;
    case Advice.GUARD_REMOVE:
      keepTablesOfZap(mm, s, e);
      guardRemove(mm, s, e);
      return;
    case Advice.DONTNEED:
    case Advice.DONTNEED_LOCKED:
      if (v.flags & VM.LOCKED && adv === Advice.DONTNEED) fail('EINVAL');
      raiseUffdRemove(mm, v, s, e);
      dropPages(mm, v, s, e);
      reclaimEmptyTables(mm, s, e);
      return;
    case Advice.FREE:
      // madvise_dontneed_free_valid_vma forbids locked VMAs for FREE as well.
      if (v.flags & VM.LOCKED || v.backing.kind !== 'anon') fail('EINVAL');
      raiseUffdRemove(mm, v, s, e);
      return;
    case Advice.REMOVE:
      if (v.flags & VM.LOCKED) fail('EINVAL');
      if (v.backing.kind === 'anon') fail('EINVAL');
      if (!(v.flags & VM.SHARED) || !(v.flags & VM.MAYWRITE)) fail('EACCES');
      raiseUffdRemove(mm, v, s, e);
      punchHole(mm, v, s, e);
      return;
    case Advice.WILLNEED:
      return;
    case Advice.COLD:
    case Advice.PAGEOUT:
      if (v.flags & VM.LOCKED) fail('EINVAL');
      if (adv === Advice.PAGEOUT) pageOut(mm, v, s, e);
      return;
    case Advice.MERGEABLE:
      // ksm_madvise: VMAs KSM cannot merge (shared, droppable) ignore the advice.
      if (v.flags & (VM.SHARED | VM.MAYSHARE | VM.DROPPABLE)) return;
      nf |= VM.MERGEABLE;
      break;
    case Advice.UNMERGEABLE:
      nf &= ~VM.MERGEABLE;
      break;
    case Advice.NORMAL:
      nf &= ~(VM.SEQ_READ | VM.RAND_READ);
      break;
    case Advice.RANDOM:
      nf = (nf & ~VM.SEQ_READ) | VM.RAND_READ;
      break;
    case Advice.SEQUENTIAL:
      nf = (nf & ~VM.RAND_READ) | VM.SEQ_READ;
      break;
    case Advice.DONTFORK:
      nf |= VM.DONTCOPY;
      break;
    case Advice.DOFORK:
      nf &= ~VM.DONTCOPY;
      break;
    case Advice.WIPEONFORK:
      if (v.backing.kind !== 'anon') fail('EINVAL');
      nf |= VM.WIPEONFORK;
      break;
    case Advice.KEEPONFORK:
      if (v.flags & VM.DROPPABLE) fail('EINVAL');
      nf &= ~VM.WIPEONFORK;
      break;
    case Advice.DONTDUMP:
      nf |= VM.DONTDUMP;
      break;
    case Advice.DODUMP:
      if (v.flags & VM.DROPPABLE) fail('EINVAL');
      nf &= ~VM.DONTDUMP;
      break;
    case Advice.HUGEPAGE:
      nf = (nf & ~VM.NOHUGEPAGE) | VM.HUGEPAGE;
      break;
    case Advice.NOHUGEPAGE:
      nf = (nf & ~VM.HUGEPAGE) | VM.NOHUGEPAGE;
      break;
    default:
      fail('EINVAL');
  }
  if (nf === v.flags) return;
  try {
    return modify(mm, v, s, e, (x) => {
      x.flags = nf;
    });
  } catch (err) {
    // madvise reports a split refused at vm.max_map_count as EAGAIN ("kernel resources temporarily unavailable").
    if (err instanceof ErrnoError && err.code === 'ENOMEM') fail('EAGAIN');
    throw err;
  }
}

/** MADV_DONTNEED: private anonymous reads back zero, private file reverts to the file, shared is untouched. */
export function dropPages(mm: MmState, v: Vma, s: number, e: number): void {
  keepTablesOfZap(mm, s, e);
  const b = v.backing;
  if (b.kind !== 'anon') {
    forget(mm.mappedShared, s, e);
    forgetUffdMarkers(mm, s, e);
  }
  if (b.kind === 'anon') freeAnon(mm, s, e, v);
  else if (b.kind === 'file' && b.cow) {
    // The private copies are dropped: the pages read the file again.
    for (let a = s; a < e; a += PAGE) {
      const page = v.pgoff + (a - v.start) / PAGE;
      if (b.cow.copied.delete(page) && page * PAGE < b.cow.vmo.getSize()) b.cow.vmo.opRange(VmoOp.ZERO, page * PAGE, PAGE);
    }
  }
}

export function punchHole(mm: MmState, v: Vma, s: number, e: number): void {
  const t = ZirconSpace.target(mm.zx, v, s);
  const vmo = v.backing.kind === 'shmem' ? v.backing.obj.vmo : v.backing.kind === 'file' ? v.backing.file.vmo : null;
  if (!vmo) return;
  const size = vmo.getSize();
  const endOff = Math.min(size, t.offset + (e - s));
  if (endOff > t.offset) vmo.opRange(VmoOp.ZERO, t.offset, endOff - t.offset);
}
