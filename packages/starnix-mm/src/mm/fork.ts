/**
 * fork(2): the child address space, copy-on-write private memory, DONTFORK/WIPEONFORK and userfaultfd fork events.
 */
import { TABLE_SPAN } from './page-tables.js';
import { VM } from '../abi/constants.js';
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';
import { type CowObject, type Vma } from '../vma/vma.js';
import { LOCK_MASK } from './common.js';
import { freeAnon } from './pages.js';
import { GuardSet } from './guard-set.js';
import { backingOf } from './anon-backing/select.js';
import { MmState, live } from './state.js';
import { raiseUffd } from './uffd-events.js';
import { userfaultfdSpace } from './uffd.js';
import { insert, newAnonVma } from './vma-ops.js';
import { type UffdContextHooks, UffdFeature, UffdRegisterMode } from '@memsim/userspace-swap';
import { VmoChildOptions } from '@memsim/zircon-objects';
import { watchPressure } from './droppable.js';

// ---------------------------------------------------------------------------------------------------------
// Lifecycle

/**
 * fork: a new memory manager whose private memory is a snapshot (copy-on-write) of this one. DONTFORK VMAs are
 * skipped, WIPEONFORK VMAs start zeroed, locks are not inherited.
 */
export function fork(mm: MmState): MmState {
  live(mm);
  if (mm.uffdEvents === null && mm.counters.uffdUsed) {
    for (const v of mm.tree) {
      const reg = mm.counters.uffd.get(v.uffd);
      if (reg && reg.ctx.hasFeature(UffdFeature.EVENT_FORK) && !(v.flags & VM.DONTCOPY)) throw new UffdWouldBlockError(v.start, 'fork');
    }
  }
  const child = new MmState(mm.kernel, { layout: mm.layout, aslr: mm.aslr, name: mm.name, stack: false, profile: mm.profile }, mm.counters, mm);
  // The child's private anonymous objects: one snapshot of the single VMO, or one per VMO (per-mapping).
  const rebind = backingOf(mm).forkInto(mm, child);
  const cows = new Map<CowObject, CowObject>();
  const forks = new Map<UffdContextHooks, UffdContextHooks | null>();
  // What each copied VMA passes on of the per-page state (bits below), applied after the loop with one pass
  // over each set rather than one per VMA.
  const COPY_POISON = 1;
  const COPY_WP = 2;
  const COPY_PTES = 4;
  const copies = new Map<Vma, number>();
  // The private anonymous ranges both sides now share copy-on-write (every VMA the child copies but wipe-on-fork).
  const shared = new GuardSet();
  for (const v of mm.tree) {
    if (v.flags & VM.DONTCOPY) {
      if (v.backing.kind === 'anon') freeAnon(child, v.start, v.end);
      continue;
    }
    let backing = v.backing;
    if (backing.kind === 'file' && backing.cow) {
      let c = cows.get(backing.cow);
      if (!c) {
        const src = backing.cow;
        const copied = new Set(src.copied);
        backing.file.privateCopies.add(copied);
        c = { vmo: src.vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.RESIZABLE, 0, src.vmo.getSize()).replaceAsExecutable(), basePgoff: 0, id: mm.counters.nextCow++, copied };
        cows.set(src, c);
      }
      backing = { kind: 'file', file: backing.file, cow: c };
    }
    const nv: Vma = { ...v, backing, flags: v.flags & ~LOCK_MASK };
    rebind(v, nv);
    const reg = mm.counters.uffd.get(v.uffd);
    let childMode = 0;
    if (reg) {
      // dup_userfaultfd: one child context per parent context (null without EVENT_FORK: unregistered).
      let fctx = forks.get(reg.ctx);
      if (fctx === undefined) {
        fctx = reg.ctx.forkContext(userfaultfdSpace(child));
        forks.set(reg.ctx, fctx);
      }
      childMode = fctx === null ? 0 : reg.mode;
      nv.uffd = mm.counters.uffd.id(fctx, childMode);
    }
    // Poison markers are copied; uffd-wp bits only into a child VMA still registered for WP. A WIPEONFORK VMA
    // starts empty: its markers are zapped with its pages.
    if (v.flags & VM.WIPEONFORK) {
      freeAnon(child, v.start, v.end);
      nv.anonVma = 0;
      nv.anonForked = false;
    } else {
      let bits = COPY_POISON | (childMode & UffdRegisterMode.WP ? COPY_WP : 0);
      if (v.anonVma !== 0) {
        nv.anonVma = newAnonVma(mm);
        nv.anonForked = true;
        // copy_page_range copies page tables (zero-page entries too) only for VMAs with an anon_vma.
        bits |= COPY_PTES;
      }
      copies.set(v, bits);
      if (v.backing.kind === 'anon') shared.add(v.start, v.end);
    }
    insert(child, nv);
  }
  const copyPages = (from: Set<number>, to: Set<number>, bit: number): void => {
    for (const p of from) {
      const v = mm.tree.find(p);
      if (v && (copies.get(v) ?? 0) & bit) to.add(p);
    }
  };
  copyPages(mm.uffdPoison, child.uffdPoison, COPY_POISON);
  copyPages(mm.uffdWp, child.uffdWp, COPY_WP);
  copyPages(mm.zeroMapped, child.zeroMapped, COPY_PTES);
  copyPages(mm.mappedShared, child.mappedShared, COPY_PTES);
  // Guard markers are copied with the page tables of every copied VMA (a wipe-on-fork VMA starts without them).
  if (mm.guards.size !== 0) {
    for (const [s, e] of mm.guards.ranges()) {
      for (const v of mm.tree.range(s, e)) if (copies.has(v)) child.guards.add(Math.max(s, v.start), Math.min(e, v.end));
    }
  }
  if (mm.droppableWatch) watchPressure(child);
  // copy_page_range gives the child a table wherever it copies a parent's table, emptied ones too.
  for (const b of mm.keptTables) {
    for (const v of mm.tree.range(b, b + TABLE_SPAN)) if ((copies.get(v) ?? 0) & COPY_PTES) child.keptTables.add(b);
  }
  copyPages(mm.softDirty, child.softDirty, COPY_PTES);
  // The private anonymous pages parent and child now share copy-on-write stop being exclusive in both (pagemap bit
  // 56, UFFDIO_MOVE's EBUSY): recorded as ranges, so fork costs the VMAs, not the committed pages.
  mm.anonShared.share(shared);
  child.anonShared.share(shared);
  for (const [k, d] of mm.fds) child.fds.set(k, d);
  // dup_userfaultfd_complete: FORK events once the child's mappings are complete.
  for (const [parent, fctx] of forks) if (fctx !== null) raiseUffd(mm, (t) => parent.forkComplete(t, fctx));
  return child;
}
