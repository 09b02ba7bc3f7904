import fc from 'fast-check';

/**
 * One generated Linux call: the probe's op and its arguments.
 * @public
 */
export interface FuzzOp {
  readonly op: string;
  readonly args: Readonly<Record<string, string | number | readonly string[]>>;
  /** The fork child that makes the call (default: the first process). */
  readonly in?: string;
}

const PAGE = 0x1000;
/** Calls stay in a 16-page area of the window so they collide often (splits, merges, holes). */
const AREA = 16;

const page = fc.integer({ min: 0, max: AREA - 1 });
const pages = fc.integer({ min: 1, max: 4 });
const prot = fc.subarray(['READ', 'WRITE'] as const).map((p) => (p.length === 0 ? ['NONE'] : [...p]));

const mmap = fc.record({ at: page, n: pages, prot, shared: fc.boolean() }).map(
  ({ at, n, prot: p, shared }): FuzzOp => ({
    op: 'mmap',
    args: { addr: at * PAGE, length: n * PAGE, prot: p, flags: [shared ? 'SHARED' : 'PRIVATE', 'ANONYMOUS', 'FIXED'] },
  }),
);
const range = (op: string, extra: fc.Arbitrary<Record<string, string | number | readonly string[]>>) =>
  fc.record({ at: page, n: pages, extra }).map(({ at, n, extra: e }): FuzzOp => ({ op, args: { addr: at * PAGE, length: n * PAGE, ...e } }));

const munmap = range('munmap', fc.constant({}));
const mprotect = range('mprotect', prot.map((p) => ({ prot: p })));
const madvise = range('madvise', fc.constantFrom('DONTNEED', 'NORMAL', 'WILLNEED', 'FREE', 'GUARD_INSTALL', 'GUARD_REMOVE').map((a) => ({ advice: a })));
// Linux 6.10-6.13 interfaces: mseal (the probe runs each sequence in its own process, so sealing stays there) and
// MAP_DROPPABLE mappings.
const mseal = range('mseal', fc.constantFrom(0, 0, 0, 1).map((f) => ({ flags: f })));
const droppable = fc.record({ at: page, n: pages, prot }).map(
  ({ at, n, prot: p }): FuzzOp => ({ op: 'mmap', args: { addr: at * PAGE, length: n * PAGE, prot: p, flags: ['DROPPABLE', 'ANONYMOUS', 'FIXED'] } }),
);
const mlock = range('mlock', fc.constant({}));
const mincore = range('mincore', fc.constant({}));
// /proc/self/pagemap (bits 55-63): present, zero page, exclusive, file/shmem, markers (guards), soft-dirty.
const pagemap = range('pagemap', fc.constant({}));
// PAGEMAP_SCAN (Linux 6.7) over a range (often the whole area and the mremap destinations), aligned or not, with
// category masks (often none), inversion, max_pages, a small vec_len and the flags (WP_MATCHING skips VMAs without
// WP_ASYNC; CHECK_WPASYNC fails on them; 4 is no flag).
const noCategory = fc.constant<readonly string[]>([]);
const category = fc.oneof(
  { weight: 3, arbitrary: noCategory },
  { weight: 2, arbitrary: fc.constantFrom<readonly string[]>(['PRESENT'], ['WRITTEN'], ['PFNZERO'], ['FILE'], ['SWAPPED', 'GUARD'], ['SOFT_DIRTY']) },
);
const pagemapScan = fc
  .record({
    at: page,
    n: pages,
    whole: fc.boolean(),
    skew: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, -0x1001),
    flags: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4),
    mask: category,
    anyof: category,
    inverted: fc.constantFrom<readonly string[]>([], [], [], ['PRESENT'], ['WRITTEN', 'PFNZERO']),
    ret: fc.constantFrom<readonly string[]>(['WPALLOWED', 'WRITTEN', 'FILE', 'PRESENT', 'SWAPPED', 'PFNZERO', 'HUGE', 'SOFT_DIRTY', 'GUARD'], ['PRESENT', 'WRITTEN'], []),
    max: fc.constantFrom(0, 0, 0, 1, 3),
    vec: fc.constantFrom(-1, -1, -1, 0, 1, 2),
  })
  .map(({ at, n, whole, skew, flags, mask, anyof, inverted, ret, max, vec }): FuzzOp => {
    // skew 1: an unaligned start (EINVAL); -0x1001: an unaligned end, or one before the start (EFAULT).
    const first = whole ? 0 : at * PAGE;
    const start = first + (skew === 1 ? 1 : 0);
    const end = (whole ? 2 * AREA * PAGE : first + n * PAGE) + (skew < 0 ? skew : 0);
    const args = { start, end: Math.max(0, end), flags, category_mask: mask, category_anyof_mask: anyof, category_inverted: inverted, return_mask: ret, max_pages: max };
    return { op: 'pagemap_scan', args: vec < 0 ? args : { ...args, vec_len: vec } };
  });
// /proc/self/mem (FOLL_FORCE): reads and writes through PROT_NONE, read-only and guarded pages, across page ends.
const procMem = fc
  .record({ at: page, off: fc.constantFrom(0, 8, PAGE - 8), n: fc.constantFrom(1, 16, PAGE, PAGE + 16), write: fc.boolean(), fill: fc.integer({ min: 1, max: 255 }) })
  .map(({ at, off, n, write: w, fill }): FuzzOp => ({ op: w ? 'proc_mem_write' : 'proc_mem_read', args: w ? { addr: at * PAGE + off, fill, length: n } : { addr: at * PAGE + off, length: n } }));
// /proc/self/clear_refs: 1-5, and 0 and 6 (EINVAL).
const clearRefs = fc.constantFrom(0, 1, 2, 3, 4, 4, 5, 6).map((value): FuzzOp => ({ op: 'clear_refs', args: { value } }));
const write = fc
  .record({ at: page, off: fc.integer({ min: 0, max: PAGE - 16 }), fill: fc.integer({ min: 1, max: 255 }) })
  .map(({ at, off, fill }): FuzzOp => ({ op: 'write', args: { addr: at * PAGE + off, fill, length: 16 } }));
const hash = page.map((at): FuzzOp => ({ op: 'hash', args: { addr: at * PAGE, length: PAGE } }));
const mremap = fc
  .record({ at: page, n: pages, m: pages, move: fc.boolean(), to: page })
  .map(({ at, n, m, move, to }): FuzzOp => ({
    op: 'mremap',
    args: move
      ? { old_address: at * PAGE, old_size: n * PAGE, new_size: m * PAGE, flags: ['MAYMOVE', 'FIXED'], new_address: (AREA + to) * PAGE }
      : { old_address: at * PAGE, old_size: n * PAGE, new_size: m * PAGE },
  }));

// The whole mremap flag space (invalid bits too), on whole and partial VMAs, with overlapping, adjacent and distant
// destinations, and lengths near page boundaries.
const REMAP_FLAGS: readonly (readonly string[])[] = [
  [], ['MAYMOVE'], ['FIXED'], ['DONTUNMAP'], ['MAYMOVE', 'FIXED'], ['MAYMOVE', 'DONTUNMAP'], ['FIXED', 'DONTUNMAP'], ['MAYMOVE', 'FIXED', 'DONTUNMAP'],
];
const nearPage = fc.constantFrom(0, 1, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000);
const mremapAny = fc
  .record({
    at: page,
    sub: fc.integer({ min: 0, max: 2 }),
    n: fc.oneof(pages.map((k) => k * PAGE), nearPage),
    m: fc.oneof(fc.constant(-1), pages.map((k) => k * PAGE), nearPage),
    flags: fc.constantFrom(...REMAP_FLAGS),
    to: fc.integer({ min: -2, max: 2 * AREA }),
  })
  .map(({ at, sub, n, m, flags, to }): FuzzOp => ({
    op: 'mremap',
    args: { old_address: (at + sub) * PAGE, old_size: n, new_size: m < 0 ? n : m, flags: [...flags], new_address: Math.max(0, at + to) * PAGE },
  }));
// Lengths and addresses near 2^64 (as expressions, which scenarios evaluate exactly): every call fails its argument
// checks on Linux before any effect, so the order of those checks is what is compared.
const NEAR_TOP = ['${UINT64_MAX}', '${UINT64_MAX - 0xfff}', '${UINT64_MAX - 0x1000}', '${0x8000000000000000}'];
const top = fc.constantFrom(...NEAR_TOP);
const huge = fc.oneof(
  fc.record({ at: page, len: top, flags: fc.constantFrom(...REMAP_FLAGS), m: fc.oneof(top, nearPage) }).map(
    ({ at, len, flags, m }): FuzzOp => ({ op: 'mremap', args: { old_address: at * PAGE, old_size: len, new_size: m, flags: [...flags], new_address: (AREA + at) * PAGE } }),
  ),
  fc.record({ op: fc.constantFrom('mprotect', 'mlock', 'munlock', 'mincore', 'msync'), at: page, len: top }).map(({ op, at, len }): FuzzOp => {
    const extra: Record<string, readonly string[]> = op === 'mprotect' ? { prot: ['READ'] } : op === 'msync' ? { flags: ['ASYNC'] } : {};
    return { op, args: { addr: at * PAGE, length: len, ...extra } };
  }),
  // munmap and madvise only with lengths that wrap: a length that does not would reach the probe's own memory.
  fc.record({ op: fc.constantFrom('munmap', 'madvise'), at: page, len: fc.constantFrom(NEAR_TOP[0], NEAR_TOP[1]) }).map(
    ({ op, at, len }): FuzzOp => ({ op, args: { addr: at * PAGE, length: len, ...(op === 'madvise' ? { advice: 'DONTNEED' } : {}) } }),
  ),
);
// memfd mappings (the file is created by every sequence's first call) at offsets inside and past the file and near
// the file size limit, shared and private, with lengths near page boundaries and near 2^64.
const OFFSETS = [0, 0x1000, 0x3000, 0x7000, 0xc000, '${0x8000000000000000 - 0x1000}', '${0x8000000000000000}', '${UINT64_MAX - 0xfff}'];
const memfdMap = fc
  .record({
    at: page,
    len: fc.oneof({ weight: 4, arbitrary: pages.map((k) => k * PAGE) }, { weight: 1, arbitrary: nearPage }, { weight: 1, arbitrary: top }),
    prot,
    kind: fc.constantFrom('SHARED', 'PRIVATE', 'SHARED_VALIDATE'),
    off: fc.constantFrom(...OFFSETS),
  })
  .map(({ at, len, prot: p, kind, off }): FuzzOp => ({ op: 'mmap', args: { addr: at * PAGE, length: len, prot: p, flags: [kind, 'FIXED'], fd: 'f', offset: off } }));
const maps: fc.Arbitrary<FuzzOp> = fc.constant({ op: 'maps', args: {} });

// userfaultfd (issue 27). A sequence with any of these calls starts by creating the fd "uffd" and doing the API
// handshake (see UFFD_PROLOGUE). Nothing may block the single-threaded probe, so:
// - every feature set has SIGBUS: an access (or an mlock/populate) to a missing page of a MISSING range, or a write
//   to a write-protected page of a WP range, then raises SIGBUS (the probe reports it as a fault) instead of
//   sleeping in handle_userfault until a manager resolves it; no sequence reads the fd, as a single thread could
//   never both fault and resolve;
// - no EVENT_FORK / EVENT_REMAP / EVENT_REMOVE / EVENT_UNMAP: with them fork, mremap, madvise(DONTNEED) and munmap
//   of a registered range wait until the manager reads the event;
// - no kernel-mode access of the window (process_vm_readv, kernel_read, ...): with SIGBUS it fails with EFAULT, but
//   it stays out of the mix so that a feature set without SIGBUS could never be a hang;
// - MINOR mode is left out (it needs shmem or hugetlbfs pages and UFFDIO_CONTINUE, which the probe does not have).
const UFFD_FEATURE_SETS: readonly (readonly string[])[] = [
  ['SIGBUS', 'MOVE'],
  ['SIGBUS', 'MOVE'],
  ['SIGBUS', 'MOVE'],
  ['SIGBUS'],
  ['SIGBUS', 'MOVE', 'THREAD_ID', 'EXACT_ADDRESS'],
  ['SIGBUS', 'MOVE', 'WP_UNPOPULATED'],
  ['SIGBUS', 'MOVE', 'PAGEFAULT_FLAG_WP', 'MISSING_SHMEM'],
];
const UFFD_OPS = new Set(['uffd_register', 'uffd_unregister', 'uffd_copy', 'uffd_zeropage', 'uffd_move', 'uffd_writeprotect']);
// Lengths of fills and moves: whole pages mostly, sometimes unaligned or empty (EINVAL before any effect).
const uffdLen = fc.oneof(
  { weight: 3, arbitrary: fc.constant(PAGE) },
  { weight: 4, arbitrary: pages.map((k) => k * PAGE) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0x800, 0x1001) },
);
const uffdRegister = range('uffd_register', fc.constantFrom(['MISSING'], ['MISSING'], ['MISSING'], ['MISSING', 'WP'], ['WP']).map((m) => ({ mode: m })));
const uffdUnregister = range('uffd_unregister', fc.constant({}));
// Half the fills and moves aim at the upper half of the area, which most sequences register (see uffdSetup), from the
// lower half.
const HALF = AREA / 2;
const upper = fc.oneof(page, fc.integer({ min: HALF, max: AREA - 1 }));
const lower = fc.oneof(page, fc.integer({ min: 0, max: HALF - 1 }));
const uffdCopy = fc
  .record({ at: upper, len: uffdLen, fill: fc.integer({ min: 1, max: 255 }), dontwake: fc.boolean() })
  .map(({ at, len, fill, dontwake }): FuzzOp => ({ op: 'uffd_copy', args: { addr: at * PAGE, fill, length: len, ...(dontwake ? { mode: ['DONTWAKE'] } : {}) } }));
const uffdZeropage = fc
  .record({ at: upper, len: uffdLen, dontwake: fc.boolean() })
  .map(({ at, len, dontwake }): FuzzOp => ({ op: 'uffd_zeropage', args: { addr: at * PAGE, length: len, ...(dontwake ? { mode: ['DONTWAKE'] } : {}) } }));
// Moves between pages of the same small area: the ranges often overlap, the sources are often missing (holes) or
// shared with a fork child (EBUSY), and the destinations often present (EEXIST) or not registered (EINVAL).
const uffdMove = fc
  .record({ to: upper, from: lower, len: uffdLen, mode: fc.subarray(['ALLOW_SRC_HOLES', 'DONTWAKE'] as const) })
  .map(({ to, from, len, mode }): FuzzOp => ({ op: 'uffd_move', args: { addr: to * PAGE, src: from * PAGE, length: len, ...(mode.length > 0 ? { mode: [...mode] } : {}) } }));
const uffdWriteprotect = range('uffd_writeprotect', fc.constantFrom(['WP'], []).map((m) => ({ mode: m })));
// A fork child shares the parent's anonymous pages (a move from one is EBUSY); it runs no call itself. Its name is
// given when the sequence is built (each fork needs its own).
const fork: fc.Arbitrary<FuzzOp> = fc.constant({ op: 'fork', args: {} });
const uffd = fc.oneof(
  { weight: 3, arbitrary: uffdRegister },
  { weight: 1, arbitrary: uffdUnregister },
  { weight: 2, arbitrary: uffdCopy },
  { weight: 1, arbitrary: uffdZeropage },
  { weight: 4, arbitrary: uffdMove },
  { weight: 1, arbitrary: uffdWriteprotect },
  { weight: 1, arbitrary: fork },
  { weight: 1, arbitrary: write },
  { weight: 1, arbitrary: hash },
);

/**
 * How a sequence with userfaultfd calls starts: the fd "uffd" and its API handshake with `features`, the whole area
 * mapped private anonymous read-write with `written` pages present, and `reg` pages from `at` registered with `mode`
 * (so that most later fills and moves reach the interesting cases rather than fail on an unmapped range).
 */
interface UffdSetup {
  readonly features: readonly string[];
  readonly written: readonly number[];
  readonly at: number;
  readonly reg: number;
  readonly mode: readonly string[];
  /** A fork right after the writes, so that the pages written are shared with the child (moves from them: EBUSY). */
  readonly fork: boolean;
}
const uffdSetup: fc.Arbitrary<UffdSetup> = fc.record({
  features: fc.constantFrom(...UFFD_FEATURE_SETS),
  written: fc.uniqueArray(page, { maxLength: 10 }),
  // The upper half (most often), or any range.
  at: fc.oneof({ weight: 2, arbitrary: fc.constant(AREA / 2) }, { weight: 1, arbitrary: page }),
  reg: fc.oneof({ weight: 2, arbitrary: fc.constant(AREA / 2) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: AREA }) }),
  mode: fc.constantFrom(['MISSING'], ['MISSING'], ['MISSING', 'WP']),
  fork: fc.constantFrom(false, false, false, true),
});

/** The calls that open every sequence with userfaultfd calls (see {@link UffdSetup}). */
function uffdPrologue(s: UffdSetup): FuzzOp[] {
  return [
    { op: 'uffd_create', args: {} },
    { op: 'uffd_api', args: { features: [...s.features] } },
    { op: 'mmap', args: { addr: 0, length: AREA * PAGE, prot: ['READ', 'WRITE'], flags: ['PRIVATE', 'ANONYMOUS', 'FIXED'] } },
    ...s.written.map((p): FuzzOp => ({ op: 'write', args: { addr: p * PAGE, fill: p + 1, length: 16 } })),
    ...(s.fork ? [{ op: 'fork', args: { child: 'c0' } }] : []),
    { op: 'uffd_register', args: { addr: s.at * PAGE, length: Math.min(s.reg, AREA - s.at) * PAGE, mode: [...s.mode] } },
  ];
}

/**
 * Names each fork's child (c1, c2, ...) and ends the sequence with a maps listing by each child: a child with nothing
 * left to do exits at once, racing the parent's next calls (a page it shared counts as exclusive again in
 * /proc/self/pagemap when it is gone), so each waits until the end. Opens the sequence with the uffd prologue when it
 * uses userfaultfd. In
 * such a sequence the memfd is mapped shared only: Linux registers a private mapping of a memfd too (it is shmem),
 * with MISSING faults decided by the page cache but fills installing private pages, which the model does not have
 * yet (it refuses to register a private file mapping, EINVAL).
 */
function withUffd(ops: readonly FuzzOp[], setup: UffdSetup): FuzzOp[] {
  let forks = 0;
  const named = ops.map((o): FuzzOp => (o.op === 'fork' ? { op: 'fork', args: { child: `c${++forks}` } } : o));
  const children = named.filter((o) => o.op === 'fork').map((o) => String(o.args.child));
  if (!named.some((o) => UFFD_OPS.has(o.op))) return [...named, ...childMaps(children)];
  const shared = named.map((o): FuzzOp => {
    const f = o.args.flags;
    if (o.op !== 'mmap' || o.args.fd === undefined || typeof f !== 'object' || !f.includes('PRIVATE')) return o;
    return { op: o.op, args: { ...o.args, flags: f.map((x: string) => (x === 'PRIVATE' ? 'SHARED' : x)) } };
  });
  return [...uffdPrologue(setup), ...shared, ...childMaps([...(setup.fork ? ['c0'] : []), ...children])];
}

/** A maps listing by each child, in order. */
function childMaps(children: readonly string[]): FuzzOp[] {
  return children.map((c): FuzzOp => ({ op: 'maps', args: {}, in: c }));
}

/**
 * vm.max_map_count (issue 27): about one sequence in thirty-two fills the address space to `below` VMAs under the
 * limit part-way (the probe's `map_count_fill`, outside the window, after the first `at` calls; on the model the
 * profile's limit, the host's), so that its later calls run at or near the limit on the VMAs the earlier ones made:
 * new mappings, splits and moves fail with ENOMEM (EAGAIN from madvise) or split once and fail, merges and whole-VMA
 * changes do not. Each later call is followed by `map_count`, the count relative to the limit, which depends neither
 * on the host's limit nor on either side's own VMAs (so none comes before the fill). below -1: no fill. Such a
 * sequence costs about a second on each side (tens of thousands of VMAs), hence the low weight.
 */
const nearLimit = fc.oneof(
  { weight: 31, arbitrary: fc.constant({ below: -1, at: 0 }) },
  { weight: 1, arbitrary: fc.record({ below: fc.constantFrom(0, 1, 2, 3, 4, 6), at: fc.integer({ min: 0, max: 8 }) }) },
);

/** The calls of a sequence with the fill of {@link nearLimit} after the first `at`, and the count after each later one. */
function atLimit(ops: readonly FuzzOp[], { below, at }: { below: number; at: number }): FuzzOp[] {
  if (below < 0) return [...ops];
  const count: FuzzOp = { op: 'map_count', args: {} };
  const later = ops.slice(at).flatMap((o) => (o.op === 'maps' || o.op === 'fork' ? [o] : [o, count]));
  return [...ops.slice(0, at), { op: 'map_count_fill', args: { below } }, count, ...later];
}

/**
 * Random sequences of Linux mm calls in a small area of the probe window, ending with a maps listing; some run near
 * vm.max_map_count (see nearLimit). A sequence with file mappings starts by creating the memfd `f` they map (8 pages,
 * the first 3 written); one with userfaultfd calls starts by creating the userfaultfd `uffd` and its API handshake
 * (features always including SIGBUS).
 * @public
 */
export function linuxOpsArbitrary(): fc.Arbitrary<FuzzOp[]> {
  const mix = [
    { weight: 4, arbitrary: mmap },
    { weight: 2, arbitrary: munmap },
    { weight: 3, arbitrary: mprotect },
    { weight: 2, arbitrary: madvise },
    { weight: 1, arbitrary: mlock },
    { weight: 1, arbitrary: mincore },
    { weight: 1, arbitrary: pagemap },
    { weight: 1, arbitrary: pagemapScan },
    { weight: 1, arbitrary: procMem },
    { weight: 1, arbitrary: clearRefs },
    { weight: 3, arbitrary: write },
    { weight: 2, arbitrary: hash },
    { weight: 2, arbitrary: mremap },
    { weight: 3, arbitrary: mremapAny },
    { weight: 1, arbitrary: huge },
    { weight: 2, arbitrary: memfdMap },
    { weight: 1, arbitrary: maps },
    { weight: 1, arbitrary: mseal },
    { weight: 1, arbitrary: droppable },
  ];
  // Most sequences have a userfaultfd call now and then; a third have as many as all the other calls together.
  const op = fc.oneof(...mix, { weight: 3, arbitrary: uffd });
  const uffdOp = fc.oneof(...mix, { weight: 30, arbitrary: uffd });
  const prologue: FuzzOp[] = [
    { op: 'memfd_create', args: { name: 'f', size: 0x8000 } },
    { op: 'pwrite', args: { fd: 'f', offset: 0, fill: 0x5a, length: 0x3000 } },
  ];
  // The memfd is created only when a call maps it, so a shrunk sequence without file mappings loses it too.
  return fc
    .tuple(fc.oneof({ weight: 2, arbitrary: fc.array(op, { minLength: 1, maxLength: 12 }) }, { weight: 1, arbitrary: fc.array(uffdOp, { minLength: 1, maxLength: 12 }) }), uffdSetup, nearLimit)
    .map(([ops, setup, fill]) => withUffd([...(ops.some((o) => o.args.fd === 'f') ? prologue : []), ...atLimit(ops, fill), { op: 'maps', args: {} }], setup));
}
