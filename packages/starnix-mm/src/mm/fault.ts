/**
 * Page faults (Linux mm/memory.c): demand paging, the shared zero page, copy-on-write of private file pages, fault-around, stack growth, and populating ranges (MAP_POPULATE, mlock, MADV_POPULATE_*).
 */
import { TABLE_SPAN } from './page-tables.js';
import { PAGE, STACK_GUARD_GAP, VM } from '../abi/constants.js';
import { type Vma } from '../vma/vma.js';
import { mayExpand } from './accounting.js';
import { pageDown } from './common.js';
import { cleanSet, forgetZero } from './pages.js';
import type { MmState } from './state.js';
import { type AccessKind, type LinuxFault } from './types.js';
import { uffdPresent } from './uffd-events.js';
import { anonVmaPrepare, attach, detach, insert, objectEnd } from './vma-ops.js';
import { backingOf } from './anon-backing/select.js';
import { type UffdContextHooks, type UffdFaultAccess, UffdFeature, UffdRegisterMode } from '@memsim/userspace-swap';
import { VmoOp, ZxError } from '@memsim/zircon-objects';
import { ZirconSpace } from './zircon-space.js';
import { firstGuard } from './guard.js';

/**
 * A read fault: anonymous pages map the zero page (or, on a kernel profile without it, get a zeroed page and the
 * VMA its anon_vma, as do_anonymous_page does), file and shmem pages enter the page cache. UFFDIO_ZEROPAGE passes
 * `zeroPage` true: it always maps the zero page.
 */
export function readFault(mm: MmState, v: Vma, addr: number, zeroPage = mm.profile.zeroPageOnReadFault): void {
  const page = pageDown(addr);
  if (v.backing.kind === 'anon') {
    if (backingOf(mm).present(mm, v, page)) return;
    if (!zeroPage) {
      const t = ZirconSpace.target(mm.zx, v, page);
      if (v.anonVma === 0) anonVmaPrepare(mm, v);
      try {
        t.vmo.opRange(VmoOp.COMMIT, t.offset, PAGE);
        mm.zeroMapped.delete(page);
        // A page of its own (not one a fork left shared: there was none here).
        if (mm.anonShared.active) mm.anonShared.unshare(page);
        return;
      } catch (err) {
        // Out of memory: the read still sees zeros (as through the zero page); only Rss differs.
        if (!(err instanceof ZxError)) throw err;
      }
    }
    mm.zeroMapped.add(page);
    return;
  }
  const t = ZirconSpace.target(mm.zx, v, page);
  const cached = t.offset + PAGE <= t.vmo.getSize() && t.vmo.pageState(t.offset) !== 'absent';
  // A page whose entry is present does not fault at all (so no fault-around either). The mapped set can outlive
  // a truncation of the file by another descriptor, so the page must still be in the object too.
  if (cached && mm.mappedShared.has(page)) return;
  if (t.offset + PAGE <= t.vmo.getSize() && !cached) {
    try {
      t.vmo.opRange(VmoOp.COMMIT, t.offset, PAGE);
      cleanSet(mm, v, t.vmo)?.add(t.offset);
    } catch {
      // A snapshot child that refuses COMMIT keeps reading its parent, which is what a read fault needs.
    }
  }
  if (!cleanSet(mm, v, t.vmo)) return;
  mm.mappedShared.add(page);
  faultAround(mm, v, page);
}

/**
 * Fault-around (do_fault_around, run by a read fault before the page itself is looked up): the 16-page aligned
 * window around the fault, inside the VMA and the object, maps every page already in the page cache.
 */
export function faultAround(mm: MmState, v: Vma, page: number): void {
  const from = Math.max(v.start, page - (page % (16 * PAGE)));
  const to = Math.min(v.end, from + 16 * PAGE);
  const limit = objectEnd(mm, v) ?? to;
  for (let a = from; a < Math.min(to, limit); a += PAGE) {
    if (mm.mappedShared.has(a)) continue;
    const u = ZirconSpace.target(mm.zx, v, a);
    if (cleanSet(mm, v, u.vmo) && u.offset + PAGE <= u.vmo.getSize() && u.vmo.pageState(u.offset) !== 'absent') mm.mappedShared.add(a);
  }
}

/** __mm_populate: faults in every accessible page of [start, end); errors are ignored when `ignore`. */
export function populate(mm: MmState, start: number, end: number, ignore: boolean): boolean {
  let ok = true;
  for (const v of mm.tree.range(start, end)) {
    if (v.flags & VM.LOCKONFAULT) continue;
    if (!(v.flags & (VM.READ | VM.WRITE | VM.EXEC))) {
      ok = false;
      if (!ignore) return false;
      continue;
    }
    const s = Math.max(start, v.start);
    const e = Math.min(end, v.end);
    const write = (v.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE;
    // A guard marker stops GUP there (EFAULT): the pages before it are populated, the rest of the VMA is not.
    const g = firstGuard(mm, s, e);
    // A registered page whose context answers SIGBUS (UFFD_FEATURE_SIGBUS) fails GUP there too (EFAULT).
    if (faultIn(mm, v, s, g ?? e, write) !== undefined || g !== undefined) {
      ok = false;
      if (!ignore) return false;
      continue;
    }
    const lim = objectEnd(mm, v);
    if (lim !== undefined && lim < e) {
      // A page past EOF faults with SIGBUS: GUP reports EFAULT and the populate stops.
      ok = false;
      if (!ignore) return false;
    }
  }
  return ok;
}

/**
 * Commits pages as a fault would (write faults break COW and attach an anon_vma). Returns the page where a fault
 * into a userfaultfd with UFFD_FEATURE_SIGBUS stopped it (handle_userfault answers VM_FAULT_SIGBUS, GUP fails with
 * EFAULT there: the pages before it are populated, the rest not), or undefined.
 */
export function faultIn(mm: MmState, v: Vma, s: number, e: number, write: boolean): number | undefined {
  if (v.uffd !== 0) {
    // Pages that would trap into userfaultfd are left to its handler (a populating Linux task would wait for
    // it); the others populate as usual.
    for (let a = s; a < e; a += PAGE) {
      const trap = uffdFaultFor(mm, v, a, write, false);
      if (trap === null) faultInRange(mm, v, a, Math.min(e, a + PAGE), write);
      else if (trap.ctx.hasFeature(UffdFeature.SIGBUS)) return pageDown(a);
    }
    return undefined;
  }
  faultInRange(mm, v, s, e, write);
  return undefined;
}

export function faultInRange(mm: MmState, v: Vma, s: number, e: number, write: boolean): void {
  if (write && !(v.flags & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
  const limit = objectEnd(mm, v);
  let end = limit === undefined ? e : Math.min(e, limit);
  // Populating more than the machine's free memory would end in the OOM killer on Linux; the model stops there
  // (populate errors are ignored by mmap and MCL_CURRENT) instead of walking an astronomically large range.
  end = Math.min(end, s + (Math.floor(mm.kernel.memory.freeBytes() / PAGE) + 1) * PAGE);
  if (end <= s) return;
  const b = v.backing;
  try {
    if (write && b.kind !== 'file') {
      const t = ZirconSpace.target(mm.zx, v, s);
      t.vmo.opRange(VmoOp.COMMIT, t.offset, end - s);
      if (b.kind === 'anon') {
        forgetZero(mm, s, end);
        // A write fault (FOLL_WRITE populate: mlock, MAP_POPULATE of a private writable mapping) breaks fork's
        // sharing: the page is this process's own again (PageAnonExclusive, pagemap bit 56).
        mm.anonShared.forget(s, end);
      }
    } else if (write) {
      for (let a = s; a < end; a += PAGE) {
        const tt = ZirconSpace.writeTarget(mm.zx, v, a);
        tt.vmo.write(tt.vmo.read(1, tt.offset), tt.offset);
      }
    } else for (let a = s; a < end; a += PAGE) readFault(mm, v, a);
  } catch (err) {
    // Out of memory while populating: like a failed populate, the mapping stays as it is.
    if (!(err instanceof ZxError)) throw err;
  }
}

/** Decides whether an access to `addr` succeeds, growing stacks and attaching anon_vmas like the fault handler. */
export function resolveFault(mm: MmState, addr: number, kind: AccessKind, grow = true, gupRead = false): { fault: null; vma: Vma } | { fault: LinuxFault['code']; vma?: undefined } {
  let v = mm.tree.find(addr);
  if (!v) {
    // GUP (process_vm_readv/writev) stopped expanding stacks in Linux 6.5; real faults still do.
    v = grow ? expandStack(mm, addr) : undefined;
    if (!v) return { fault: 'SEGV_MAPERR' };
  }
  const f = v.flags;
  const ok = kind === 'write' ? (f & VM.WRITE) !== 0 : kind === 'execute' ? (f & VM.EXEC) !== 0 : (f & (VM.READ | VM.WRITE | VM.EXEC)) !== 0;
  if (!ok) return { fault: 'SEGV_ACCERR' };
  // do_cow_fault prepares the anon_vma before it looks the page up, so even a write past EOF (SIGBUS) leaves it.
  if (kind === 'write' && !(f & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
  const lim = objectEnd(mm, v);
  if (lim !== undefined && addr >= lim) {
    // A read fault past the end of the object still maps the cached pages around it before it fails.
    // (GUP refuses a VMA without VM_READ before faulting, so such a read maps nothing.)
    if (kind !== 'write' && v.uffd === 0 && !(gupRead && !(f & VM.READ))) faultAround(mm, v, pageDown(addr));
    return { fault: 'BUS_ADRERR' };
  }
  return { fault: null, vma: v };
}

/** expand_downwards for a fault below a MAP_GROWSDOWN VMA. */
export function expandStack(mm: MmState, addr: number): Vma | undefined {
  const v = mm.tree.findFrom(addr);
  if (!v || !(v.flags & VM.GROWSDOWN)) return undefined;
  const to = pageDown(addr);
  if (to < mm.minAddr) return undefined;
  const prev = mm.tree.prev(v);
  if (prev && !(prev.flags & VM.GROWSDOWN) && prev.flags & (VM.READ | VM.WRITE | VM.EXEC) && to - prev.end < STACK_GUARD_GAP) return undefined;
  if (prev && prev.end > to) return undefined;
  const grow = (v.start - to) / PAGE;
  if (!mayExpand(mm, v.flags, grow)) return undefined;
  if (v.end - to > mm.rlimits.STACK.cur) return undefined;
  if (v.flags & VM.LOCKED && !mm.capIpcLock && mm.lockedVm + grow > Math.floor(mm.rlimits.MEMLOCK.cur / PAGE)) return undefined;
  // expand_downwards prepares the anon_vma before growing: a neighbour that only becomes adjacent by the growth
  // is not one whose anon_vma can be reused.
  if (v.anonVma === 0) anonVmaPrepare(mm, v);
  const separate = backingOf(mm).growsDownSeparately(mm, v, to);
  if (separate) return insert(mm, separate);
  detach(mm, v);
  const oldStart = v.start;
  v.start = to;
  v.pgoff -= grow;
  attach(mm, v);
  mm.zx.map(v, to, oldStart);
  return v;
}

/** handle_userfault's trigger: a missing page in a MISSING range, or a write to a uffd-wp page in a WP range. */
export function uffdFaultFor(mm: MmState, v: Vma, at: number, write: boolean, user = true): { ctx: UffdContextHooks; access: UffdFaultAccess } | null {
  const page = pageDown(at);
  const reg = mm.counters.uffd.get(v.uffd);
  if (!reg) {
    if (write) mm.uffdWp.delete(page);
    return null;
  }
  if (!uffdPresent(mm, v, page)) {
    if (reg.mode & UffdRegisterMode.MISSING) {
      // do_anonymous_page makes the page table before it hands the fault to userfaultfd: it stays, whatever the
      // handler (or the SIGBUS feature) then does.
      if (v.backing.kind === 'anon') mm.keptTables.add(page - (page % TABLE_SPAN));
      return { ctx: reg.ctx, access: { write, user } };
    }
    // Without MISSING, only a write onto a uffd-wp marker (WP_UNPOPULATED) traps; a read maps the zero page and
    // the marker stays with it.
    if (!write || !mm.uffdWp.has(page)) return null;
  }
  if (write && mm.uffdWp.has(page)) {
    // WP_ASYNC: the kernel resolves a write-protect fault itself by dropping the bit, and no message is sent.
    if (reg.mode & UffdRegisterMode.WP && !reg.ctx.hasFeature(UffdFeature.WP_ASYNC)) return { ctx: reg.ctx, access: { write: true, wp: true, user } };
    mm.uffdWp.delete(page);
  }
  return null;
}
