/** Seeded generator of Linux call sequences inside the probe window (for the differential check). */
import type { LinuxOp, MapFlagName, ProtName } from '@memsim/linux-probe';
import { mulberry32 } from '@memsim/zircon-objects';

/** A seeded generator (mulberry32 from zircon-objects; the caller owns its state). */
export const rng = mulberry32;

const P = 4096;

export interface GenOptions {
  readonly ops: number;
  readonly pages: number;
  readonly anonName: boolean;
  /** Also generate boundary arguments (huge, negative, unaligned), brk, mlockall, rlimits, exec. */
  readonly edges?: boolean;
  /**
   * The mremap campaign: the whole mremap flag space (MAYMOVE, FIXED, DONTUNMAP and their combinations, invalid
   * bits) on whole and partial VMAs and overlapping ranges, lengths and offsets near 2^64 and near page
   * boundaries, memfd shared mappings at offsets, and a hash of the touched pages every few calls.
   */
  readonly remap?: boolean;
  /**
   * The Linux 6.10-6.13 interfaces too: mseal, MADV_GUARD_INSTALL / MADV_GUARD_REMOVE and MAP_DROPPABLE, and reads of
   * /proc/self/pagemap, PAGEMAP_SCAN, /proc/self/mem reads and writes and clear_refs (only for hosts that have them;
   * without this option the sequences of a seed are unchanged).
   */
  readonly features?: boolean;
}

/** One call of the new-interfaces mix (see {@link GenOptions.features}). */
function featureOp(r: () => number, page: () => number, len: () => number, w: { in?: string }): LinuxOp {
  const int = (n: number): number => Math.floor(r() * n);
  switch (int(9)) {
    case 0:
    case 1:
      return { op: 'mseal', ...w, addr: page() + (r() < 0.05 ? 1 : 0), length: r() < 0.05 ? 0 : len(), flags: r() < 0.05 ? 1 : 0 };
    case 2:
      return { op: 'madvise', ...w, addr: page(), length: len(), advice: r() < 0.6 ? 'GUARD_INSTALL' : 'GUARD_REMOVE' };
    case 3: {
      const flags: MapFlagName[] = ['DROPPABLE', 'ANONYMOUS'];
      if (r() < 0.6) flags.push('FIXED');
      if (r() < 0.1) flags.push(r() < 0.5 ? 'LOCKED' : 'POPULATE');
      return { op: 'mmap', ...w, addr: page(), length: len(), prot: ['READ', 'WRITE'], flags };
    }
    case 4:
      // /proc/self/pagemap (6.x bits: guard markers 58, exclusive 56 after fork): what the calls above left.
      return { op: 'pagemap', ...w, addr: page(), length: len() };
    case 5: {
      // PAGEMAP_SCAN (6.7): from the window's start or a page, with a category mask and inversion now and then.
      // WRITTEN is left out: on a page without a PTE it says whether Linux still has a page table there, history
      // that memsim does not keep (docs/linux-mm.md), and these long sequences empty tables often.
      const start = r() < 0.5 ? 0 : page();
      const cats = ['PRESENT', 'PFNZERO', 'FILE', 'SWAPPED', 'GUARD'] as const;
      const some = (): (typeof cats)[number][] => (r() < 0.6 ? [] : [cats[int(cats.length)]]);
      return { op: 'pagemap_scan', ...w, start, end: start + len(), category_mask: some(), category_anyof_mask: some(), category_inverted: some(), return_mask: 0x1fd, max_pages: r() < 0.2 ? 1 + int(3) : 0, ...(r() < 0.2 ? { vec_len: int(3) } : {}) };
    }
    case 6: {
      // /proc/self/mem (FOLL_FORCE): PROT_NONE and read-only memory, copy-on-write after forks, partial transfers.
      const addr = page() + (r() < 0.3 ? P - 8 : 0);
      const length = r() < 0.5 ? 16 : P + 16;
      return r() < 0.5 ? { op: 'proc_mem_read', ...w, addr, length } : { op: 'proc_mem_write', ...w, addr, fill: 1 + int(255), length };
    }
    case 7:
      return { op: 'clear_refs', ...w, value: int(7) };
    default:
      return { op: 'mprotect', ...w, addr: page(), length: len(), prot: r() < 0.5 ? ['READ'] : ['READ', 'WRITE'] };
  }
}

// Lengths near page boundaries and near 2^64 (huge ones fail before any effect on Linux, so the probe is safe).
const NEAR_PAGE: readonly (number | bigint)[] = [0, 1, 4095, 4096, 4097, 8191, 8192, 12288];
const NEAR_TOP: readonly bigint[] = [2n ** 64n - 1n, 2n ** 64n - 4096n, 2n ** 64n - 4097n, 2n ** 63n, 2n ** 63n - 4096n];
const REMAP_FLAGS: readonly (readonly (string | number)[])[] = [
  [], ['MAYMOVE'], ['FIXED'], ['DONTUNMAP'], ['MAYMOVE', 'FIXED'], ['MAYMOVE', 'DONTUNMAP'], ['FIXED', 'DONTUNMAP'],
  ['MAYMOVE', 'FIXED', 'DONTUNMAP'], ['MAYMOVE', 'FIXED', 'DONTUNMAP'], ['MAYMOVE', 8], [16],
];
// File offsets (bytes): small ones inside or past the file, and ones near the file size limit and 2^64 where
// Linux answers EOVERFLOW/ENOMEM/EINVAL (offsets the model cannot address but Linux maps are left out: see
// docs/conformance.md).
const FILE_OFFSETS: readonly (number | bigint)[] = [0, 4096, 3 * 4096, 7 * 4096, 12 * 4096, 100, 2n ** 63n - 4096n, 2n ** 63n, 2n ** 64n - 4096n];

/** One call of the mremap campaign (see {@link GenOptions.remap}). */
function remapOp(r: () => number, page: () => number, w: { in?: string }, memfd: boolean): LinuxOp {
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const pages = (): number => (1 + int(4)) * P;
  switch (int(6)) {
    case 0:
    case 1: {
      // Same-size moves, partial VMAs (old_address inside a VMA), overlapping and adjacent destinations.
      const at = page();
      const oldSize = r() < 0.2 ? pick(NEAR_PAGE) : pages();
      const flags = pick(REMAP_FLAGS);
      const newSize = r() < 0.6 ? oldSize : r() < 0.5 ? pick(NEAR_PAGE) : pages();
      const to = r() < 0.3 ? at + pick([-2, -1, 1, 2]) * P : page();
      return { op: 'mremap', ...w, old_address: at, old_size: oldSize, new_size: newSize, flags: [...flags] as never, new_address: r() < 0.05 ? to + 1 : Math.max(0, to) };
    }
    case 2: {
      // Lengths and addresses near 2^64: every one fails in the argument checks, in some order.
      const huge = (): number | bigint => pick(NEAR_TOP);
      return {
        op: 'mremap',
        ...w,
        old_address: pick([page(), page() + 1, { abs: 2n ** 64n - 4096n }, { abs: 2n ** 47n }]),
        old_size: r() < 0.5 ? huge() : pick(NEAR_PAGE),
        new_size: r() < 0.5 ? huge() : pick(NEAR_PAGE),
        flags: [...pick(REMAP_FLAGS)] as never,
        new_address: pick([page(), { abs: 2n ** 64n - 4096n }, { abs: 2n ** 47n - 4096n }, { abs: 2n ** 47n }]),
      };
    }
    case 3: {
      // Huge lengths on the other calls, where Linux rejects them (or stops at the first hole) before any effect.
      const op = pick(['mprotect', 'mlock', 'munlock', 'mincore', 'msync', 'madvise', 'munmap'] as const);
      const length = pick(NEAR_TOP);
      const addr = op === 'munmap' || op === 'madvise' ? pick([page(), { abs: 2n ** 64n - 4096n }, { abs: 2n ** 63n }]) : pick([page(), page() + 1, { abs: 2n ** 64n - 4096n }]);
      // A length that does not wrap (2^63) from a window address would let munmap/madvise reach the probe itself.
      const safeLength = (op === 'munmap' || op === 'madvise') && typeof addr === 'number' ? pick([2n ** 64n - 1n, 2n ** 64n - 4096n]) : length;
      if (op === 'mprotect') return { op, ...w, addr, length: safeLength, prot: ['READ'] };
      if (op === 'msync') return { op, ...w, addr, length: safeLength, flags: ['ASYNC'] };
      if (op === 'madvise') return { op, ...w, addr, length: safeLength, advice: pick(['DONTNEED', 'NORMAL', 'WILLNEED'] as const) };
      return { op, ...w, addr, length: safeLength };
    }
    case 4: {
      if (!memfd) return { op: 'hash', ...w, addr: page(), length: 2 * P };
      // memfd mappings at offsets, shared and private, with lengths near page boundaries and near 2^64.
      const length = r() < 0.25 ? pick<number | bigint>([...NEAR_TOP, 2n ** 47n, 0x7ffffffff000]) : r() < 0.3 ? pick(NEAR_PAGE) : pages();
      return {
        op: 'mmap',
        ...w,
        addr: page(),
        length,
        prot: pick<ProtName[]>([['READ'], ['READ', 'WRITE']]),
        flags: [pick(['SHARED', 'PRIVATE', 'SHARED_VALIDATE'] as const), ...(r() < 0.8 ? (['FIXED'] as const) : [])],
        fd: 'f',
        offset: pick(FILE_OFFSETS),
      };
    }
    default:
      // Page hashes of the moved and kept ranges.
      return { op: 'hash', ...w, addr: page(), length: pick([P, 2 * P, 4 * P]) };
  }
}

// Boundary values. Lengths that could reach past the window are only used where Linux rejects them before any
// effect (they would otherwise touch the probe's own memory, which the model does not have).
const HUGE: readonly (number | bigint)[] = [-1, -4096, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 47n, 0x7ffffffff000, 1, 4095];
const WRAP: readonly (number | bigint)[] = [-1, -4096, 2n ** 64n - 4096n, 1, 4095];

function edgeOp(r: () => number, page: () => number, w: { in?: string }): LinuxOp {
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  switch (int(12)) {
    case 0:
      return { op: pick(['munmap', 'mincore'] as const), ...w, addr: page(), length: pick(HUGE) };
    case 1:
      return { op: 'mprotect', ...w, addr: pick([page(), page() + 1, { abs: 2n ** 64n - 4096n }, { abs: 0x7ffffffff000 }, { abs: 2n ** 47n }]), length: pick([4096, ...WRAP]), prot: pick([['READ'], ['READ', 'GROWSDOWN', 'GROWSUP'], 0x10, ['GROWSUP']]) };
    case 2:
      return r() < 0.5
        ? { op: 'mmap', ...w, addr: pick([page() + 1, { abs: 2n ** 63n }, page()]), length: pick([4096, ...HUGE]), prot: ['READ'], flags: pick([['SHARED', 'PRIVATE', 'ANONYMOUS'], ['ANONYMOUS'], ['SHARED_VALIDATE', 'ANONYMOUS'], ['SHARED', 'ANONYMOUS', 'GROWSDOWN'], ['PRIVATE', 'ANONYMOUS', 0x800000]]) }
        : { op: 'mmap', ...w, addr: pick([page() + 1, page()]), length: pick([4096, 8192, 1, 4095]), prot: ['READ'], flags: pick([['PRIVATE', 'ANONYMOUS', 'FIXED'], ['PRIVATE', 'ANONYMOUS', 'FIXED_NOREPLACE'], ['PRIVATE', 'ANONYMOUS', 'LOCKED', 'FIXED'], ['PRIVATE', 'ANONYMOUS', 'FIXED', 'FIXED_NOREPLACE']]) };
    case 3:
      return { op: 'madvise', ...w, addr: pick([page(), page() + 1]), length: pick([0, 4096, ...WRAP]), advice: pick(['DONTNEED', 'NORMAL', 77, 'POPULATE_WRITE', 'WIPEONFORK'] as const) };
    case 4:
      return { op: 'mremap', ...w, old_address: pick([page(), page() + 1]), old_size: pick([0, 4096, 8192, ...HUGE]), new_size: pick([0, 4096, 8192, ...HUGE]), flags: pick([[], ['FIXED'], ['DONTUNMAP'], ['MAYMOVE'], 8, ['MAYMOVE', 'FIXED']]), new_address: pick([page(), page() + 1, { abs: 2n ** 62n }]) };
    case 5:
      return { op: 'msync', ...w, addr: pick([page(), page() + 1, { abs: 0 }]), length: pick([0, 4096, ...WRAP]), flags: pick([['SYNC'], 8, ['INVALIDATE']]) };
    case 6:
      return { op: 'brk', ...w, addr: pick([0, 4096, 100, 3 * 4096 + 5, 1 << 20, -4096, 1 << 30]) };
    case 7:
      // MCL_CURRENT would lock the probe's own memory too: only the flag validation and MCL_FUTURE are compared.
      return { op: 'mlockall', ...w, flags: pick([['FUTURE'], ['ONFAULT'], ['FUTURE', 'ONFAULT'], 0, 8]) };
    case 8:
      return { op: 'munlockall', ...w };
    case 9:
      return { op: 'mlock2', ...w, addr: page(), length: 4096, flags: pick([0, 2, ['ONFAULT']]) };
    case 10:
      return { op: 'mremap', ...w, old_address: page(), old_size: 0, new_size: pick([4096, 8192]), flags: pick([[], ['MAYMOVE']]) };
    default:
      return { op: 'mprotect', ...w, addr: page(), length: 3 * 4096, prot: ['READ', 'WRITE', 'GROWSDOWN'] };
  }
}

/** One scenario: a few hundred random calls over a small page range so they overlap a lot. */
export function generateScenario(seed: number, o: GenOptions): LinuxOp[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const page = (): number => int(o.pages) * P;
  const len = (): number => (1 + int(6)) * P - (r() < 0.1 ? int(P) : 0);
  const prot = (): ProtName[] => pick<ProtName[]>([['READ'], ['READ', 'WRITE'], ['NONE'], ['WRITE'], ['READ', 'EXEC'], ['READ', 'WRITE']]);
  const ops: LinuxOp[] = [];
  const procs = ['parent'];
  let forks = 0;
  let memfd = false;
  const inProc = (): { in?: string } => {
    const p = pick(procs);
    return p === 'parent' ? {} : { in: p };
  };
  if (r() < 0.5) {
    ops.push({ op: 'memfd_create', name: 'f', size: 8 * P });
    ops.push({ op: 'pwrite', fd: 'f', offset: 0, fill: 0x5a, length: 3 * P + 100 });
    memfd = true;
  }
  for (let i = 0; i < o.ops; i++) {
    const k = int(100);
    const w = inProc();
    if (o.features && r() < 0.2) ops.push(featureOp(r, page, len, w));
    else if (o.remap && (i % 6 === 5)) {
      // Every few calls: the maps and a hash of some pages, so a wrong move shows where it happened.
      ops.push(r() < 0.5 ? { op: 'maps', ...w } : { op: 'hash', ...w, addr: page(), length: 4 * P });
    } else if (o.remap && r() < 0.3) ops.push(remapOp(r, page, w, memfd));
    else if (k < 22) {
      const file = memfd && r() < 0.3;
      const kind = pick(['PRIVATE', 'PRIVATE', 'SHARED'] as const);
      const flags: MapFlagName[] = [kind];
      if (!file) flags.push('ANONYMOUS');
      const place = int(10);
      if (place < 6) flags.push('FIXED');
      else if (place < 8) flags.push('FIXED_NOREPLACE');
      if (r() < 0.08 && !file && kind === 'PRIVATE') flags.push('GROWSDOWN');
      if (r() < 0.08) flags.push('POPULATE');
      if (r() < 0.05) flags.push('NORESERVE');
      ops.push({
        op: 'mmap',
        ...w,
        addr: page(),
        length: r() < 0.03 ? 0 : len(),
        prot: prot(),
        flags,
        ...(file ? { fd: 'f', offset: int(6) * P } : {}),
      });
    } else if (k < 30) ops.push({ op: 'munmap', ...w, addr: page() + (r() < 0.05 ? 1 : 0), length: len() });
    else if (k < 42) {
      const p = prot();
      if (r() < 0.05) p.push('GROWSDOWN');
      ops.push({ op: 'mprotect', ...w, addr: page(), length: len(), prot: p });
    } else if (k < 52) {
      const advice = pick(['DONTNEED', 'FREE', 'REMOVE', 'WILLNEED', 'NORMAL', 'RANDOM', 'SEQUENTIAL', 'DONTFORK', 'DOFORK', 'WIPEONFORK', 'KEEPONFORK', 'HUGEPAGE', 'NOHUGEPAGE', 'COLD', 'PAGEOUT', 'POPULATE_READ', 'POPULATE_WRITE', 'DONTDUMP', 'DODUMP'] as const);
      ops.push({ op: 'madvise', ...w, addr: page(), length: len(), advice });
    } else if (k < 56) ops.push({ op: pick(['mlock', 'munlock'] as const), ...w, addr: page(), length: len() });
    else if (k < 58) ops.push({ op: 'mlock2', ...w, addr: page(), length: len(), flags: r() < 0.5 ? ['ONFAULT'] : [] });
    else if (k < 61) ops.push({ op: 'msync', ...w, addr: page(), length: len(), flags: pick([['ASYNC'], ['SYNC'], ['INVALIDATE'], [], ['ASYNC', 'SYNC']]) });
    else if (k < 68) {
      const f = pick([[], ['MAYMOVE'], ['MAYMOVE', 'FIXED'], ['MAYMOVE', 'DONTUNMAP']] as const);
      const oldSize = len();
      const newSize = f.includes('DONTUNMAP' as never) ? oldSize : r() < 0.1 ? 0 : len();
      ops.push({ op: 'mremap', ...w, old_address: page(), old_size: oldSize, new_size: newSize, flags: [...f], ...(f.includes('FIXED' as never) ? { new_address: page() } : {}) });
    } else if (k < 78) ops.push({ op: 'write', ...w, addr: page() + int(P), data: 'a5'.repeat(1 + int(16)) });
    else if (k < 84) ops.push({ op: pick(['hash', 'read'] as const), ...w, addr: page(), length: r() < 0.5 ? 16 : P + int(P) });
    else if (k < 87) ops.push({ op: 'mincore', ...w, addr: page(), length: len() });
    else if (k < 89) ops.push({ op: 'process_vm_readv', ...w, addr: page(), length: 2 * P + int(P) });
    else if (k < 90) ops.push({ op: 'kernel_write', ...w, addr: page(), data: '11'.repeat(8) });
    else if (k < 92 && forks < 2) {
      forks++;
      const name = `c${forks}`;
      ops.push({ op: 'fork', ...w, child: name });
      procs.push(name);
    } else if (k < 93 && o.anonName) ops.push({ op: 'prctl_set_vma_anon_name', ...w, addr: page(), length: len(), name: pick(['x', 'heap thing', null, 'bad$']) });
    else if (k < 94 && memfd) ops.push({ op: 'ftruncate', fd: 'f', size: int(10) * P + (r() < 0.5 ? 123 : 0) });
    else if (k < 96 && o.edges) ops.push(edgeOp(r, page, w));
    else ops.push(r() < 0.3 ? { op: 'smaps', ...w } : { op: 'maps', ...w });
  }
  for (const p of procs) ops.push(p === 'parent' ? { op: 'maps' } : { op: 'maps', in: p });
  return ops;
}
