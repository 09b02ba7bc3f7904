/**
 * The VMA core every system call builds on (Linux mm/vma.c): creating, inserting, splitting, merging and modifying VMAs in the tree, keeping the accounting and the Zircon mappings in step.
 */
import { PAGE, VM } from '../abi/constants.js';
import { ErrnoError, fail } from '../errno/errno.js';
import { type Backing, type CowObject, type Vma, canMerge } from '../vma/vma.js';
import { account } from './accounting.js';
import { sliceVma } from './common.js';
import type { MmState } from './state.js';
import { ZirconSpace } from './zircon-space.js';
import { splitsAllowed } from './map-count.js';

export function newAnonVma(mm: MmState): number {
  return mm.counters.nextAnonVma++;
}

/**
 * anon_vma_prepare: a VMA's first write fault reuses a neighbour's anon_vma when the neighbour could merge with
 * it apart from its access bits (find_mergeable_anon_vma tries the next VMA first), else gets a new one.
 */
export function anonVmaPrepare(mm: MmState, v: Vma): void {
  const compatible = (a: Vma, b: Vma): boolean =>
    a.end === b.start &&
    a.backing.kind === b.backing.kind &&
    (a.backing.kind !== 'file' || (b.backing.kind === 'file' && a.backing.file === b.backing.file)) &&
    ((a.flags ^ b.flags) & ~(VM.READ | VM.WRITE | VM.EXEC | VM.SOFTDIRTY)) === 0 &&
    // The VM_UFFD_* modes are vm_flags in Linux too (the context is not compared).
    (a.uffd === b.uffd || (mm.counters.uffd.get(a.uffd)?.mode ?? 0) === (mm.counters.uffd.get(b.uffd)?.mode ?? 0)) &&
    b.pgoff === a.pgoff + (b.start - a.start) / PAGE;
  const next = mm.tree.next(v);
  if (next && next.anonVma !== 0 && !next.anonForked && compatible(v, next)) {
    v.anonVma = next.anonVma;
    return;
  }
  const prev = mm.tree.prev(v);
  if (prev && prev.anonVma !== 0 && !prev.anonForked && compatible(prev, v)) {
    v.anonVma = prev.anonVma;
    return;
  }
  v.anonVma = newAnonVma(mm);
}

export function newVma(mm: MmState, start: number, end: number, flags: number, backing: Backing, pgoff: number): Vma {
  // Every VMA has the same fields (forks set anonForked): one object shape for the hot paths.
  return { start, end, flags, pgoff, backing, anonVma: 0, anonName: null, uffd: 0, anonForked: false };
}

/**
 * Adds a new VMA and maps it. `slot` is a VMA that unmapRange left in the tree (and in the VMAR) for exactly
 * this range: it takes the new VMA's fields and keeps its place. Returns the VMA now in the tree.
 */
export function insert(mm: MmState, v: Vma, slot?: Vma): Vma {
  dirty(mm, v.start, v.end);
  if (slot) {
    // Private anonymous over private anonymous: the Zircon mapping already maps the same VMO at the same offsets
    // (offset = address), so at most its permissions change.
    const oldPerms = slot.backing.kind === 'anon' && v.backing.kind === 'anon' && slot.backing.obj === v.backing.obj ? ZirconSpace.perms(slot.flags) : -1;
    const moved = mm.tree.startGap(slot) !== mm.tree.startGap(v);
    if (moved) mm.tree.remove(slot);
    // Field by field: the range is the same, and the object keeps its shape.
    slot.flags = v.flags;
    slot.pgoff = v.pgoff;
    if (moved) slot.backing = v.backing;
    else mm.tree.setBacking(slot, v.backing);
    slot.anonVma = v.anonVma;
    slot.anonName = v.anonName;
    slot.uffd = v.uffd;
    slot.anonForked = v.anonForked;
    if (moved) mm.tree.insert(slot);
    account(mm, slot, 1);
    if (oldPerms < 0) mm.zx.map(slot);
    else if (ZirconSpace.perms(slot.flags) !== oldPerms) mm.zx.protect(slot, slot.start, slot.end);
    return slot;
  }
  mm.tree.insert(v);
  account(mm, v, 1);
  mm.zx.map(v);
  return v;
}

/** Removes from the tree only (no Zircon change). */
export function detach(mm: MmState, v: Vma): void {
  dirty(mm, v.start, v.end);
  mm.tree.remove(v);
  account(mm, v, -1);
}

export function attach(mm: MmState, v: Vma): void {
  dirty(mm, v.start, v.end);
  mm.tree.insert(v);
  account(mm, v, 1);
}

/** Moves the end of `v`; its start stays, so the tree keeps its place and only learns of the new end. */
export function setEnd(mm: MmState, v: Vma, end: number): void {
  dirty(mm, v.start, Math.max(v.end, end));
  account(mm, v, -1);
  v.end = end;
  mm.tree.endChanged(v);
  account(mm, v, 1);
}

/**
 * Changes attributes of `v` (flags, name, userfaultfd context) in place: the tree is keyed by address, so it
 * needs to hear of the change only when the guard gap below a MAP_GROWSDOWN VMA appears or goes.
 */
export function update(mm: MmState, v: Vma, change: (v: Vma) => void): void {
  dirty(mm, v.start, v.end);
  account(mm, v, -1);
  const oldFlags = v.flags;
  change(v);
  if ((oldFlags ^ v.flags) & VM.GROWSDOWN) {
    const newFlags = v.flags;
    v.flags = oldFlags;
    mm.tree.remove(v);
    v.flags = newFlags;
    mm.tree.insert(v);
  }
  account(mm, v, 1);
}

// ---------------------------------------------------------------------------------------------------------
// VMA surgery

/**
 * Takes [s, e) out of `v` (`s < e`, inside it): what remains below stays `v`, what remains above becomes a new
 * VMA, and a head cut leaves `v` out of the tree holding [v.start, e), as a split and a removal would.
 */
export function cutVma(mm: MmState, v: Vma, s: number, e: number): void {
  dirty(mm, v.start, v.end);
  account(mm, v, -1);
  const hi: Vma | null = e < v.end ? sliceVma(v, e, v.end) : null;
  if (s === v.start) {
    mm.tree.remove(v);
    v.end = e;
  } else {
    v.end = s;
    mm.tree.endChanged(v);
    account(mm, v, 1);
  }
  if (hi) {
    mm.tree.insert(hi);
    account(mm, hi, 1);
  }
}

/** Merges `v` with its neighbours where Linux would; returns the surviving VMA. */
/**
 * Merges `v` with its neighbours where Linux would; returns the surviving VMA. A caller that holds a neighbour
 * already (the other half of a split) passes it, which saves the lookup.
 */
export function mergeAround(mm: MmState, v: Vma, prev?: Vma, next?: Vma): Vma {
  let cur = v;
  const p = prev ?? mm.tree.prev(cur);
  if (p && mergeable(mm, p, cur)) cur = join(mm, p, cur);
  // The successor of the merged VMA is still v's.
  const n = next ?? mm.tree.next(cur);
  if (n && mergeable(mm, cur, n)) cur = join(mm, cur, n);
  return cur;
}

export function mergeable(mm: MmState, a: Vma, b: Vma): boolean {
  if (!canMerge(a, b)) return false;
  const ba = a.backing;
  const bb = b.backing;
  if (ba.kind !== 'file' || bb.kind !== 'file' || ba.cow === bb.cow || !ba.cow || !bb.cow) return true;
  // Different COW children: the side that was never written (anon_vma 0) has no private pages and adopts the
  // other's child, provided that child holds no copies of its file pages.
  const [keep, other] = a.anonVma !== 0 ? [a, b] : [b, a];
  const cow = (keep.backing as { cow: CowObject }).cow;
  for (let pg = other.pgoff; pg < other.pgoff + (other.end - other.start) / PAGE; pg++) if (cow.copied.has(pg)) return false;
  return true;
}

export function join(mm: MmState, a: Vma, b: Vma): Vma {
  // Mergeable VMAs have equal flags, so the accounted totals do not change.
  dirty(mm, a.start, b.end);
  mm.tree.remove(b);
  // Sticky flags (VM_MAYBE_GUARD) survive the merge; they are not accounted, so totals stay as they were.
  a.flags |= b.flags & VM.MAYBE_GUARD;
  if (!(b.flags & VM.SOFT_CLEAN)) a.flags &= ~VM.SOFT_CLEAN;
  const rebindB = a.backing !== b.backing && a.backing.kind === 'file' && b.backing.kind === 'file' && a.backing.cow !== b.backing.cow;
  const oldEnd = a.end;
  a.end = b.end;
  mm.tree.endChanged(a);
  if (rebindB && a.anonVma === 0 && b.anonVma !== 0) a.backing = b.backing;
  if (a.anonVma === 0) {
    a.anonVma = b.anonVma;
    a.anonForked = b.anonForked;
  }
  if (rebindB) {
    // The Zircon mapping of the rebound part now maps the surviving COW child.
    if (a.backing === b.backing) mm.zx.map(a, a.start, oldEnd);
    else mm.zx.map(a, oldEnd, a.end);
  }
  return a;
}

/** Whether [start, end) of `v`, changed, joins the neighbour at the end of `v` it touches (no split needed then). */
function joinsNeighbour(mm: MmState, v: Vma, start: number, end: number, change: (v: Vma) => void): boolean {
  const changed = sliceVma(v, start, end);
  change(changed);
  const prev = start === v.start ? mm.tree.prev(v) : undefined;
  const next = end === v.end ? mm.tree.next(v) : undefined;
  return (prev !== undefined && mergeable(mm, prev, changed)) || (next !== undefined && mergeable(mm, changed, next));
}

/** Applies `change` to [start, end) of `v` (the range lies inside `v`), splitting and merging as Linux does. */
export function modify(mm: MmState, v: Vma, start: number, end: number, change: (v: Vma) => void): Vma {
  let target = v;
  let below: Vma | undefined;
  let above: Vma | undefined;
  if (start > v.start || end < v.end) {
    // vma_modify tries vma_merge_existing_range first: a range at one end of `v` that joins the neighbour there once
    // changed moves the boundary and needs no split, so vm.max_map_count does not apply (Linux 6.18, measured).
    // (Looked at only near the limit: elsewhere every split fits.)
    const splits = (start > v.start ? 1 : 0) + (end < v.end ? 1 : 0);
    if (mm.tree.size + splits > mm.profile.maxMapCount && !joinsNeighbour(mm, v, start, end, change) && splitsAllowed(mm, splits) < splits) {
      // Room for one split of two: Linux splits off the part below the range, then refuses the second (ENOMEM),
      // leaving `v` in two unchanged, unmerged parts.
      dirty(mm, v.start, v.end);
      const hi = sliceVma(v, start, v.end);
      v.end = start;
      mm.tree.endChanged(v);
      mm.tree.insert(hi);
      mm.partialFailure = true;
      fail('ENOMEM');
    }
    // Split into up to three parts; the outer ones keep the old attributes. Both halves of a split keep the
    // flags, so the accounted totals do not change.
    dirty(mm, v.start, v.end);
    if (end < v.end) above = sliceVma(v, end, v.end);
    if (start > v.start) {
      target = sliceVma(v, start, end);
      below = v;
      v.end = start;
      mm.tree.endChanged(v);
      mm.tree.insert(target);
    } else {
      v.end = end;
      mm.tree.endChanged(v);
    }
    if (above) mm.tree.insert(above);
  }
  const perms = ZirconSpace.perms(target.flags);
  update(mm, target, change);
  // Only a change of the Zircon permissions needs the VMAR (madvise, mlock, names and contexts do not).
  if (ZirconSpace.perms(target.flags) !== perms) mm.zx.protect(target, target.start, target.end);
  return mergeAround(mm, target, below, above);
}

/** The address where the backing object ends for file/shmem VMAs (pages past it SIGBUS). */
export function objectEnd(mm: MmState, v: Vma): number | undefined {
  const b = v.backing;
  if (b.kind === 'anon') {
    // 'per-mapping': pages past the end of the mapping's VMO (a sibling's munmap resized it) fault with SIGBUS.
    if (!b.obj) return undefined;
    return v.start + (Math.ceil(b.obj.vmo.getSize() / PAGE) - (v.pgoff - b.obj.pgBase)) * PAGE;
  }
  const size = b.kind === 'shmem' ? b.obj.size : b.file.size;
  const pages = Math.ceil(size / PAGE);
  return v.start + (pages - v.pgoff) * PAGE;
}

/** Records a range whose VMAs changed; pins are re-synced for it when the system call returns. */
export function dirty(mm: MmState, start: number, end: number): void {
  if (start < mm.dirtyLo) mm.dirtyLo = start;
  if (end > mm.dirtyHi) mm.dirtyHi = end;
}

/** madvise_walk_vmas: visits the mapped parts of [start, end); holes give ENOMEM after the rest is done. */
export function walk(mm: MmState, start: number, end: number, visit: (v: Vma, s: number, e: number) => Vma | void): number {
  let unmapped = false;
  let cur = start;
  let v = mm.tree.findFrom(cur);
  for (;;) {
    if (!v) fail('ENOMEM');
    if (cur < v.start) {
      unmapped = true;
      cur = v.start;
      if (cur >= end) break;
    }
    const e = Math.min(v.end, end);
    const after = visit(v, cur, e);
    cur = e;
    if (after && cur < after.end) cur = after.end;
    if (cur >= end) break;
    v = mm.tree.findFrom(cur);
  }
  if (unmapped) fail('ENOMEM');
  return 0;
}

export function vmaAt(mm: MmState, address: number): Vma {
  const v = mm.tree.find(address);
  if (!v) throw new ErrnoError('EFAULT', `no VMA at 0x${address.toString(16)}`);
  return v;
}
