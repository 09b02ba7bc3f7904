/**
 * mmap(2) (Linux mm/mmap.c): argument checks, placement (get_unmapped_area), and the new VMA.
 */
import { type SysInt, i32, u64 } from '../abi/args.js';
import { MapFlags, PAGE, Prot, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Backing, type ShmemObject } from '../vma/vma.js';
import { backingOf } from './anon-backing/select.js';
import { canDoMlock, mayExpand, mlockFutureOk } from './accounting.js';
import { U64MAX, isSmall, low32, pageAlignBig, pageDown, pageUp, smallAligned } from './common.js';
import { populate } from './fault.js';
import { unmapRange } from './munmap.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { type FileDescription } from './types.js';
import { refuseBlockingUffd } from './uffd-events.js';
import { insert, mergeAround, newVma } from './vma-ops.js';
import { UffdFeature } from '@memsim/userspace-swap';
import { Vmo, VmoChildOptions, VmoOptions } from '@memsim/zircon-objects';
import { PARKED_FROM } from './zircon-space.js';
import { checkUnmap } from './mseal.js';
import { DROPPABLE_VM_FLAGS, watchPressure } from './droppable.js';

// ---------------------------------------------------------------------------------------------------------
// Placement

export function getUnmappedArea(mm: MmState, addr: number, len: number, flags: number, isAnonPrivate: boolean): number {
  if (len > mm.taskSize) fail('ENOMEM');
  if (flags & MapFlags.FIXED) {
    if (addr > mm.taskSize - len) fail('ENOMEM');
    if (addr % PAGE !== 0) fail('EINVAL');
    return addr;
  }
  if (flags & MapFlags['32BIT']) {
    const a = mm.tree.findBottomUp(len, Math.max(mm.minAddr, 0x40000000), 0x80000000);
    if (a !== undefined) return a;
    fail('ENOMEM');
  }
  if (addr) {
    const a = pageDown(addr);
    if (mm.taskSize - len >= a && a >= mm.minAddr) {
      const nx = mm.tree.findFrom(a);
      const pv = mm.tree.findBefore(a + 1);
      const nextOk = !nx || a + len <= mm.tree.startGap(nx);
      const prevOk = !pv || pv.end <= a;
      if (nextOk && prevOk) return a;
    }
  }
  if (isAnonPrivate && !addr && len % (2 << 20) === 0) {
    // thp_get_unmapped_area: search len + 2 MiB and align; an already-aligned bottom moves up by 2 MiB.
    const r = mm.tree.findTopDown(len + (2 << 20), mm.minAddr, mm.mmapBase, mm.taskSize);
    if (r !== undefined) {
      const sub = (2 << 20) - (r % (2 << 20));
      return sub === 2 << 20 ? r + (2 << 20) : r + sub;
    }
  }
  const r = mm.tree.findTopDown(len, mm.minAddr, mm.mmapBase, mm.taskSize);
  if (r === undefined) {
    const b = mm.tree.findBottomUp(len, mm.mmapBase, mm.taskSize);
    if (b === undefined) fail('ENOMEM');
    return b;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// mmap

/**
 * mmap(2). Returns the address.
 */
export function mmap(mm: MmState, addr: SysInt, length: SysInt, prot: SysInt, flags: SysInt, fd: SysInt = -1, offset: SysInt = 0): number {
  live(mm);
  try {
    // Small number arguments (the common case) are checked without bigints; the outcomes are the same.
    const small = isSmall(addr) && isSmall(length) && isSmall(prot) && isSmall(flags) && isSmall(offset);
    let a = 0n;
    let l = 0n;
    let pr: number;
    let fl: number;
    /** File page of the offset: below 2^52, so exact as a number. */
    let pgoff: number;
    if (small) {
      pr = low32(prot);
      fl = low32(flags);
      if (!smallAligned(offset)) fail('EINVAL');
      pgoff = offset / PAGE;
    } else {
      a = u64(addr, 'addr');
      l = u64(length, 'length');
      pr = Number(BigInt.asUintN(32, u64(prot, 'prot')));
      fl = Number(BigInt.asUintN(32, u64(flags, 'flags')));
      const off = u64(offset, 'offset');
      if (off & 4095n) fail('EINVAL');
      pgoff = Number(off >> 12n);
    }
    let desc: FileDescription | null = null;
    if (!(fl & MapFlags.ANONYMOUS)) {
      desc = mm.fds.get(i32(fd, 'fd')) ?? null;
      if (!desc) fail('EBADF');
      if (fl & MapFlags.HUGETLB) fail('EINVAL');
    } else if (fl & MapFlags.HUGETLB) {
      // ksys_mmap_pgoff: an anonymous MAP_HUGETLB mapping is a hugetlbfs file of a supported page size (the
      // default, 2 MiB or 1 GiB); the model has no huge pages, like a host with none reserved (measured: ENOMEM
      // once the type checks pass).
      const size = (fl >>> 26) & 0x3f;
      if (size !== 0 && size !== 21 && size !== 30) fail('EINVAL');
    }
    // The aligned length and the hint as numbers (values past 2^53 are rounded, but only ever compared with
    // limits far below that, so every comparison comes out as with bigints).
    let alen: number;
    let hint: number;
    if (small) {
      if (length === 0) fail('EINVAL');
      alen = pageUp(length);
      hint = addr;
    } else {
      if (l === 0n) fail('EINVAL');
      const alenB = pageAlignBig(l);
      if (alenB === 0n || l > U64MAX - 4095n) fail('ENOMEM');
      // do_mmap's early "offset overflow?" test (pgoff + pages wrapping an unsigned long) can never fire on a
      // 64-bit kernel: both are below 2^52. Offsets are judged later, by file_mmap_ok, after the length checks.
      alen = Number(alenB);
      hint = Number(a);
    }
    if (fl & MapFlags.FIXED_NOREPLACE) fl |= MapFlags.FIXED;
    if (!(fl & MapFlags.FIXED) && hint !== 0 && hint < mm.minAddr) hint = pageUp(mm.minAddr);
    if (alen > mm.taskSize) fail('ENOMEM');
    const len = alen;
    if (hint > mm.taskSize) {
      if (fl & MapFlags.FIXED) fail('ENOMEM');
      hint = 0;
    }
    const hintN = hint;
    const type = fl & MapFlags.TYPE;
    const droppable = !desc && type === MapFlags.DROPPABLE && mm.profile.mapDroppable;
    const isAnonPrivate = !desc && (type === MapFlags.PRIVATE || droppable);
    if (mm.tree.size > mm.profile.maxMapCount) fail('ENOMEM');
    if (fl & MapFlags.FIXED && hintN < mm.minAddr && hintN % PAGE === 0) fail('EPERM');
    const at = getUnmappedArea(mm, hintN, len, fl, isAnonPrivate);
    if (fl & MapFlags.FIXED_NOREPLACE) {
      const v = mm.tree.findFrom(at);
      if (v && v.start < at + len) fail('EEXIST');
    }
    let vmFlags = (pr & 7) | ((fl & MapFlags.GROWSDOWN) ? VM.GROWSDOWN : 0) | (fl & MapFlags.LOCKED ? VM.LOCKED : 0);
    // calc_vm_flag_bits (Linux 6.7+, with THP): a MAP_STACK mapping is VM_NOHUGEPAGE, which also keeps it from
    // merging with a neighbour that is not (a thread stack beside a malloc'd page stays a separate VMA).
    if (fl & MapFlags.STACK) vmFlags |= VM.NOHUGEPAGE;
    vmFlags |= mm.defFlags | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
    if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) {
      // Linux's calc_vm_prot_bits ignores unknown prot bits in mmap; only GROWSDOWN/GROWSUP are meaningful.
    }
    if (fl & MapFlags.LOCKED && !canDoMlock(mm)) fail('EPERM');
    if (!mlockFutureOk(mm, vmFlags, len)) fail('EAGAIN');
    let backing: Backing;
    if (desc) {
      // file_mmap_ok with MAX_LFS_FILESIZE (2^63 - 1): the mapping must end below file offset 2^63.
      if (pgoff + len / PAGE >= 2 ** 51) fail('EOVERFLOW');
      if (type !== MapFlags.SHARED && type !== MapFlags.SHARED_VALIDATE && type !== MapFlags.PRIVATE) fail('EINVAL');
      if (type !== MapFlags.PRIVATE) {
        // LEGACY_MAP_MASK: MAP_SHARED_VALIDATE rejects anything else (FIXED_NOREPLACE and SYNC included) on memfd.
        const legacy = 0x0f | MapFlags.FIXED | MapFlags.ANONYMOUS | MapFlags['32BIT'] | MapFlags.GROWSDOWN | MapFlags.DENYWRITE | MapFlags.EXECUTABLE | MapFlags.LOCKED | MapFlags.NORESERVE | MapFlags.POPULATE | MapFlags.NONBLOCK | MapFlags.STACK | MapFlags.HUGETLB | MapFlags.UNINITIALIZED | (21 << 26) | (30 << 26);
        if (type === MapFlags.SHARED_VALIDATE && (fl & ~MapFlags.FIXED) & ~legacy) fail('EOPNOTSUPP');
        if (pr & Prot.WRITE && !desc.writable) fail('EACCES');
        vmFlags |= VM.SHARED | VM.MAYSHARE;
        if (!desc.writable) vmFlags &= ~(VM.MAYWRITE | VM.SHARED);
      }
      if (!desc.readable) fail('EACCES');
      if (vmFlags & VM.GROWSDOWN) fail('EINVAL');
      backing = { kind: 'file', file: desc.file, cow: null };
    } else {
      switch (type) {
        case MapFlags.SHARED:
          if (fl & MapFlags.HUGETLB) fail('ENOMEM');
          if (vmFlags & VM.GROWSDOWN) fail('EINVAL');
          pgoff = 0;
          vmFlags |= VM.SHARED | VM.MAYSHARE;
          backing = { kind: 'shmem', obj: null as unknown as ShmemObject };
          break;
        case MapFlags.DROPPABLE:
          // A kernel without MAP_DROPPABLE (before 6.11) knows no such type: EINVAL as in the default case.
          if (!droppable) fail('EINVAL');
          // "A locked or stack area makes no sense to be droppable" (do_mmap); hugetlb has no droppable pages.
          if (fl & (MapFlags.LOCKED | MapFlags.GROWSDOWN | MapFlags.HUGETLB)) fail('EINVAL');
          vmFlags = (vmFlags & ~(VM.LOCKED | VM.LOCKONFAULT)) | DROPPABLE_VM_FLAGS;
          pgoff = at / PAGE;
          backing = backingOf(mm).create(mm, at, at + len);
          break;
        case MapFlags.PRIVATE:
          if (fl & MapFlags.HUGETLB) fail('ENOMEM');
          pgoff = at / PAGE;
          backing = backingOf(mm).create(mm, at, at + len);
          break;
        default:
          fail('EINVAL');
      }
    }
    if (fl & MapFlags.NORESERVE) vmFlags |= VM.NORESERVE;
    // vms_gather_munmap_vmas: a sealed VMA in a MAP_FIXED range refuses (EPERM), before any object is made.
    if (fl & MapFlags.FIXED) checkUnmap(mm, at, at + len);
    // mmap_region: RLIMIT_AS, counting what a FIXED mapping replaces.
    if (!mayExpand(mm, vmFlags, len / PAGE)) {
      const replaced = countPages(mm, at, at + len);
      if (!mayExpand(mm, vmFlags, len / PAGE - replaced)) fail('ENOMEM');
    }
    if ((vmFlags & (VM.WRITE | VM.SHARED | VM.NORESERVE)) === VM.WRITE) vmFlags |= VM.ACCOUNT;
    refuseBlockingUffd(mm, at, at + len, UffdFeature.EVENT_UNMAP, 'mmap(MAP_FIXED)');
    // A range the kernel chose is free. A fixed one is unmapped first; a private anonymous mapping goes in right
    // after (no object to create in between), so its Zircon mapping simply overwrites the old ones.
    // The new objects are made before the old range is unmapped, so a failure to make them changes nothing.
    if (backing.kind === 'shmem') {
      const vmo = Vmo.create(mm.kernel, len, VmoOptions.RESIZABLE).replaceAsExecutable();
      backing = { kind: 'shmem', obj: { vmo, inode: mm.counters.nextInode++, size: len, clean: new Set() } };
    } else if (backing.kind === 'file' && type === MapFlags.PRIVATE) {
      const file = backing.file;
      const base = pgoff;
      // The child is indexed by file offset (offset 0 = file offset 0) so splits and moves keep their meaning.
      // Pages at offsets from PARKED_FROM on are past every file (zircon-space.ts): the child need not reach them.
      const cowVmo = file.vmo.createChild(VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE | VmoChildOptions.RESIZABLE, 0, Math.min(base * PAGE + Math.max(len, PAGE), PARKED_FROM)).replaceAsExecutable();
      const copied = new Set<number>();
      file.privateCopies.add(copied);
      backing = { kind: 'file', file, cow: { vmo: cowVmo, basePgoff: 0, id: mm.counters.nextCow++, copied } };
    }
    const slot = fl & MapFlags.FIXED ? unmapRange(mm, at, at + len, backing.kind === 'anon') : undefined;
    const v = insert(mm, newVma(mm, at, at + len, vmFlags, backing, pgoff), slot);
    if (backing.kind === 'anon' || backing.kind === 'file') mergeAround(mm, v);
    if (vmFlags & VM.DROPPABLE) watchPressure(mm);
    if (vmFlags & VM.LOCKED || (fl & (MapFlags.POPULATE | MapFlags.NONBLOCK)) === MapFlags.POPULATE) {
      populate(mm, at, at + len, true);
    }
    return at;
  } finally {
    flushPins(mm);
  }
}

export function countPages(mm: MmState, start: number, end: number): number {
  let n = 0;
  for (const v of mm.tree.range(start, end)) n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE;
  return n;
}
