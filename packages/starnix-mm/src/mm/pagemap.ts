/**
 * /proc/PID/pagemap and /proc/PID/clear_refs: one 64-bit entry per virtual page (fs/proc/task_mmu.c as of Linux
 * 6.18), and the soft-dirty reset. The PAGEMAP_SCAN ioctl is in pagemap-scan.ts.
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { isGuardPage } from './guard.js';
import { forkShared } from './pages.js';
import { pteMapped } from './procfs.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { ZirconSpace } from './zircon-space.js';

/**
 * The bits of a /proc/PID/pagemap entry (bits 0-54 are the page frame number, or the swap type and offset, which
 * Linux shows only to readers with CAP_SYS_ADMIN: memsim reads as an unprivileged process, so they are 0).
 *
 * @public
 */
export const Pagemap = Object.freeze({
  /** Bit 55: the PTE is soft-dirty, or the VMA is (VM_SOFTDIRTY). Needs CONFIG_MEM_SOFT_DIRTY. */
  SOFT_DIRTY: 1n << 55n,
  /** Bit 56: the page is mapped exactly once (PM_MMAP_EXCLUSIVE). */
  EXCLUSIVE: 1n << 56n,
  /** Bit 57: the PTE (or the PTE marker) has the userfaultfd write-protect bit (PM_UFFD_WP). */
  UFFD_WP: 1n << 57n,
  /** Bit 58: a guard region (MADV_GUARD_INSTALL marker, PM_GUARD_REGION). */
  GUARD_REGION: 1n << 58n,
  /** Bit 61: a page-cache or shared-anonymous (shmem) page rather than a private anonymous one (PM_FILE). */
  FILE: 1n << 61n,
  /** Bit 62: a swap entry or a PTE marker (PM_SWAP). */
  SWAP: 1n << 62n,
  /** Bit 63: a page is present (PM_PRESENT). */
  PRESENT: 1n << 63n,
} as const);

/** The /proc/PID/clear_refs values Linux accepts (CLEAR_REFS_ALL ... CLEAR_REFS_MM_HIWATER_RSS). */
const CLEAR_REFS_SOFT_DIRTY = 4;

/** How many mappings in this mm reach each shared-object page (the mapcount PM_MMAP_EXCLUSIVE tests). */
export type MapCounts = Map<object, Map<number, number>>;

/**
 * The mapcount of every file/shmem page this mm maps with a PTE, counted once per call. memsim counts this address
 * space's mappings only: another process mapping the same shared page is not seen (Linux would clear bit 56).
 */
export function sharedMapCounts(mm: MmState): MapCounts {
  const counts: MapCounts = new Map();
  for (const a of mm.mappedShared) {
    const v = mm.tree.find(a);
    if (!v || v.backing.kind === 'anon' || !pteMapped(mm, v, a)) continue;
    const t = ZirconSpace.target(mm.zx, v, a);
    let m = counts.get(t.vmo);
    if (!m) counts.set(t.vmo, (m = new Map<number, number>()));
    m.set(t.offset, (m.get(t.offset) ?? 0) + 1);
  }
  return counts;
}

/** What one page of a VMA holds, as pagemap and PAGEMAP_SCAN both see it. */
export interface PageView {
  /** A present PTE: a real page or the zero page. */
  readonly present: boolean;
  /** The zero page. */
  readonly zero: boolean;
  /** A page-cache or shmem page (not anonymous). */
  readonly file: boolean;
  /** Mapped once (pagemap bit 56). */
  readonly exclusive: boolean;
  /** A PTE marker or swap entry (poison, uffd-wp marker, guard). */
  readonly swap: boolean;
  readonly uffdWp: boolean;
  readonly guard: boolean;
  /** The PTE's soft-dirty bit (the VMA's VM_SOFTDIRTY is separate). */
  readonly softDirty: boolean;
}

/** The state of page `a` of `v`. */
export function pageView(mm: MmState, v: Vma, a: number, counts: MapCounts): PageView {
  const uffdWp = mm.uffdWp.has(a);
  const softDirty = mm.softDirty.has(a);
  const b = v.backing;
  if (pteMapped(mm, v, a)) {
    const copied = b.kind === 'file' && b.cow !== null && b.cow.copied.has(v.pgoff + (a - v.start) / PAGE);
    if (b.kind === 'anon' || copied) {
      return { present: true, zero: false, file: false, exclusive: !forkShared(mm, v, a), swap: false, uffdWp, guard: false, softDirty };
    }
    const t = ZirconSpace.target(mm.zx, v, a);
    const n = counts.get(t.vmo)?.get(t.offset) ?? 1;
    return { present: true, zero: false, file: true, exclusive: n === 1, swap: false, uffdWp, guard: false, softDirty };
  }
  if (b.kind === 'anon' && mm.zeroMapped.has(a)) {
    // The zero page is no "normal" page: neither anonymous, file nor exclusive.
    return { present: true, zero: true, file: false, exclusive: false, swap: false, uffdWp, guard: false, softDirty };
  }
  const guard = isGuardPage(mm, a);
  const marker = mm.uffdPoison.has(a) || uffdWp || guard;
  return { present: false, zero: false, file: false, exclusive: false, swap: marker, uffdWp, guard, softDirty: marker && softDirty };
}

/** Whether the VMA is soft-dirty as a whole (VM_SOFTDIRTY): every VMA made since the last clear_refs 4. */
export function vmaSoftDirty(mm: MmState, v: Vma): boolean {
  return mm.profile.softDirty && (v.flags & VM.SOFT_CLEAN) === 0;
}

/** The pagemap entry of page `a` (undefined VMA: an unmapped address, entry 0). */
export function pagemapEntry(mm: MmState, v: Vma | undefined, a: number, counts: MapCounts): bigint {
  if (v === undefined) return 0n;
  const p = pageView(mm, v, a, counts);
  let e = 0n;
  if (p.present) e |= Pagemap.PRESENT;
  if (p.swap) e |= Pagemap.SWAP;
  if (p.file) e |= Pagemap.FILE;
  if (p.exclusive) e |= Pagemap.EXCLUSIVE;
  if (p.uffdWp) e |= Pagemap.UFFD_WP;
  if (p.guard) e |= Pagemap.GUARD_REGION;
  if (mm.profile.softDirty && (p.softDirty || vmaSoftDirty(mm, v))) e |= Pagemap.SOFT_DIRTY;
  return e;
}

/**
 * A read of /proc/PID/pagemap: the entries of `pages` pages from the page holding `addr`. Entries stop at
 * TASK_SIZE (a read there is short, or empty). EINVAL for a negative or absurd count (over 2^32 pages).
 */
export function pagemap(mm: MmState, addr: SysInt, pages: SysInt): BigUint64Array {
  live(mm);
  const a = u64(addr, 'addr');
  const n = u64(pages, 'pages');
  if (n > 1n << 32n) fail('EINVAL', 'pagemap: too many pages');
  const first = Number(a - (a % BigInt(PAGE)));
  const count = first >= mm.taskSize ? 0 : Math.min(Number(n), (mm.taskSize - first) / PAGE);
  const out = new BigUint64Array(count);
  const counts = sharedMapCounts(mm);
  let v: Vma | undefined;
  for (let i = 0; i < count; i++) {
    const at = first + i * PAGE;
    if (v === undefined || at >= v.end) v = mm.tree.findFrom(at);
    out[i] = pagemapEntry(mm, v !== undefined && v.start <= at ? v : undefined, at, counts);
  }
  return out;
}

/**
 * A write of `value` to /proc/PID/clear_refs: 1 (all), 2 (anonymous), 3 (file) clear referenced bits, which memsim
 * does not track; 4 clears the soft-dirty bits of every PTE and VMA (only with CONFIG_MEM_SOFT_DIRTY; without it
 * Linux accepts 4 and does nothing); 5 resets the peak RSS. A value past a C `int` is ERANGE (kstrtoint, measured on
 * Linux 6.18); anything else is EINVAL.
 */
export function clearRefs(mm: MmState, value: SysInt): void {
  live(mm);
  const v = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : -1n;
  if (v < -(1n << 31n) || v >= 1n << 31n) fail('ERANGE', `clear_refs: ${String(value)} does not fit an int`);
  if (v < 1n || v > 5n) fail('EINVAL', `clear_refs: ${String(value)} is not 1-5`);
  if (Number(v) !== CLEAR_REFS_SOFT_DIRTY || !mm.profile.softDirty) return;
  mm.softDirty.clear();
  for (const vma of mm.tree) vma.flags |= VM.SOFT_CLEAN;
}
