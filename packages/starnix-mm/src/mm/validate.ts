/**
 * validate_mm for memsim: the invariants that tie the Linux view of an address space (the VMA tree, counters,
 * userfaultfd and per-page sets) to its Zircon view (the user VMAR's mappings and the VMOs under them).
 *
 * One call costs O(VMAs + Zircon mappings + entries of the sparse page sets): it never walks the pages of a range,
 * only what `Vmo.presentPages` and the sets hold, so it can run after every system call in tests and fuzzing.
 */
import { MapsType, type Vmar, type Vmo } from '@memsim/zircon-objects';
import { PAGE, VM } from '../abi/constants.js';
import type { AnonObject, Vma } from '../vma/vma.js';

/**
 * A broken address-space invariant, found by {@link MemoryManager.validate} or by the check after every call that
 * `MemoryManager.create(kernel, { validate: true })` (or `MEMSIM_VALIDATE=1`) turns on.
 *
 * @public
 */
export class MmInvariantError extends Error {
  /** The invariant's name, e.g. `"zircon-mapping-covers-vma"` (the table is in docs/validate.md). */
  readonly invariant: string;
  /** The call after which the check ran, e.g. `"mmap(0x100000000000, 4096, 3, 34, -1, 0)"`. */
  readonly call: string;

  constructor(invariant: string, call: string, detail: string) {
    super(`invariant ${invariant} broken by ${call}: ${detail}`);
    this.name = 'MmInvariantError';
    this.invariant = invariant;
    this.call = call;
  }
}

/** What validate reads of one address space (the memory manager hands out its private parts only here). */
export interface MmView {
  readonly vmas: Iterable<Vma>;
  readonly minAddr: number;
  readonly taskSize: number;
  readonly vmar: Vmar;
  /** The single private anonymous VMO ('single' design), else null. */
  readonly anonVmo: Vmo | null;
  /** The per-mapping design's private anonymous objects (empty in 'single'). */
  readonly anonObjects: ReadonlySet<AnonObject>;
  readonly totalVm: number;
  readonly lockedVm: number;
  readonly dataVm: number;
  /** The Zircon object and offset the mapping at `addr` of `v` must use. */
  mapTarget(v: Vma, addr: number): { vmo: Vmo; offset: number };
  /** Zircon permissions for Linux VM_* flags. */
  perms(flags: number): number;
  /** Whether `id` names a live userfaultfd registration. */
  uffdRegistered(id: number): boolean;
  /** Whether mseal ever sealed a VMA here (the unmapping calls skip the seal walk until then). */
  readonly everSealed: boolean;
  /** Guard-marker ranges (sorted, disjoint). */
  readonly guards: readonly (readonly [number, number])[];
  /** Pinned (mlocked) ranges. */
  readonly pins: readonly { start: number; end: number }[];
  /** The ranges whose present, untouched pages a fork left shared (sorted, disjoint): inside private anonymous VMAs. */
  readonly forkShared: readonly (readonly [number, number])[];
  /** How many pages are fork-shared now (the atomicity check compares it). */
  forkSharedPages(): number;
  /** Per-page sets keyed by page address, and the VMA kinds each may refer to. */
  readonly pageSets: readonly { name: string; pages: ReadonlySet<number>; anonOnly?: boolean; sharedOnly?: boolean }[];
}

const isData = (flags: number): boolean => (flags & (VM.WRITE | VM.SHARED | VM.GROWSDOWN)) === VM.WRITE;
const hex = (n: number): string => `0x${n.toString(16)}`;
/** A VMA as failure messages name it (formatted only on failure: doing it for every VMA costs more than the checks). */
const vmaName = (v: Vma): string => `VMA ${hex(v.start)}-${hex(v.end)}`;

/** One Zircon mapping of the user VMAR, as ZX_INFO_VMAR_MAPS reports it. */
interface ZxMapping {
  base: number;
  size: number;
  perms: number;
  koid: number;
  offset: number;
  committed: number;
}

function zirconMappings(vmar: Vmar, fail: (inv: string, detail: string) => never): ZxMapping[] {
  const out: ZxMapping[] = [];
  for (const r of vmar.mapsInfo().records) {
    if (r.depth === 0) continue;
    if (r.type !== MapsType.MAPPING || r.depth !== 1 || !r.mapping) fail('user-vmar-flat', `unexpected ${r.type === MapsType.VMAR ? 'sub-VMAR' : 'record'} at ${hex(r.base)}`);
    out.push({ base: r.base, size: r.size, perms: r.mapping.mmuFlags, koid: r.mapping.vmoKoid, offset: r.mapping.vmoOffset, committed: r.mapping.committedBytes });
  }
  return out;
}

/** Finds the VMA containing `addr` in a sorted array (binary search). */
function vmaAt(vmas: readonly Vma[], addr: number): Vma | undefined {
  let lo = 0;
  let hi = vmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vmas[mid].end <= addr) lo = mid + 1;
    else hi = mid;
  }
  const v = vmas[lo];
  return v !== undefined && v.start <= addr ? v : undefined;
}

/**
 * Checks every invariant; throws {@link MmInvariantError} naming the first broken one and `call`.
 */
export function validateMm(view: MmView, call: string): void {
  const fail: (inv: string, detail: string) => never = (inv, detail) => {
    throw new MmInvariantError(inv, call, detail);
  };
  const vmas = [...view.vmas];
  // VMAs: page-aligned, non-empty, inside the usable range, sorted and disjoint. Whether neighbours are merged is
  // not an invariant here: Linux itself leaves mergeable neighbours apart in several cases (a fault attaching an
  // anon_vma, some mremap and mmap paths), so merging is judged by the maps lines the differential tests compare
  // with the live kernel.
  let total = 0;
  let locked = 0;
  let data = 0;
  for (let i = 0; i < vmas.length; i++) {
    const v = vmas[i];
    if (v.start % PAGE !== 0 || v.end % PAGE !== 0) fail('vma-page-aligned', vmaName(v));
    if (!(v.start < v.end)) fail('vma-non-empty', vmaName(v));
    if (v.start < view.minAddr || v.end > view.taskSize) fail('vma-in-user-range', `${vmaName(v)} outside ${hex(view.minAddr)}-${hex(view.taskSize)}`);
    if (!Number.isSafeInteger(v.pgoff) || v.pgoff < 0) fail('vma-pgoff', `${vmaName(v)} pgoff ${String(v.pgoff)}`);
    const prev = vmas[i - 1];
    if (prev) {
      if (prev.end > v.start) fail('vmas-sorted-disjoint', `${hex(prev.start)}-${hex(prev.end)} overlaps or follows ${vmaName(v)}`);
    }
    if (v.uffd !== 0 && !view.uffdRegistered(v.uffd)) fail('uffd-registration-exists', `${vmaName(v)} refers to unknown registration ${v.uffd}`);
    const pages = (v.end - v.start) / PAGE;
    total += pages;
    if (v.flags & VM.LOCKED) locked += pages;
    if (isData(v.flags)) data += pages;
  }
  // Counters: mm->total_vm, locked_vm and data_vm are the sums over the VMAs.
  if (view.totalVm !== total) fail('total-vm', `counter ${view.totalVm} pages, VMAs ${total}`);
  if (view.lockedVm !== locked) fail('locked-vm', `counter ${view.lockedVm} pages, locked VMAs ${locked}`);
  if (view.dataVm !== data) fail('data-vm', `counter ${view.dataVm} pages, data VMAs ${data}`);

  // The Zircon view: the user VMAR maps exactly the VMAs, each piece with the VMA's permissions and backing.
  const koids = new Map<Vmo, number>();
  const koidOf = (vmo: Vmo): number => {
    let k = koids.get(vmo);
    if (k === undefined) {
      k = vmo.info().koid;
      koids.set(vmo, k);
    }
    return k;
  };
  let covered = 0;
  for (const m of zirconMappings(view.vmar, fail)) {
    const mEnd = m.base + m.size;
    for (let at = m.base; at < mEnd; ) {
      const v = vmaAt(vmas, at);
      if (!v) fail('no-zircon-mapping-outside-vma', `Zircon mapping ${hex(m.base)}-${hex(mEnd)} maps ${hex(at)}, which no VMA holds`);
      const pieceEnd = Math.min(mEnd, v.end);
      const want = view.mapTarget(v, at);
      const got = m.offset + (at - m.base);
      if (koidOf(want.vmo) !== m.koid || want.offset !== got) {
        fail('zircon-mapping-backing', `${hex(at)} of VMA ${hex(v.start)}-${hex(v.end)} maps VMO ${m.koid} offset ${hex(got)}, expected VMO ${koidOf(want.vmo)} offset ${hex(want.offset)}`);
      }
      // The mapping is linear: its last page must agree as well (a VMA whose backing jumps needs its own mapping).
      const last = pieceEnd - PAGE;
      if (last > at) {
        const w2 = view.mapTarget(v, last);
        if (koidOf(w2.vmo) !== m.koid || w2.offset !== m.offset + (last - m.base)) fail('zircon-mapping-backing', `${hex(last)} of VMA ${hex(v.start)}-${hex(v.end)} is not where the Zircon mapping puts it`);
      }
      if (view.perms(v.flags) !== m.perms) fail('zircon-mapping-perms', `${hex(at)}-${hex(pieceEnd)}: Zircon perms ${m.perms}, VMA flags ${hex(v.flags)} imply ${view.perms(v.flags)}`);
      covered += pieceEnd - at;
      at = pieceEnd;
    }
  }
  if (covered !== total * PAGE) {
    // Some VMA has a hole in its Zircon mapping: name the first one.
    for (const v of vmas) {
      if (!view.vmar.mapsInfo().records.some((r) => r.depth === 1 && r.base <= v.start && r.base + r.size > v.start)) {
        fail('zircon-mapping-covers-vma', `VMA ${hex(v.start)}-${hex(v.end)} has no Zircon mapping at ${hex(v.start)}`);
      }
    }
    fail('zircon-mapping-covers-vma', `Zircon mappings cover ${covered} bytes of ${total * PAGE} bytes of VMAs`);
  }

  if (view.anonVmo) {
    // Private anonymous pages are committed only under private anonymous VMAs (else nothing can reach them).
    const anonSize = view.anonVmo.getSize();
    for (const p of view.anonVmo.presentPages(0, anonSize)) {
      const v = vmaAt(vmas, p);
      if (!v || v.backing.kind !== 'anon') fail('anon-pages-reachable', `private anonymous page ${hex(p)} is committed outside every private anonymous VMA`);
    }
  }
  // Each private anonymous VMA uses the design's objects: the single VMO, or a live VMO of its own address space
  // (per-mapping), never another address space's.
  const users = new Map<AnonObject, number>();
  for (const v of vmas) {
    if (v.backing.kind !== 'anon') continue;
    const obj = v.backing.obj;
    if ((obj === undefined) !== (view.anonVmo !== null)) fail('anon-backing-design', `VMA ${hex(v.start)}-${hex(v.end)} does not use its address space's design`);
    if (obj && !view.anonObjects.has(obj)) fail('anon-backing-design', `VMA ${hex(v.start)}-${hex(v.end)} maps VMO ${obj.id}, which its address space does not hold`);
    if (obj) users.set(obj, (users.get(obj) ?? 0) + 1);
  }
  // 'per-mapping': the tree's count of each VMO's VMAs is right, and a VMO no VMA maps was closed when its call ended.
  for (const obj of view.anonObjects) {
    const n = users.get(obj) ?? 0;
    if (obj.refs !== n) fail('anon-backing-design', `VMO ${obj.id} is counted as mapped by ${obj.refs} VMAs, but ${n} map it`);
    if (n === 0) fail('anon-backing-design', `VMO ${obj.id} is held after its call although no VMA maps it`);
  }
  // Per-page sets (zero-page PTEs, PTEs of shared pages, userfaultfd markers) only name pages of live VMAs.
  for (const s of view.pageSets) {
    for (const p of s.pages) {
      const v = vmaAt(vmas, p);
      if (!v) fail('page-state-in-vma', `${s.name} holds ${hex(p)}, which no VMA maps`);
      if (s.anonOnly && v.backing.kind !== 'anon') fail('page-state-in-vma', `${s.name} holds ${hex(p)} of a ${v.backing.kind} VMA`);
      if (s.sharedOnly && v.backing.kind === 'anon') fail('page-state-in-vma', `${s.name} holds ${hex(p)} of a private anonymous VMA`);
    }
  }
  // The ranges fork left shared pages in lie inside private anonymous VMAs: unmapping or freeing takes them away.
  for (const [fs, fe] of view.forkShared) {
    for (let at = fs; at < fe; ) {
      const v = vmaAt(vmas, at);
      if (!v) fail('page-state-in-vma', `fork-shared anonymous pages hold ${hex(at)}, which no VMA maps`);
      if (v.backing.kind !== 'anon') fail('page-state-in-vma', `fork-shared anonymous pages hold ${hex(at)} of a ${v.backing.kind} VMA`);
      at = v.end;
    }
  }
  // Guard markers (MADV_GUARD_INSTALL) lie inside VMAs: munmap, MAP_FIXED and mremap take them along or away.
  for (const [gs, ge] of view.guards) {
    if (gs % PAGE !== 0 || ge % PAGE !== 0 || !(gs < ge)) fail('guard-ranges', `guard range ${hex(gs)}-${hex(ge)}`);
    for (let at = gs; at < ge; ) {
      const v = vmaAt(vmas, at);
      if (!v) fail('guard-in-vma', `guard marker at ${hex(at)}, which no VMA maps`);
      at = v.end;
    }
  }
  for (const v of vmas) {
    // mseal: the unmapping calls look for seals only once the address space has sealed something.
    if (v.flags & VM.SEALED && !view.everSealed) fail('sealed-known', `${vmaName(v)} is sealed but the address space never sealed anything`);
    if (v.flags & VM.DROPPABLE) {
      // MAP_DROPPABLE: private anonymous, never locked, always wipe-on-fork.
      if (v.backing.kind !== 'anon' || v.flags & (VM.LOCKED | VM.LOCKONFAULT) || !(v.flags & VM.WIPEONFORK)) fail('droppable-vma', `${vmaName(v)} flags ${hex(v.flags)} backing ${v.backing.kind}`);
    }
  }
  // Pins (what mlock holds in the shadow process) lie inside VM_LOCKED VMAs.
  for (const pin of view.pins) {
    const v = vmaAt(vmas, pin.start);
    if (!v || !(v.flags & VM.LOCKED) || pin.end > v.end) fail('pins-in-locked-vmas', `pinned ${hex(pin.start)}-${hex(pin.end)} is not inside one locked VMA`);
  }
}

/**
 * A comparable picture of an address space for the atomicity check: VMAs with every attribute, the Zircon mappings
 * with their committed bytes, the counters and the pins. O(VMAs + mappings).
 */
export function snapshotMm(view: MmView): string {
  const parts: string[] = [];
  for (const v of view.vmas) {
    const b = v.backing;
    const obj = b.kind === 'anon' ? (b.obj ? `anon:${b.obj.id}` : 'anon') : b.kind === 'shmem' ? `shmem:${b.obj.inode}` : `file:${b.file.inode}:${b.cow ? b.cow.id : '-'}`;
    parts.push(`${hex(v.start)}-${hex(v.end)} ${v.flags} ${v.pgoff} ${obj} ${v.anonVma} ${v.anonName ?? ''} ${v.uffd}`);
  }
  for (const r of view.vmar.mapsInfo().records) {
    if (r.depth === 0 || !r.mapping) continue;
    parts.push(`zx ${hex(r.base)}+${hex(r.size)} ${r.mapping.mmuFlags} ${r.mapping.vmoKoid}@${hex(r.mapping.vmoOffset)} c${r.mapping.committedBytes}`);
  }
  parts.push(`vm ${view.totalVm} ${view.lockedVm} ${view.dataVm}`);
  parts.push(`pins ${view.pins.map((p) => `${hex(p.start)}-${hex(p.end)}`).join(',')}`);
  for (const s of view.pageSets) parts.push(`${s.name} ${s.pages.size}`);
  parts.push(`fork-shared anonymous pages ${view.forkSharedPages()}`);
  parts.push(`guards ${view.guards.map(([s, e]) => `${hex(s)}-${hex(e)}`).join(',')}`);
  return parts.join('\n');
}

/** The first differing line of two snapshots, for the failure message. */
export function snapshotDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `before: ${a[i] ?? '(none)'} / after: ${b[i] ?? '(none)'}`;
  return '';
}
