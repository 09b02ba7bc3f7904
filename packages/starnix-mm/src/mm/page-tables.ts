/**
 * Which 2 MiB blocks of the address space have a last-level page table, as far as a program can tell: PAGEMAP_SCAN
 * reports an empty entry of an existing table as WRITTEN and an address without a table as nothing.
 *
 * memsim keeps no page tables. A block has one when it holds an entry now (a present page, a zero-page mapping, a
 * uffd marker, a guard marker), or when it is in `MmState.keptTables`: tables Linux keeps though they may be empty.
 * Zapping (munmap, MADV_DONTNEED, GUARD_REMOVE, a UFFDIO_MOVE source) clears entries but leaves the table; mremap
 * gives the destination one where the source had one, fork copies them, and UFFDIO_MOVE and a userfaultfd MISSING
 * fault make them before looking at the page. Only free_pgtables frees one, after an unmap, for a block no VMA still
 * intersects; MADV_DONTNEED of a whole 2 MiB or more also frees the tables it leaves empty (CONFIG_PT_RECLAIM,
 * default on x86-64 since 6.14).
 */
import { PAGE } from '../abi/constants.js';
import { presentAnonPages } from './pages.js';
import type { MmState } from './state.js';
import type { Vma } from '../vma/vma.js';

/** A page table covers 2 MiB on x86-64. */
export const TABLE_SPAN = 512 * PAGE;

const blockOf = (a: number): number => a - (a % TABLE_SPAN);

/** Whether the block starting at `block` has a page table. */
export function tableExists(mm: MmState, block: number): boolean {
  return mm.keptTables.has(block) || hasEntries(mm, block, block + TABLE_SPAN);
}

/** Whether [from, to) (inside one block) holds a page-table entry now: a page, a zero-page mapping or a marker. */
function hasEntries(mm: MmState, from: number, to: number): boolean {
  // Guard markers are page-table entries too (Linux 6.18: an empty page next to a guard region counts as WRITTEN).
  if (mm.guards.size !== 0 && mm.guards.firstIn(from, to) !== undefined) return true;
  if (anyIn(mm.zeroMapped, from, to) || anyIn(mm.mappedShared, from, to) || anyIn(mm.uffdPoison, from, to) || anyIn(mm.uffdWp, from, to)) return true;
  const single = mm.zx.anonVmo;
  if (single) {
    // The single VMO spans the address space (offset = address): no size to ask for.
    if (from >= mm.zx.end) return false;
    const end = Math.min(to, mm.zx.end);
    // A few pages are looked up one by one (an unmap or MAP_FIXED of a page: no allocation); more in one query.
    if (end - from <= 8 * PAGE) {
      for (let p = from; p < end; p += PAGE) if (single.pageState(p) !== 'absent') return true;
      return false;
    }
    return single.presentPages(from, end - from).length > 0;
  }
  for (let v = mm.tree.findFrom(from); v !== undefined && v.start < to; v = mm.tree.next(v)) {
    if (v.backing.kind === 'anon' && presentAnonPages(mm, v, Math.max(from, v.start), Math.min(to, v.end)).length > 0) return true;
  }
  return false;
}

/** Whether a set of page addresses has one in [from, to): by the set or by the range's pages, whichever is smaller. */
function anyIn(set: ReadonlySet<number>, from: number, to: number): boolean {
  if (set.size === 0) return false;
  if (set.size <= (to - from) / PAGE) {
    for (const p of set) if (p >= from && p < to) return true;
    return false;
  }
  for (let p = from; p < to; p += PAGE) if (set.has(p)) return true;
  return false;
}

/** tableExists for the model's own bookkeeping: Starnix makes no Zircon call for it, so none is counted. */
const has = (mm: MmState, block: number): boolean => mm.kernel.uncountedSyscalls(() => tableExists(mm, block));

/** hasEntries, uncounted: 'single' asks its VMO nothing counted; 'per-mapping' asks each mapping's VMO its size. */
const entriesIn = (mm: MmState, from: number, to: number): boolean =>
  mm.zx.anonVmo !== null ? hasEntries(mm, from, to) : mm.kernel.uncountedSyscalls(() => hasEntries(mm, from, to));

/**
 * Before entries of [start, end) are zapped: the blocks at its ends that have a table keep it, emptied or not
 * (blocks inside a range this long are either freed by the unmap or reclaimed by PT_RECLAIM when emptied).
 */
export function keepTablesOfZap(mm: MmState, start: number, end: number, unmapping = false, within?: Vma): void {
  if (end <= start) return;
  // The common unmap, at no cost: inside one private anonymous VMA that never got an anon_vma (so no page of its
  // own), in an address space without zero-page mappings, shared pages or markers, there is no entry to zap.
  if (within !== undefined && within.backing.kind === 'anon' && within.anonVma === 0 && within.start <= start && within.end >= end && noLoneEntries(mm)) return;
  const first = blockOf(start);
  const last = blockOf(end - 1);
  // Only entries the zap removes matter: a table that other entries of the block hold up is still seen after it.
  // And an unmap frees the table of a block it leaves without VMAs anyway.
  // (Cheapest first: the entries of the few pages an unmap usually removes, then the VMA lookups.)
  const keep = (b: number): boolean =>
    !mm.keptTables.has(b) && entriesIn(mm, Math.max(b, start), Math.min(b + TABLE_SPAN, end)) && (!unmapping || keepsVma(mm, b, start, end));
  if (keep(first)) mm.keptTables.add(first);
  if (last !== first && keep(last)) mm.keptTables.add(last);
}

/** No entry other than private anonymous pages anywhere: no zero-page mapping, mapped shared page or marker. */
function noLoneEntries(mm: MmState): boolean {
  return mm.guards.size === 0 && mm.zeroMapped.size === 0 && mm.mappedShared.size === 0 && mm.uffdPoison.size === 0 && mm.uffdWp.size === 0;
}

/**
 * Whether block `b` holds a VMA outside [start, end), the range an unmap removes (or removed): the first VMA of the
 * block if it starts below the range, else the first one ending past it. Two lookups, however many VMAs the block has.
 */
function keepsVma(mm: MmState, b: number, start: number, end: number): boolean {
  // The last VMA starting below the range (it may straddle its start), and the first ending past it: both next to
  // the range, where the tree's last lookups were.
  const before = mm.tree.findBefore(start);
  if (before !== undefined && before.end > b && (before.end <= start || before.start < start)) return true;
  const after = mm.tree.findFrom(end);
  return after !== undefined && after.start < b + TABLE_SPAN;
}

/** After [start, end) was unmapped: free_pgtables frees the tables of the blocks it touched that no VMA intersects now. */
export function freeTablesOfUnmap(mm: MmState, start: number, end: number): void {
  if (mm.keptTables.size === 0 || end <= start) return;
  const lo = blockOf(start);
  const hi = blockOf(end - 1) + TABLE_SPAN;
  // (A VMA left in its tree slot for MAP_FIXED to take over, unmapRange's overwrite, is exactly [start, end): gone
  // for free_pgtables, and keepsVma looks past it.)
  for (const b of keptIn(mm, lo, hi)) if (!keepsVma(mm, b, start, end)) mm.keptTables.delete(b);
}

/** The kept blocks in [lo, hi): by the blocks of the range or by the set, whichever is smaller. */
function keptIn(mm: MmState, lo: number, hi: number): number[] {
  const out: number[] = [];
  if ((hi - lo) / TABLE_SPAN <= mm.keptTables.size) {
    for (let b = lo; b < hi; b += TABLE_SPAN) if (mm.keptTables.has(b)) out.push(b);
  } else for (const b of mm.keptTables) if (b >= lo && b < hi) out.push(b);
  return out;
}

/** After MADV_DONTNEED of [start, end) in one VMA: PT_RECLAIM frees the tables left empty when the range spans 2 MiB. */
export function reclaimEmptyTables(mm: MmState, start: number, end: number): void {
  if (mm.keptTables.size === 0 || end - start < TABLE_SPAN) return;
  for (const b of keptIn(mm, blockOf(start), blockOf(end - 1) + TABLE_SPAN)) {
    mm.keptTables.delete(b);
    if (has(mm, b)) mm.keptTables.add(b);
  }
}

/** Whether the table covering `address` exists; `allocate` makes it (UFFDIO_MOVE's pte_alloc). */
export function pageTable(mm: MmState, address: number, allocate: boolean): boolean {
  const b = blockOf(address);
  if (has(mm, b)) return true;
  if (allocate) mm.keptTables.add(b);
  return allocate;
}

/** mremap moving [from, from + len) to `to`: move_page_tables gives the destination a table wherever the source had one. */
export function moveTables(mm: MmState, from: number, len: number, to: number): void {
  for (const b of mm.kernel.uncountedSyscalls(() => tableBlocks(mm, from, from + len))) {
    const s = to + (Math.max(b, from) - from);
    const e = to + (Math.min(b + TABLE_SPAN, from + len) - from);
    for (let d = blockOf(s); d < e; d += TABLE_SPAN) mm.keptTables.add(d);
  }
}

/**
 * The blocks of [from, to) that have a table, in one pass over what the range holds (kept tables, pages, page
 * sets, guard ranges), not one look per block: a terabyte mremap costs its entries, not its 2 MiB blocks.
 */
function tableBlocks(mm: MmState, from: number, to: number): Set<number> {
  const out = new Set<number>(keptIn(mm, blockOf(from), blockOf(to - 1) + TABLE_SPAN));
  // The two end blocks may have a table for entries outside the range.
  for (const b of [blockOf(from), blockOf(to - 1)]) if (tableExists(mm, b)) out.add(b);
  const add = (p: number): void => {
    if (p >= from && p < to) out.add(blockOf(p));
  };
  for (const set of [mm.zeroMapped, mm.mappedShared, mm.uffdPoison, mm.uffdWp]) for (const p of set) add(p);
  if (mm.guards.size !== 0) for (const [s, e] of mm.guards.rangesIn(from, to)) for (let b = blockOf(s); b < e; b += TABLE_SPAN) out.add(b);
  for (let v = mm.tree.findFrom(from); v !== undefined && v.start < to; v = mm.tree.next(v)) {
    if (v.backing.kind === 'anon') for (const p of presentAnonPages(mm, v, Math.max(from, v.start), Math.min(to, v.end))) add(p);
  }
  return out;
}
