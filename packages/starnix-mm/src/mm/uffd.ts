/**
 * userfaultfd(2) on this address space: the UffdAddressSpace contract of @memsim/userspace-swap (registration, UFFDIO_COPY/ZEROPAGE/CONTINUE/POISON/WRITEPROTECT on these VMAs and pages).
 */
import type { Vmo } from '@memsim/zircon-objects';
import { PAGE, VM } from '../abi/constants.js';
import { backingOf } from './anon-backing/select.js';
import { type Vma } from '../vma/vma.js';
import { pageDown } from './common.js';
import { readFault } from './fault.js';
import { forkShared, freeAnon, noteWrite } from './pages.js';
import { keepTablesOfZap, pageTable } from './page-tables.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { type MemoryManagerUffdOptions } from './types.js';
import { uffdPresent } from './uffd-events.js';
import { anonVmaPrepare, modify, vmaAt } from './vma-ops.js';
import { type UffdAddressSpace, type UffdContextHooks, type UffdMoveRefusal, type UffdVma, UffdFeature, UserfaultFD } from '@memsim/userspace-swap';
import { ZirconSpace } from './zircon-space.js';

// ---------------------------------------------------------------------------------------------------------
// userfaultfd

/**
 * userfaultfd(2) on this address space: a `UserfaultFD` (from `@memsim/userspace-swap`) whose ioctls act on these
 * VMAs and pages. With `features` the UFFDIO_API handshake is done too.
 */
export function userfaultfd(mm: MmState, options: MemoryManagerUffdOptions = {}): UserfaultFD {
  live(mm);
  if (options === null || typeof options !== 'object') throw new TypeError('userfaultfd: options must be an object');
  const opts = { flags: options.flags, capSysPtrace: options.capSysPtrace, clock: options.clock };
  return options.features === undefined ? UserfaultFD.create(userfaultfdSpace(mm), opts) : UserfaultFD.open(userfaultfdSpace(mm), options.features, opts);
}

/** This address space as userfaultfd sees it (the `UffdAddressSpace` contract of `@memsim/userspace-swap`). */
export function userfaultfdSpace(mm: MmState): UffdAddressSpace {
  mm.uffdSpace ??= makeUffdSpace(mm);
  return mm.uffdSpace;
}

/** Sets the registration of every VMA part in [start, end), splitting and merging as userfaultfd_register does. */
export function setUffdRegistration(mm: MmState, start: number, end: number, ctx: UffdContextHooks | null, mode: number): void {
  // The mm is gone (exit, exec): there is nothing left to register or clear, as mmget_not_zero fails in Linux.
  if (mm.disposed) return;
  if (ctx !== null) mm.counters.uffdUsed = true;
  const id = mm.counters.uffd.id(ctx, ctx === null ? 0 : mode);
  let cur = start;
  try {
    while (cur < end) {
      const v = mm.tree.findFrom(cur);
      if (!v || v.start >= end) break;
      const s = Math.max(v.start, cur);
      const e = Math.min(v.end, end);
      cur = e;
      if (v.uffd === id) continue;
      // userfaultfd_register_range: a VMA already registered with this context for every requested mode (and maybe
      // more) is left alone; any other gets exactly the requested modes.
      const had = ctx === null ? undefined : mm.counters.uffd.get(v.uffd);
      if (had !== undefined && had.ctx === ctx && (had.mode & mode) === mode) continue;
      const m = modify(mm, v, s, e, (x) => {
        x.uffd = id;
      });
      cur = Math.max(e, m.end);
    }
  } finally {
    flushPins(mm);
  }
}

export function makeUffdSpace(mm: MmState): UffdAddressSpace {
  const taskSize = (): number => mm.taskSize;
  const alive = (): boolean => !mm.disposed;
  const kindOf = (v: Vma): UffdVma['kind'] => {
    if (v.backing.kind === 'anon') return 'anonymous';
    if (v.backing.kind === 'shmem') return 'shmem';
    // A MemFile is memfd-like (shmem) when shared; private file mappings are not modelled for userfaultfd.
    return v.flags & VM.SHARED ? 'shmem' : 'file';
  };
  // The kernel's userfaultfd features, as the profile lists them (the model implements every one Linux 6.18 has).
  const supported = mm.profile.uffdFeatures.reduce((bits, name) => bits | ((UffdFeature as Record<string, number>)[name] ?? 0), 0);
  const space: UffdAddressSpace = {
    pageSize: PAGE,
    mmapMinAddr: mm.minAddr,
    supportedFeatures: supported,
    movePage: (from: number, to: number): UffdMoveRefusal | null => movePage(mm, from, to),
    get taskSize(): number {
      return taskSize();
    },
    get alive(): boolean {
      return alive();
    },
    vmasIn: (start: number, end: number): readonly UffdVma[] => {
      const out: UffdVma[] = [];
      // The VMAs from the one ending above start, each found next to the last (no intermediate list).
      for (let v = mm.tree.findFrom(start); v !== undefined && v.start < end && end > start; v = mm.tree.next(v)) {
        const reg = v.uffd === 0 ? undefined : mm.counters.uffd.get(v.uffd);
        const access = (v.flags & (VM.READ | VM.WRITE | VM.EXEC)) | (v.flags & VM.LOCKED ? 8 : 0);
        out.push({ start: v.start, end: v.end, kind: kindOf(v), mayWrite: (v.flags & VM.MAYWRITE) !== 0, droppable: (v.flags & VM.DROPPABLE) !== 0, uffd: reg?.ctx ?? null, uffdMode: reg?.mode ?? 0, access });
      }
      return out;
    },
    setRegistration: (start: number, end: number, ctx: UffdContextHooks | null, mode: number): void => {
      setUffdRegistration(mm, start, end, ctx, mode);
    },
    prepareAnon: (address: number): void => {
      const v = mm.tree.find(address);
      if (v !== undefined && !(v.flags & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
    },
    pageTable: (address: number, allocate: boolean): boolean => pageTable(mm, address, allocate),
    hasMarker: (address: number): boolean => mm.guards.size !== 0 && mm.guards.has(pageDown(address)),
    isPagePresent: (address: number): boolean => {
      const v = mm.tree.find(address);
      return v !== undefined && uffdPresent(mm, v, pageDown(address));
    },
    installPage: (address: number, data: Uint8Array, writeProtected: boolean): void => {
      const v = vmaAt(mm, address);
      const page = pageDown(address);
      if (!(v.flags & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
      const t = ZirconSpace.writeTarget(mm.zx, v, page);
      t.vmo.write(data.length === PAGE ? data : data.subarray(0, PAGE), t.offset);
      mm.zeroMapped.delete(page);
      // UFFDIO_COPY installs its page over a guard marker (mfill_atomic_install_pte takes any marker as none).
      if (mm.guards.size !== 0) mm.guards.remove(page, page + PAGE);
      noteWrite(mm, v, page);
      if (writeProtected) mm.uffdWp.add(page);
      flushPins(mm);
    },
    installPages: (address: number, data: Uint8Array, writeProtected: boolean): void => {
      const v = vmaAt(mm, address);
      const end = address + data.length;
      if (!(v.flags & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
      const t = v.backing.kind === 'anon' ? ZirconSpace.writeTarget(mm.zx, v, address) : null;
      if (t === null || t.offset + data.length > t.vmo.getSize()) {
        // Only private anonymous memory lies at consecutive offsets of one VMO all the way; the rest page by page.
        for (let a = address; a < end; a += PAGE) space.installPage(a, data.subarray(a - address, a - address + PAGE), writeProtected);
        return;
      }
      t.vmo.write(data, t.offset);
      for (let page = address; page < end; page += PAGE) {
        mm.zeroMapped.delete(page);
        noteWrite(mm, v, page);
        if (writeProtected) mm.uffdWp.add(page);
      }
      if (mm.guards.size !== 0) mm.guards.remove(address, end);
      flushPins(mm);
    },
    installZeroPage: (address: number): void => {
      const v = vmaAt(mm, address);
      readFault(mm, v, pageDown(address), true);
    },
    installPoison: (address: number): void => {
      vmaAt(mm, address);
      mm.uffdPoison.add(pageDown(address));
    },
    setWriteProtected: (address: number, writeProtected: boolean): void => {
      const page = pageDown(address);
      if (mm.uffdPoison.has(page)) return;
      if (writeProtected) mm.uffdWp.add(page);
      else mm.uffdWp.delete(page);
    },
    takePages: (start: number, length: number): { address: number; data: Uint8Array }[] => {
      const out: { address: number; data: Uint8Array }[] = [];
      const from = pageDown(start);
      const end = start + length;
      // Each run of taken pages side by side is copied out of the anonymous VMO in one read (each page a view of one
      // buffer) and then freed at once: the same as page by page, without a buffer and a free per page.
      const all = new Uint8Array(Math.ceil((end - from) / PAGE) * PAGE);
      let runStart = -1;
      let runEnd = -1;
      const flush = (): void => {
        if (runStart < 0) return;
        // Runs are gathered in the single design only (below), where the address is the VMO offset.
        (mm.zx.anonVmo as Vmo).readInto(all.subarray(runStart - from, runEnd - from), runStart);
        freeAnon(mm, runStart, runEnd);
        runStart = -1;
      };
      for (let a = from; a < end; a += PAGE) {
        const v = mm.tree.find(a);
        if (mm.zx.design !== 'single') {
          // Per-mapping backing: page by page, through the VMO of the page's own VMA.
          if (!v || v.backing.kind !== 'anon' || mm.uffdPoison.has(a)) continue;
          const t = ZirconSpace.target(mm.zx, v, a);
          if (backingOf(mm).present(mm, v, a)) out.push({ address: a, data: t.vmo.read(PAGE, t.offset) });
          else if (mm.zeroMapped.has(a)) out.push({ address: a, data: new Uint8Array(PAGE) });
          else continue;
          freeAnon(mm, a, a + PAGE, v);
          continue;
        }
        // Only private anonymous memory is swapped (as ChromeOS does); poison markers stay. A zero-page mapping is
        // absent from the VMO, so it reads as the zeros it shows.
        const taken = v !== undefined && v.backing.kind === 'anon' && !mm.uffdPoison.has(a) && ((mm.zx.anonVmo as Vmo).pageState(a) !== 'absent' || mm.zeroMapped.has(a));
        if (!taken) {
          flush();
          continue;
        }
        out.push({ address: a, data: all.subarray(a - from, a - from + PAGE) });
        if (runStart < 0) runStart = a;
        runEnd = a + PAGE;
      }
      flush();
      flushPins(mm);
      return out;
    },
  };
  return space;
}

/**
 * UFFDIO_MOVE of one private anonymous page (move_pages_pte): the page, or the zero page, leaves `from` for the
 * missing `to` (a write-style PTE: soft-dirty, no uffd-wp). A page fork left shared is EBUSY, a poison marker EFAULT.
 */
function movePage(mm: MmState, from: number, to: number): UffdMoveRefusal | null {
  if (mm.uffdPoison.has(from)) return 'EFAULT';
  const src = vmaAt(mm, from);
  if (forkShared(mm, src, from)) return 'EBUSY';
  const dst = vmaAt(mm, to);
  if (dst.anonVma === 0) anonVmaPrepare(mm, dst);
  if (mm.zeroMapped.has(from)) mm.zeroMapped.add(to);
  else {
    // Through each VMA's own target, so that both anonymous designs move the bytes where they live.
    const s = ZirconSpace.target(mm.zx, src, from);
    const d = ZirconSpace.writeTarget(mm.zx, dst, to);
    d.vmo.write(s.vmo.read(PAGE, s.offset), d.offset);
  }
  if (mm.profile.softDirty) mm.softDirty.add(to);
  // The page moved in is this process's own (move_pages_pte needs an exclusive source page).
  if (mm.anonShared.active) mm.anonShared.unshare(to);
  keepTablesOfZap(mm, from, from + PAGE);
  freeAnon(mm, from, from + PAGE, src);
  flushPins(mm);
  return null;
}
