import fc from 'fast-check';

/**
 * One generated Linux call: the probe's op and its arguments.
 * @public
 */
export interface FuzzOp {
  readonly op: string;
  readonly args: Readonly<Record<string, string | number | readonly string[]>>;
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
const madvise = range('madvise', fc.constantFrom('DONTNEED', 'NORMAL', 'WILLNEED', 'FREE').map((a) => ({ advice: a })));
const mlock = range('mlock', fc.constant({}));
const mincore = range('mincore', fc.constant({}));
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

/**
 * Random sequences of Linux mm calls in a small area of the probe window, ending with a maps listing.
 * @public
 */
export function linuxOpsArbitrary(): fc.Arbitrary<FuzzOp[]> {
  const op = fc.oneof(
    { weight: 4, arbitrary: mmap },
    { weight: 2, arbitrary: munmap },
    { weight: 3, arbitrary: mprotect },
    { weight: 2, arbitrary: madvise },
    { weight: 1, arbitrary: mlock },
    { weight: 1, arbitrary: mincore },
    { weight: 3, arbitrary: write },
    { weight: 2, arbitrary: hash },
    { weight: 2, arbitrary: mremap },
  );
  return fc.array(op, { minLength: 1, maxLength: 10 }).map((ops) => [...ops, { op: 'maps', args: {} }]);
}
