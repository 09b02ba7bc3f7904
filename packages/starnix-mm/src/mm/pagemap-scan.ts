/**
 * The PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7, fs/proc/task_mmu.c do_pagemap_scan): reports runs of
 * pages by category and can write-protect them for userfaultfd's asynchronous write-protection (WP_ASYNC).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { type MapCounts, pageView, sharedMapCounts, vmaSoftDirty } from './pagemap.js';
import { TABLE_SPAN, tableExists } from './page-tables.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { UffdFeature, UffdRegisterMode } from '@memsim/userspace-swap';

/**
 * PAGEMAP_SCAN page categories (`PAGE_IS_*`).
 *
 * @public
 */
export const PageCategory = Object.freeze({
  /** In a range registered for asynchronous write-protection (WP_ASYNC with PTE markers). */
  WPALLOWED: 1 << 0,
  /** Not userfaultfd-write-protected (written since it was protected, or never protected). */
  WRITTEN: 1 << 1,
  /** A page-cache or shmem page. */
  FILE: 1 << 2,
  PRESENT: 1 << 3,
  /** A swap entry or PTE marker. */
  SWAPPED: 1 << 4,
  /** The zero page. */
  PFNZERO: 1 << 5,
  /** A transparent huge page (memsim has none). */
  HUGE: 1 << 6,
  SOFT_DIRTY: 1 << 7,
  /** A guard region (MADV_GUARD_INSTALL). */
  GUARD: 1 << 8,
} as const);

/**
 * PAGEMAP_SCAN flags (`PM_SCAN_*`).
 *
 * @public
 */
export const PagemapScanFlag = Object.freeze({
  /** Write-protect the matching pages after reporting them (skipping VMAs not registered for WP_ASYNC). */
  WP_MATCHING: 1 << 0,
  /** Fail with EPERM when a VMA in the range is not registered for WP_ASYNC. */
  CHECK_WPASYNC: 1 << 1,
} as const);

const ALL_CATEGORIES = 0x1ff;
const ALL_FLAGS = 0x3;

/**
 * The arguments of PAGEMAP_SCAN (`struct pm_scan_arg` without its size and buffer address).
 *
 * @public
 */
export interface PagemapScanArgs {
  /** Page-aligned start of the range. */
  readonly start: SysInt;
  /** End of the range (rounded up to a page). */
  readonly end: SysInt;
  /** {@link PagemapScanFlag} bits. */
  readonly flags?: number;
  /** Room for this many regions (`vec_len`; 0 walks without reporting, for WP_MATCHING). Default 1024. */
  readonly vecLen?: number;
  /** Stop after this many matching pages (0: no limit). */
  readonly maxPages?: number;
  /** Categories to invert before matching. */
  readonly categoryInverted?: number;
  /** Categories a page must all have (after inversion). */
  readonly categoryMask?: number;
  /** Categories of which a page must have one (after inversion; 0: no condition). */
  readonly categoryAnyofMask?: number;
  /** Categories reported in each region. */
  readonly returnMask?: number;
}

/**
 * One region PAGEMAP_SCAN reports (`struct page_region`): a run of pages whose reported categories are equal.
 *
 * @public
 */
export interface PageRegion {
  readonly start: number;
  readonly end: number;
  readonly categories: number;
}

/**
 * The outcome of PAGEMAP_SCAN: the regions (the ioctl returns their count) and `walkEnd`, where the walk stopped.
 *
 * @public
 */
export interface PagemapScanResult {
  readonly regions: PageRegion[];
  readonly walkEnd: number;
}

function mask(v: number | undefined, what: string): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v) || v < 0) fail('EINVAL', `PAGEMAP_SCAN: bad ${what}`);
  return v;
}

/** The categories of page `a` of `v`; `vmaCategory` holds the VMA-wide ones. */
function categoriesOf(mm: MmState, v: Vma, a: number, vmaCategory: number, counts: MapCounts, tables: Map<number, boolean>): number {
  const p = pageView(mm, v, a, counts);
  let c = vmaCategory;
  if (p.present) {
    c |= PageCategory.PRESENT;
    if (!p.uffdWp) c |= PageCategory.WRITTEN;
    if (p.file) c |= PageCategory.FILE;
    if (p.zero) c |= PageCategory.PFNZERO;
    if (p.softDirty && mm.profile.softDirty) c |= PageCategory.SOFT_DIRTY;
  } else if (p.swap) {
    c |= PageCategory.SWAPPED;
    if (!p.uffdWp) c |= PageCategory.WRITTEN;
    if (p.guard) c |= PageCategory.GUARD;
    if (p.softDirty && mm.profile.softDirty) c |= PageCategory.SOFT_DIRTY;
  } else {
    // An empty entry of an existing page table counts as written (not write-protected); a range without a table
    // has only the VMA's categories, except in a VMA registered for userfaultfd write-protection, where every
    // empty page counts as written, table or not, and only while it is registered (measured on Linux 6.18).
    if (uffdWpRegistered(mm, v)) return c | PageCategory.WRITTEN;
    const block = a - (a % TABLE_SPAN);
    let t = tables.get(block);
    if (t === undefined) tables.set(block, (t = tableExists(mm, block)));
    if (t) c |= PageCategory.WRITTEN;
  }
  return c;
}

/** Whether the VMA is registered with a userfaultfd in write-protect mode (VM_UFFD_WP). */
function uffdWpRegistered(mm: MmState, v: Vma): boolean {
  if (v.uffd === 0) return false;
  const reg = mm.counters.uffd.get(v.uffd);
  return reg !== undefined && (reg.mode & UffdRegisterMode.WP) !== 0;
}

/** Whether the VMA allows asynchronous write-protection (userfaultfd_wp_async and PTE markers). */
function wpAllowed(mm: MmState, v: Vma): boolean {
  const reg = mm.counters.uffd.get(v.uffd);
  if (!reg || !reg.ctx.hasFeature(UffdFeature.WP_ASYNC)) return false;
  return v.backing.kind !== 'anon' || reg.ctx.hasFeature(UffdFeature.WP_UNPOPULATED);
}

/**
 * PAGEMAP_SCAN over [start, end): runs of pages whose categories match, each with its categories masked by
 * `returnMask`, merged while contiguous and equal; stops when `vecLen` regions are full or `maxPages` pages matched
 * (then `walkEnd` is where). WP_MATCHING write-protects what matched in WP_ASYNC ranges (markers on missing pages).
 *
 * @remarks
 * ENOTTY on a kernel without PAGEMAP_SCAN (before 6.7, see the profile). EINVAL: unknown flags or categories, an
 * unaligned start. EFAULT: end before start or past TASK_SIZE. EPERM: CHECK_WPASYNC and a VMA not registered for
 * WP_ASYNC. Unmapped gaps are skipped.
 */
export function pagemapScan(mm: MmState, args: PagemapScanArgs): PagemapScanResult {
  live(mm);
  if (!mm.profile.pagemapScan) fail('ENOTTY', 'PAGEMAP_SCAN needs Linux 6.7');
  if (args === null || typeof args !== 'object') throw new TypeError('pagemapScan: args must be an object');
  const flags = mask(args.flags, 'flags');
  if ((flags & ~ALL_FLAGS) !== 0) fail('EINVAL', 'PAGEMAP_SCAN: unknown flags');
  const inverted = mask(args.categoryInverted, 'categoryInverted');
  const required = mask(args.categoryMask, 'categoryMask');
  const anyOf = mask(args.categoryAnyofMask, 'categoryAnyofMask');
  const ret = mask(args.returnMask, 'returnMask');
  if (((inverted | required | anyOf | ret) & ~ALL_CATEGORIES) !== 0) fail('EINVAL', 'PAGEMAP_SCAN: unknown categories');
  const start = u64(args.start, 'start');
  const endRaw = u64(args.end, 'end');
  if (start % BigInt(PAGE) !== 0n) fail('EINVAL', 'PAGEMAP_SCAN: start is not page aligned');
  if (endRaw < start || endRaw > BigInt(mm.taskSize)) fail('EFAULT', 'PAGEMAP_SCAN: the range is not user memory');
  const vecLen = args.vecLen === undefined ? 1024 : mask(args.vecLen, 'vecLen');
  const maxPages = args.maxPages === undefined || args.maxPages === 0 ? Infinity : mask(args.maxPages, 'maxPages');
  const s = Number(start);
  const end = Number(endRaw + BigInt(PAGE - 1)) - (Number(endRaw + BigInt(PAGE - 1)) % PAGE);
  const wpMatching = (flags & PagemapScanFlag.WP_MATCHING) !== 0;
  const regions: { start: number; end: number; categories: number }[] = [];
  const counts = sharedMapCounts(mm);
  const tables = new Map<number, boolean>();
  let found = 0;
  try {
    for (const v of s < end ? mm.tree.range(s, end) : []) {
      const allowed = wpAllowed(mm, v);
      if (!allowed && (flags & PagemapScanFlag.CHECK_WPASYNC) !== 0) fail('EPERM', 'PAGEMAP_SCAN: a VMA is not registered for WP_ASYNC');
      if (!allowed && wpMatching) continue;
      const vmaCategory = (allowed ? PageCategory.WPALLOWED : 0) | (vmaSoftDirty(mm, v) ? PageCategory.SOFT_DIRTY : 0);
      for (let a = Math.max(v.start, s); a < Math.min(v.end, end); a += PAGE) {
        const c = categoriesOf(mm, v, a, vmaCategory, counts, tables);
        const x = c ^ inverted;
        if ((x & required) !== required || (anyOf !== 0 && (x & anyOf) === 0)) continue;
        if (vecLen > 0) {
          if (found >= maxPages) return { regions, walkEnd: a };
          const last = regions[regions.length - 1];
          const cat = c & ret;
          if (last !== undefined && last.end === a && last.categories === cat) last.end = a + PAGE;
          else if (regions.length < vecLen) regions.push({ start: a, end: a + PAGE, categories: cat });
          else return { regions, walkEnd: a };
          found++;
        }
        if (wpMatching) mm.uffdWp.add(a);
      }
    }
    return { regions, walkEnd: end };
  } finally {
    flushPins(mm);
  }
}
