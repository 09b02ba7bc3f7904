/**
 * /proc/pid/maps and smaps, and the plain VMA records.
 */
import { PAGE, VM } from '../abi/constants.js';
import { backingOf } from './anon-backing/select.js';
import type { Vmo } from '@memsim/zircon-objects';
import { type MapsContext, formatMaps, formatSmaps } from '../proc/maps.js';
import { type Vma } from '../vma/vma.js';
import { pageDown } from './common.js';
import { resident } from './pages.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { objectEnd } from './vma-ops.js';
import { UffdRegisterMode } from '@memsim/userspace-swap';
import { ZirconSpace } from './zircon-space.js';

// ---------------------------------------------------------------------------------------------------------
// Introspection

/** /proc/pid/maps text. */
export function maps(mm: MmState): string {
  live(mm);
  return formatMaps(mapsContext(mm));
}

/** /proc/pid/smaps text. */
export function smaps(mm: MmState): string {
  live(mm);
  return formatSmaps(mapsContext(mm));
}

/**
 * The addresses of `v` that may be mapped or privately dirty, ascending: the anonymous VMO's present pages, or the
 * file/shmem pages with a page-table entry plus a private file mapping's copied pages. Undefined when walking the
 * VMA is cheaper than collecting them.
 */
export function populatedCandidates(mm: MmState, v: Vma): number[] | undefined {
  const b = v.backing;
  if (b.kind === 'anon') return b.obj ? undefined : (mm.zx.anonVmo as Vmo).presentPages(v.start, v.end - v.start);
  const pages = (v.end - v.start) / PAGE;
  const copied = b.kind === 'file' && b.cow ? b.cow.copied : undefined;
  if (mm.mappedShared.size + (copied?.size ?? 0) >= pages) return undefined;
  const out: number[] = [];
  for (const a of mm.mappedShared) if (a >= v.start && a < v.end) out.push(a);
  if (copied) {
    for (const pg of copied) {
      const a = v.start + (pg - v.pgoff) * PAGE;
      if (a >= v.start && a < v.end && !mm.mappedShared.has(a)) out.push(a);
    }
  }
  return out.sort((x, y) => x - y);
}

/** Whether a page of `v` is mapped by a page-table entry to a real page (the zero page is not counted). */
export function pteMapped(mm: MmState, v: Vma, a: number): boolean {
  const b = v.backing;
  if (b.kind === 'anon') return backingOf(mm).present(mm, v, a);
  if (b.kind === 'file' && b.cow && b.cow.copied.has(v.pgoff + (a - v.start) / PAGE)) return true;
  if (!mm.mappedShared.has(a)) return false;
  // Truncation unmaps pages past the new EOF from every mapping; a page that left the cache is unmapped too.
  const lim = objectEnd(mm, v);
  if (lim !== undefined && a >= lim) return false;
  const t = ZirconSpace.target(mm.zx, v, a);
  return t.offset + PAGE <= t.vmo.getSize() && t.vmo.pageState(t.offset) !== 'absent';
}

export function mapsContext(mm: MmState): MapsContext {
  return {
    vmas: mm.tree,
    startBrk: mm.startBrk,
    brk: mm.brkValue,
    startStack: mm.startStack,
    resident: (v, a) => resident(mm, v, a),
    uffdFlags: (v) => {
      const mode = mm.counters.uffd.get(v.uffd)?.mode ?? 0;
      return (mode & UffdRegisterMode.MISSING ? VM.UFFD_MISSING : 0) | (mode & UffdRegisterMode.WP ? VM.UFFD_WP : 0);
    },
    // Only pages that are populated can count, so a huge sparse VMA costs what is populated in it.
    pagesOf: (v) => populatedCandidates(mm, v),
    // Rss counts pages mapped in this VMA: committed private pages, and file/shmem pages with a page-table entry
    // (the shared zero page is not counted).
    mapped: (v, a) => pteMapped(mm, v, a),
    privateDirty: (v, a) => {
      if (v.backing.kind === 'anon') return backingOf(mm).present(mm, v, pageDown(a));
      if (v.backing.kind === 'file' && v.backing.cow) return v.backing.cow.copied.has(v.pgoff + (a - v.start) / PAGE);
      return false;
    },
  };
}

/** The VMAs, in order, as plain records. */
export function vmas(mm: MmState): Array<{ start: number; end: number; prot: number; shared: boolean; name: string | null; locked: boolean }> {
  const out = [];
  for (const v of mm.tree) {
    out.push({ start: v.start, end: v.end, prot: v.flags & 7, shared: (v.flags & VM.MAYSHARE) !== 0, name: v.anonName, locked: (v.flags & VM.LOCKED) !== 0 });
  }
  return out;
}
