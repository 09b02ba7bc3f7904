/**
 * Which 2 MiB blocks of the address space have a last-level page table, as far as a program can tell: PAGEMAP_SCAN
 * reports an empty entry of an existing table as WRITTEN and an address without a table as nothing.
 *
 * memsim keeps no page tables. A block has one when it holds an entry now (a present page, a zero-page mapping, a
 * uffd marker, a guard marker), or when Linux keeps a table whose entries a zap emptied (`MmState.keptTables`):
 * zapping (munmap, MADV_DONTNEED, GUARD_REMOVE, a UFFDIO_MOVE source) clears entries but leaves the table, and
 * only free_pgtables frees it, after an unmap, for a block no VMA still intersects. MADV_DONTNEED of a whole 2 MiB
 * or more also frees the tables it leaves empty (CONFIG_PT_RECLAIM, default on x86-64 since 6.14).
 */
import { PAGE } from '../abi/constants.js';
import { presentAnonPages } from './pages.js';
import type { MmState } from './state.js';

/** A page table covers 2 MiB on x86-64. */
export const TABLE_SPAN = 512 * PAGE;

const blockOf = (a: number): number => a - (a % TABLE_SPAN);

/** Whether the block starting at `block` has a page table. */
export function tableExists(mm: MmState, block: number): boolean {
  if (mm.keptTables.has(block)) return true;
  const single = mm.zx.anonVmo;
  if (single) {
    if (single.presentPages(block, Math.min(TABLE_SPAN, single.getSize() - block)).length > 0) return true;
  } else {
    for (const v of mm.tree.range(block, block + TABLE_SPAN)) {
      if (v.backing.kind === 'anon' && presentAnonPages(mm, v, Math.max(block, v.start), Math.min(block + TABLE_SPAN, v.end)).length > 0) return true;
    }
  }
  for (const set of [mm.zeroMapped, mm.mappedShared, mm.uffdPoison, mm.uffdWp]) if (anyIn(set, block)) return true;
  // Guard markers are page-table entries too (Linux 6.18: an empty page next to a guard region counts as WRITTEN).
  return mm.guards.size !== 0 && mm.guards.firstIn(block, block + TABLE_SPAN) !== undefined;
}

/** Whether a set of page addresses has one in the block: the set or the block's 512 pages, whichever is smaller. */
function anyIn(set: ReadonlySet<number>, block: number): boolean {
  if (set.size === 0) return false;
  if (set.size <= 512) {
    for (const p of set) if (p >= block && p < block + TABLE_SPAN) return true;
    return false;
  }
  for (let p = block; p < block + TABLE_SPAN; p += PAGE) if (set.has(p)) return true;
  return false;
}

/** tableExists for the model's own bookkeeping: Starnix makes no Zircon call for it, so none is counted. */
const has = (mm: MmState, block: number): boolean => mm.kernel.uncountedSyscalls(() => tableExists(mm, block));

/**
 * Before entries of [start, end) are zapped: the blocks at its ends that have a table keep it, emptied or not
 * (blocks inside a range this long are either freed by the unmap or reclaimed by PT_RECLAIM when emptied).
 */
export function keepTablesOfZap(mm: MmState, start: number, end: number, unmapping = false): void {
  if (end <= start) return;
  const first = blockOf(start);
  const last = blockOf(end - 1);
  // An unmap frees the table of a block it leaves without VMAs anyway: only blocks keeping one need the look.
  const keep = (b: number): boolean => !mm.keptTables.has(b) && (!unmapping || keepsVma(mm, b, start, end)) && has(mm, b);
  if (keep(first)) mm.keptTables.add(first);
  if (last !== first && keep(last)) mm.keptTables.add(last);
}

/** Whether block `b` still holds a VMA once [start, end) is unmapped. */
function keepsVma(mm: MmState, b: number, start: number, end: number): boolean {
  for (const v of mm.tree.range(b, b + TABLE_SPAN)) if (v.start < start || v.end > end) return true;
  return false;
}

/** After [start, end) was unmapped: free_pgtables frees the tables of the blocks it touched that no VMA intersects now. */
export function freeTablesOfUnmap(mm: MmState, start: number, end: number, stillMapped?: { start: number; end: number }): void {
  if (mm.keptTables.size === 0 || end <= start) return;
  const lo = blockOf(start);
  const hi = blockOf(end - 1) + TABLE_SPAN;
  for (const b of [...mm.keptTables]) {
    if (b < lo || b >= hi) continue;
    let mapped = false;
    // A VMA left in its tree slot for MAP_FIXED to take over (unmapRange's overwrite) is gone for free_pgtables.
    for (const v of mm.tree.range(b, b + TABLE_SPAN)) if (v !== stillMapped) mapped = true;
    if (!mapped) mm.keptTables.delete(b);
  }
}

/** After MADV_DONTNEED of [start, end) in one VMA: PT_RECLAIM frees the tables left empty when the range spans 2 MiB. */
export function reclaimEmptyTables(mm: MmState, start: number, end: number): void {
  if (mm.keptTables.size === 0 || end - start < TABLE_SPAN) return;
  for (const b of [...mm.keptTables]) {
    if (b + TABLE_SPAN <= start || b >= end) continue;
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
  for (let b = blockOf(from); b < from + len; b += TABLE_SPAN) {
    if (!has(mm, b)) continue;
    const s = to + (Math.max(b, from) - from);
    const e = to + (Math.min(b + TABLE_SPAN, from + len) - from);
    for (let d = blockOf(s); d < e; d += TABLE_SPAN) mm.keptTables.add(d);
  }
}
