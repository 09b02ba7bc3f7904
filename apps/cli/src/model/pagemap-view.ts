import { PageCategory, Pagemap, type MemoryManager } from '@memsim/starnix-mm';

/** Pages shown per VMA (as the VMO page bars). */
const MAX_PAGES = 64;
const PAGE = 4096;

/**
 * One character per page from a /proc/PID/pagemap entry: `.` not present, `a` private anonymous page mapped once,
 * `A` one a fork shares, `0` the zero page, `f` a file or shmem page mapped once, `F` mapped more than once, `w` a
 * present page write-protected by userfaultfd, `m` a PTE marker (poison, guard, uffd-wp on a missing page).
 */
export function pagemapChar(e: bigint): string {
  if ((e & Pagemap.PRESENT) === 0n) return (e & Pagemap.SWAP) !== 0n ? 'm' : '.';
  if ((e & Pagemap.UFFD_WP) !== 0n) return 'w';
  if ((e & Pagemap.FILE) !== 0n) return (e & Pagemap.EXCLUSIVE) !== 0n ? 'f' : 'F';
  if ((e & Pagemap.EXCLUSIVE) !== 0n) return 'a';
  // Present, not a file page, not exclusive: the zero page has no page at all; a fork-shared page is anonymous.
  return 'A';
}

/**
 * The pagemap view of an address space: each VMA's range and protection, a bar of its first pages (see
 * {@link pagemapChar}), and how many of them are present and soft-dirty.
 */
export function pagemapText(mm: MemoryManager): string {
  const lines: string[] = [];
  for (const v of mm.vmas()) {
    const pages = (v.end - v.start) / PAGE;
    const shown = Math.min(pages, MAX_PAGES);
    const entries = mm.pagemap(v.start, shown);
    const zero = zeroPages(mm, v.start, shown);
    let bar = '';
    let present = 0;
    let softDirty = 0;
    for (const [i, e] of entries.entries()) {
      bar += zero.has(v.start + i * PAGE) ? '0' : pagemapChar(e);
      if ((e & Pagemap.PRESENT) !== 0n) present++;
      if ((e & Pagemap.SOFT_DIRTY) !== 0n) softDirty++;
    }
    const prot = `${v.prot & 1 ? 'r' : '-'}${v.prot & 2 ? 'w' : '-'}${v.prot & 4 ? 'x' : '-'}${v.shared ? 's' : 'p'}`;
    const more = pages > MAX_PAGES ? `… (first ${MAX_PAGES} of ${pages} pages)` : '';
    lines.push(`${v.start.toString(16)}-${v.end.toString(16)} ${prot} [${bar}${more}] present ${present}, soft-dirty ${softDirty}`);
  }
  return lines.join('\n');
}

/** The zero-page mappings among `pages` pages from `start` (PAGEMAP_SCAN's PAGE_IS_PFNZERO; none before 6.7). */
function zeroPages(mm: MemoryManager, start: number, pages: number): Set<number> {
  const out = new Set<number>();
  if (!mm.profile.pagemapScan) return out;
  const r = mm.pagemapScan({ start, end: start + pages * PAGE, categoryMask: PageCategory.PFNZERO, returnMask: PageCategory.PFNZERO });
  for (const region of r.regions) for (let a = region.start; a < region.end; a += PAGE) out.add(a);
  return out;
}
