/**
 * mremap(2) (Linux mm/mremap.c): shrinking, growing in place, moving, MREMAP_FIXED and MREMAP_DONTUNMAP.
 */
import { type SysInt, u64 } from '../abi/args.js';
import { MremapFlags, PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { mayExpand, mlockFutureOk } from './accounting.js';
import { LOCK_MASK, U64MAX, isAligned, isSmall, low32, pageAlignBig, pageUp, smallAligned } from './common.js';
import { populate } from './fault.js';
import { getUnmappedArea } from './mmap.js';
import { unmapRange } from './munmap.js';
import { forget, forgetUffdMarkers, freeAnon } from './pages.js';
import { backingOf } from './anon-backing/select.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { raiseUffd, refuseBlockingUffd } from './uffd-events.js';
import { insert, mergeAround, setEnd, update } from './vma-ops.js';
import { UffdFeature } from '@memsim/userspace-swap';
import { VmoChildOptions, VmoOp } from '@memsim/zircon-objects';
import { checkUnmap } from './mseal.js';
import { forgetGuards, moveGuards } from './guard.js';
import { keepTablesOfZap, moveTables } from './page-tables.js';

// ---------------------------------------------------------------------------------------------------------
// mremap

/** mremap(2). Returns the (possibly new) address. */
export function mremap(mm: MmState, oldAddress: SysInt, oldSize: SysInt, newSize: SysInt, flags: SysInt = 0, newAddress: SysInt = 0): number {
  live(mm);
  try {
    let fl: number;
    let impliesNew: boolean;
    let addr: number;
    let oldTooBig: boolean;
    let oldLen: number;
    let newLen: number;
    let dest: number;
    /** The page-aligned old length compared with the new one (before an old length past TASK_SIZE is clamped). */
    let order: -1 | 0 | 1;
    if (isSmall(oldAddress) && isSmall(oldSize) && isSmall(newSize) && isSmall(flags) && isSmall(newAddress)) {
      // The checks below in number arithmetic: below 2^48 no length rounds to 0 and no end wraps.
      fl = low32(flags);
      if (fl & ~(MremapFlags.MAYMOVE | MremapFlags.FIXED | MremapFlags.DONTUNMAP)) fail('EINVAL');
      if (!smallAligned(oldAddress)) fail('EINVAL');
      const oldLenN = pageUp(oldSize);
      const newLenN = pageUp(newSize);
      if (newLenN === 0) fail('EINVAL');
      const ts = mm.taskSize;
      impliesNew = (fl & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) !== 0;
      if (newLenN > ts) fail('EINVAL');
      // Linux 6.18 applies the new-address checks whenever a new address is implied: with DONTUNMAP alone the
      // address is a hint, but it must still be aligned, fit below TASK_SIZE and not overlap the source.
      if (impliesNew && newAddress > ts - newLenN) fail('EINVAL');
      if (impliesNew) {
        if (!smallAligned(newAddress)) fail('EINVAL');
        if (!(fl & MremapFlags.MAYMOVE)) fail('EINVAL');
        if (fl & MremapFlags.DONTUNMAP && oldLenN !== newLenN) fail('EINVAL');
        if (oldAddress + oldLenN > newAddress && newAddress + newLenN > oldAddress) fail('EINVAL');
      }
      if (oldAddress >= ts) fail('EFAULT');
      addr = oldAddress;
      oldTooBig = oldLenN > ts - addr;
      oldLen = oldTooBig ? ts - addr + PAGE : oldLenN;
      newLen = newLenN;
      order = oldLenN === newLenN ? 0 : oldLenN > newLenN ? 1 : -1;
      dest = newAddress;
    } else {
      const a = u64(oldAddress, 'old_address');
      const ol = u64(oldSize, 'old_size');
      const nl = u64(newSize, 'new_size');
      fl = Number(BigInt.asUintN(64, u64(flags, 'flags')) & 0xffffffffn);
      const na = u64(newAddress, 'new_address');
      if (fl & ~(MremapFlags.MAYMOVE | MremapFlags.FIXED | MremapFlags.DONTUNMAP)) fail('EINVAL');
      if (!isAligned(a)) fail('EINVAL');
      const oldLenB = pageAlignBig(ol);
      const newLenB = pageAlignBig(nl);
      if (newLenB === 0n) fail('EINVAL');
      const ts = BigInt(mm.taskSize);
      impliesNew = (fl & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) !== 0;
      if (newLenB > ts) fail('EINVAL');
      if (impliesNew && na > ts - newLenB) fail('EINVAL');
      if (impliesNew) {
        if (!isAligned(na)) fail('EINVAL');
        if (!(fl & MremapFlags.MAYMOVE)) fail('EINVAL');
        if (fl & MremapFlags.DONTUNMAP && oldLenB !== newLenB) fail('EINVAL');
        // vrm_overlaps computes the ends in unsigned 64-bit arithmetic (a huge old length wraps).
        const ov = ((a + oldLenB) & U64MAX) > na && ((na + newLenB) & U64MAX) > a;
        if (ov) fail('EINVAL');
      }
      if (a >= ts) fail('EFAULT');
      addr = Number(a);
      // An old length past TASK_SIZE can only shrink; the tail unmap then fails munmap's checks (EINVAL).
      oldTooBig = oldLenB > ts - a;
      oldLen = oldTooBig ? mm.taskSize - addr + PAGE : Number(oldLenB);
      newLen = Number(newLenB);
      order = oldLenB === newLenB ? 0 : oldLenB > newLenB ? 1 : -1;
      dest = Number(na);
    }
    // check_mremap_params: a move to a new address may unmap twice (each splitting a VMA in three) before it moves,
    // so it needs headroom below vm.max_map_count.
    if (impliesNew && mm.tree.size + 2 >= mm.profile.maxMapCount - 3) fail('ENOMEM');
    // Only a move (REMAP, UNMAP of the source) or a shrink (UNMAP of the tail) can block.
    const blocking = (fl & MremapFlags.MAYMOVE ? UffdFeature.EVENT_REMAP | UffdFeature.EVENT_UNMAP : 0) | (newLen < oldLen ? UffdFeature.EVENT_UNMAP : 0);
    if (blocking !== 0) refuseBlockingUffd(mm, addr, Math.min(addr + oldLen, mm.taskSize), blocking, 'mremap');
    if (fl & MremapFlags.FIXED && dest < mm.taskSize) refuseBlockingUffd(mm, dest, Math.min(dest + newLen, mm.taskSize), UffdFeature.EVENT_UNMAP, 'mremap');
    // Below the user VMAR nothing can be mapped: EPERM, as mmap(MAP_FIXED) answers there (mmap_min_addr).
    if (fl & MremapFlags.FIXED && dest < mm.minAddr) fail('EPERM');
    if (fl & MremapFlags.FIXED && order === 0) return remapMove(mm, addr, newLen, dest, (fl & MremapFlags.DONTUNMAP) !== 0);
    if (impliesNew) {
      // Linux 6.18 checks the source (against the shrunk length) before any unmapping: an EFAULT has no side
      // effects. (Older kernels unmapped the destination first; the machine's kernel is the judge.)
      const len = Math.min(oldLen, newLen);
      const v = mm.tree.find(addr);
      if (!v) fail('EFAULT');
      // A sealed source refuses before anything is unmapped.
      if (v.flags & VM.SEALED) fail('EPERM');
      moveChecks(mm, v, addr, oldLen === 0 ? 0 : len, newLen);
      if (fl & MremapFlags.DONTUNMAP && !mayExpand(mm, v.flags, len / PAGE)) fail('ENOMEM');
      if (fl & MremapFlags.FIXED) {
        checkUnmap(mm, dest, dest + newLen);
        unmapRange(mm, dest, dest + newLen);
        // From here a failure is part-way on Linux too: the destination is already unmapped (validate knows).
        mm.partialFailure = true;
        // mremap_to looks the source up again after unmapping the destination (which may have held it) before
        // the shrink's own munmap checks.
        if (!mm.tree.find(addr)) fail('EFAULT');
        if (oldTooBig) fail('EINVAL');
        if (oldLen > newLen) {
          checkUnmap(mm, addr + newLen, addr + oldLen);
          unmapRange(mm, addr + newLen, addr + oldLen);
        }
      }
      const src = mm.tree.find(addr);
      if (!src) fail('EFAULT');
      // vrm_set_new_addr: without FIXED the new address is a hint (DONTUNMAP), honoured when the range is free.
      const to = fl & MremapFlags.FIXED ? dest : getUnmappedArea(mm, dest, newLen, 0, false);
      return moveVma(mm, src, addr, oldLen === 0 ? 0 : len, newLen, to, (fl & MremapFlags.DONTUNMAP) !== 0);
    }
    const vma = mm.tree.find(addr);
    if (!vma) fail('EFAULT');
    if (vma.flags & VM.SEALED) fail('EPERM');
    // The type comes from the real lengths: an old length reaching past TASK_SIZE equal to the new one is a no-op.
    const remapType = order === 0 ? 'none' : order > 0 ? 'shrink' : 'expand';
    if (remapType === 'expand') moveChecks(mm, vma, addr, oldLen, newLen);
    // In place.
    if (remapType === 'none') return addr;
    if (remapType === 'shrink') {
      if (oldTooBig) fail('EINVAL');
      checkUnmap(mm, addr + newLen, addr + oldLen);
      unmapRange(mm, addr + newLen, addr + oldLen, false, vma.end > addr + newLen ? vma : undefined);
      return addr;
    }
    if (oldLen === 0) {
      if (!(fl & MremapFlags.MAYMOVE)) fail('ENOMEM');
    } else if (vma.end === addr + oldLen) {
      const nx = mm.tree.next(vma);
      // vma_expandable: only an intersecting VMA blocks in-place growth (guard gaps do not).
      const limit = nx ? nx.start : mm.taskSize;
      if (addr + newLen <= limit && addr + newLen <= mm.taskSize) {
        const grow = newLen - oldLen;
        const from = vma.backing.kind === 'anon' ? backingOf(mm).grown(mm, vma, vma.end + grow) : vma.end;
        setEnd(mm, vma, vma.end + grow);
        mm.zx.map(vma, from, vma.end);
        const merged = mergeAround(mm, vma, undefined, nx);
        if (merged.flags & VM.LOCKED) populate(mm, vma.end - grow, vma.end, true);
        return addr;
      }
    }
    if (!(fl & MremapFlags.MAYMOVE)) fail('ENOMEM');
    // move_vma keeps room for the unmap that may split one VMA in three.
    if (mm.tree.size >= mm.profile.maxMapCount - 3) fail('ENOMEM');
    const to = getUnmappedArea(mm, 0, newLen, 0, false);
    return moveVma(mm, vma, addr, oldLen, newLen, to, false);
  } finally {
    flushPins(mm);
  }
}

/** The source checks of a move or an expansion of [addr, addr + len) of `v` to newLen (a function, not a per-call closure). */
function moveChecks(mm: MmState, v: Vma, addr: number, len: number, newLen: number): void {
  if (len === 0 && !(v.flags & (VM.SHARED | VM.MAYSHARE))) fail('EINVAL');
  if (len > v.end - addr) fail('EFAULT');
  if (newLen > len) {
    if (!mlockFutureOk(mm, v.flags, newLen - len)) fail('EAGAIN');
    if (!mayExpand(mm, v.flags, (newLen - len) / PAGE)) fail('ENOMEM');
  }
}

/**
 * remap_move (Linux 6.17+): a MREMAP_FIXED move without resizing moves every VMA of the source range, keeping
 * the gaps between them; a gap at the start is EFAULT.
 */
export function remapMove(mm: MmState, start: number, len: number, newAddr: number, dontUnmap: boolean): number {
  const end = start + len;
  let target = newAddr;
  let lastEnd = 0;
  let seen = false;
  let res = -1;
  // The cursor only moves forward: with DONTUNMAP the source VMA stays whole after its part moved, so looking
  // it up again by address would find the same VMA forever (the VMA iterator in Linux likewise resumes past it).
  let cursor = start;
  let v = mm.tree.findFrom(cursor);
  while (v && v.start < end && cursor < end) {
    if (!seen && start < v.start) fail('EFAULT');
    const a = Math.max(v.start, cursor);
    const l = Math.min(end, v.end) - a;
    // vma_multi_allowed: a userfaultfd-armed VMA cannot take part in a multi-VMA move. Linux stops there with
    // EFAULT, leaving the VMAs before it moved (measured on 6.18), so this failure is part-way by design.
    if (v.uffd !== 0 && (seen || a + l < end)) {
      mm.partialFailure = seen;
      fail('EFAULT', 'multi-VMA move over a userfaultfd-registered VMA');
    }
    // check_prep_vma, after vma_multi_allowed (Linux 6.18: a sealed VMA that is also the registered one of a
    // multi-VMA move answers EFAULT).
    if (v.flags & VM.SEALED) {
      mm.partialFailure = seen;
      fail('EPERM');
    }
    const offset = seen ? v.start - lastEnd : 0;
    lastEnd = v.end;
    const to = target + offset;
    if (dontUnmap && !mayExpand(mm, v.flags, l / PAGE)) fail('ENOMEM');
    if (seen) mm.partialFailure = true;
    checkUnmap(mm, to, to + l);
    mm.partialFailure = false;
    unmapRange(mm, to, to + l);
    const cur = mm.tree.find(a);
    if (!cur) fail('EFAULT');
    const r = moveVma(mm, cur, a, l, l, to, dontUnmap);
    if (!seen) res = r;
    seen = true;
    target = r + l;
    cursor = a + l;
    v = mm.tree.findFrom(cursor);
  }
  if (!seen) fail('EFAULT');
  return res;
}

/** move_vma: copies [addr, addr+oldLen) of `vma` to `to` with length newLen, then unmaps the source. */
export function moveVma(mm: MmState, vma: Vma, addr: number, oldLen: number, newLen: number, to: number, dontUnmap: boolean): number {
  const srcPg = vma.pgoff + (addr - vma.start) / PAGE;
  const copyLen = Math.min(oldLen, newLen);
  let pgoff = srcPg;
  const anonBacking = backingOf(mm);
  if (vma.backing.kind === 'anon' && vma.anonVma === 0 && anonBacking.movesPages) pgoff = to / PAGE;
  // mremap_userfaultfd_prep: the moved VMA keeps its registration only with EVENT_REMAP.
  const reg = mm.counters.uffd.get(vma.uffd);
  const keepUffd = reg !== undefined && reg.ctx.hasFeature(UffdFeature.EVENT_REMAP);
  const nv: Vma = { ...vma, start: to, end: to + newLen, pgoff };
  // copy_vma merges the new VMA while it still has the VM_UFFD_* flags (with neighbours registered alike); then
  // mremap_userfaultfd_prep clears them on the VMA that holds it, merging nothing: a moved VMA that loses its
  // registration stays apart from unregistered neighbours (Linux 6.18, --fuzz seed 7).
  const mergeNew = (): Vma => {
    const merged = mergeAround(mm, nv);
    if (reg !== undefined && !keepUffd) update(mm, merged, (x) => (x.uffd = 0));
    return merged;
  };
  const b = vma.backing;
  if (dontUnmap && b.kind === 'file' && b.cow) {
    // The private copies move with the page tables: the destination gets its own COW child holding them, and
    // the source VMA reads the file again.
    const cowVmo = b.file.vmo.createChild(VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE | VmoChildOptions.RESIZABLE, 0, b.cow.vmo.getSize()).replaceAsExecutable();
    const copied = new Set<number>();
    b.file.privateCopies.add(copied);
    for (let off = 0; off < Math.min(oldLen, newLen); off += PAGE) {
      const page = srcPg + off / PAGE;
      if (!b.cow.copied.has(page)) continue;
      if (cowVmo.getSize() < (page + 1) * PAGE) cowVmo.setSize((page + 1) * PAGE);
      cowVmo.write(b.cow.vmo.read(PAGE, page * PAGE), page * PAGE);
      copied.add(page);
      b.cow.copied.delete(page);
      b.cow.vmo.opRange(VmoOp.ZERO, page * PAGE, PAGE);
    }
    nv.backing = { kind: 'file', file: b.file, cow: { vmo: cowVmo, basePgoff: 0, id: mm.counters.nextCow++, copied } };
  }
  if (oldLen === 0) {
    // Duplicating a shared mapping: same object, same offset.
    insert(mm, nv);
    mergeNew();
    return to;
  }
  moveTables(mm, addr, copyLen, to);
  if (vma.backing.kind === 'anon') {
    // The sparse VMO has offset = address: move the committed pages ('per-mapping': the destination maps a
    // snapshot child of the source range instead).
    anonBacking.moved(mm, vma, nv, addr, oldLen, newLen);
    const single = mm.zx.anonVmo;
    for (let off = 0; off < copyLen; off += PAGE) {
      if (single && single.pageState(addr + off) !== 'absent') {
        single.write(single.read(PAGE, addr + off), to + off);
      } else if (mm.zeroMapped.has(addr + off)) mm.zeroMapped.add(to + off);
    }
  } else {
    // move_page_tables carries the mapped file/shmem pages' entries to the new address.
    for (let off = 0; off < copyLen; off += PAGE) if (mm.mappedShared.has(addr + off)) mm.mappedShared.add(to + off);
  }
  moveGuards(mm, addr, copyLen, to);
  // The pages fork left shared stay shared where they move (move_ptes keeps PageAnonExclusive as it is).
  if (vma.backing.kind === 'anon') mm.anonShared.move(addr, copyLen, to);
  // Poison markers move with the page tables; uffd-wp bits only when the registration moves too.
  for (let off = 0; off < copyLen; off += PAGE) {
    if (mm.uffdPoison.has(addr + off)) mm.uffdPoison.add(to + off);
    if (keepUffd && mm.uffdWp.has(addr + off)) mm.uffdWp.add(to + off);
  }
  insert(mm, nv);
  // REMAP after the move and before the old range's UNMAP (mremap_userfaultfd_complete runs first).
  if (keepUffd) raiseUffd(mm, (t) => reg.ctx.remap(t, addr, to, oldLen));
  if (dontUnmap) {
    // The source VMA stays whole (no split) and loses its lock flags; its private anonymous pages moved away.
    keepTablesOfZap(mm, addr, addr + oldLen);
    forgetGuards(mm, addr, addr + oldLen);
    if (vma.backing.kind === 'anon') freeAnon(mm, addr, addr + oldLen, vma);
    else {
      forget(mm.mappedShared, addr, addr + oldLen);
      forgetUffdMarkers(mm, addr, addr + oldLen);
    }
    // copy_vma merges the new range first (possibly into the source VMA itself, still locked); the lock flags
    // are cleared afterwards on whatever VMA then holds the source.
    const merged = mergeNew();
    const src = mm.tree.find(addr);
    // dontunmap_complete: a source VMA copied whole (and not merged into the copy) drops its anon_vma, so it
    // can merge again with VMAs that have none.
    if (src && src !== merged && src.start === addr && src.end === addr + oldLen && src.anonVma !== 0 && vma.backing.kind === 'anon') {
      update(mm, src, (x) => (x.anonVma = 0));
    }
    if (src && src.flags & LOCK_MASK) {
      update(mm, src, (x) => (x.flags &= ~LOCK_MASK));
      mm.zx.protect(src, src.start, src.end);
    }
    return to;
  } else {
    const saved = vma.backing.kind === 'anon' ? null : vma.backing;
    void saved;
    // Pages moved already; unmapping must not zero the destination, only the source.
    unmapRange(mm, addr, addr + oldLen);
  }
  const merged = mergeNew();
  if (newLen > oldLen && merged.flags & VM.LOCKED) populate(mm, to + oldLen, to + newLen, true);
  return to;
}
