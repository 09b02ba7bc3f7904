/**
 * madvise(2) (Linux mm/madvise.c).
 */
import { type SysInt, i32, u64 } from '../abi/args.js';
import { Advice, PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
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
    // The advice values Linux knows: 0-4, 8-25, and the hardware poison ones (102, 103).
    if (!((adv >= 0 && adv <= 4) || (adv >= 8 && adv <= 25) || adv === 102 || adv === 103)) fail('EINVAL');
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
    faultIn(mm, v, cur, e, write && !(v.flags & VM.SHARED));
    // A write fault dirties shared pages too.
    if (write && v.flags & VM.SHARED) for (let a = cur; a < e; a += PAGE) noteWrite(mm, v, a);
    cur = e;
  }
  return 0;
}

export function adviseOne(mm: MmState, v: Vma, s: number, e: number, adv: number): Vma | void {
  let nf = v.flags;
  switch (adv) {
    case Advice.DONTNEED:
    case Advice.DONTNEED_LOCKED:
      if (v.flags & VM.LOCKED && adv === Advice.DONTNEED) fail('EINVAL');
      raiseUffdRemove(mm, v, s, e);
      dropPages(mm, v, s, e);
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
    case Advice.UNMERGEABLE:
      return;
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
      nf &= ~VM.WIPEONFORK;
      break;
    case Advice.DONTDUMP:
      nf |= VM.DONTDUMP;
      break;
    case Advice.DODUMP:
      nf &= ~VM.DONTDUMP;
      break;
    case Advice.HUGEPAGE:
      nf = (nf & ~VM.NOHUGEPAGE) | VM.HUGEPAGE;
      break;
    case Advice.NOHUGEPAGE:
      nf = (nf & ~VM.HUGEPAGE) | VM.NOHUGEPAGE;
      break;
    default:
      return;
  }
  if (nf === v.flags) return;
  return modify(mm, v, s, e, (x) => {
    x.flags = nf;
  });
}

/** MADV_DONTNEED: private anonymous reads back zero, private file reverts to the file, shared is untouched. */
export function dropPages(mm: MmState, v: Vma, s: number, e: number): void {
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
