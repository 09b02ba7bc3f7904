import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VmOptions, Vmo, VmoChildOptions, VmoOp, VmarOp, ZxError, ZxStatus, statusName, type Vmar } from './index.js';
import { PAGE, setup } from './test-support/util.js';

// Exact u64 arguments: every u64 parameter takes a bigint, and the model answers as Zircon's syscall layer does for
// the exact value, in its order. The references below are written from the rules, in bigint arithmetic.

const P = BigInt(PAGE);
const MAX = (1n << 64n) - 1n;
const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;

/** The edges that matter: near 0, near 2^53 (where numbers stop being exact) and near 2^64. */
const EDGES = [0n, 1n, P - 1n, P, P + 1n, 2n * P, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, MAX + 1n - 2n * P, MAX + 1n - P, MAX - P, MAX + 2n - P, MAX - 1n, MAX];
const u64Arb = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: 0n, max: 8n * P }));

function roundUp(x: bigint): bigint | null {
  const r = ((x + P - 1n) / P) * P;
  return r > MAX ? null : r;
}

/** The status a call ends with ('OK' on success). */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (!(e instanceof ZxError)) throw e;
    return statusName(e.status);
  }
}

describe('exact u64 arguments', () => {
  it('numbers past 2^53 and negative numbers are refused with a message, never rounded; bigints outside u64 too', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 2 ** 53 + 2, max: 2 ** 70, noNaN: true }), fc.integer({ min: -(2 ** 31), max: -1 })), (n) => {
        for (const call of [() => vmo.read(1, n), () => vmo.createChild(VmoChildOptions.SNAPSHOT, n, PAGE), () => Vmo.create(kernel, n)]) {
          try {
            call();
            expect.fail('expected a refusal');
          } catch (e) {
            expect(e).toBeInstanceOf(ZxError);
            expect((e as ZxError).status).toBe(ZxStatus.INVALID_ARGS);
            expect((e as ZxError).message).toMatch(/bigint|negative|integer/);
          }
        }
      }),
    );
    expect(outcome(() => vmo.read(1, 2n ** 64n))).toBe('ZX_ERR_INVALID_ARGS');
    expect(outcome(() => vmo.read(1, -1n))).toBe('ZX_ERR_INVALID_ARGS');
  });

  it('vmo read/write/op_range: offset + length checked exactly, a wrap past 2^64 is OUT_OF_RANGE', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const size = 4n * P;
    fc.assert(
      fc.property(u64Arb, u64Arb, (off, len) => {
        const inside = off + len <= size;
        // read allocates `len` bytes, so only call it where the range is inside.
        if (inside) expect(outcome(() => vmo.read(len, off))).toBe('OK');
        else expect(outcome(() => vmo.read(len, off))).toBe('ZX_ERR_OUT_OF_RANGE');
        expect(outcome(() => vmo.write(new Uint8Array(1), off))).toBe(off + 1n <= size ? 'OK' : 'ZX_ERR_OUT_OF_RANGE');
        expect(outcome(() => vmo.opRange(VmoOp.COMMIT, off, len))).toBe(inside ? 'OK' : 'ZX_ERR_OUT_OF_RANGE');
        const decommit = !inside ? 'ZX_ERR_OUT_OF_RANGE' : off % P !== 0n || len % P !== 0n ? 'ZX_ERR_INVALID_ARGS' : 'OK';
        expect(outcome(() => vmo.opRange(VmoOp.DECOMMIT, off, len))).toBe(decommit);
      }),
    );
  });

  it('vmo create and set_size: sizes that round past 2^64 are OUT_OF_RANGE; 2^64 - PAGE rounds exactly', () => {
    const { kernel } = setup();
    const r = Vmo.create(kernel, 0, 2 /* RESIZABLE */);
    for (const s of [MAX, MAX - 1n, MAX + 2n - P, MAX + 1n - P, 2n ** 53n]) {
      expect(outcome(() => Vmo.create(kernel, s))).toBe('ZX_ERR_OUT_OF_RANGE');
      expect(outcome(() => r.setSize(s))).toBe('ZX_ERR_OUT_OF_RANGE');
    }
    expect(Vmo.create(kernel, 3n * P - 1n).getSize()).toBe(3 * PAGE);
  });

  it('create_child: sizes past Zircon\'s VMO limit are OUT_OF_RANGE; a slice wrapping past 2^64 is outside its parent', () => {
    const { kernel } = setup();
    const parent = Vmo.create(kernel, 4 * PAGE);
    const zxMax = MAX + 1n - (1n << 17n);
    fc.assert(
      fc.property(u64Arb, u64Arb, (off, size) => {
        const rounded = roundUp(size);
        let want: string;
        if (rounded === null || rounded > zxMax) want = 'ZX_ERR_OUT_OF_RANGE';
        else if (off % P !== 0n || off + rounded > 4n * P) want = 'ZX_ERR_INVALID_ARGS';
        else want = 'OK';
        expect(outcome(() => parent.createChild(VmoChildOptions.SLICE, off, size).close())).toBe(want);
      }),
    );
  });

  it('vmar map: vmo_offset alignment, then length rounding and vmo_offset + length overflow, exactly', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const rootLen = BigInt(root.info().len);
    fc.assert(
      fc.property(u64Arb, u64Arb, (vmoOff, len) => {
        const rounded = roundUp(len);
        let want: string;
        if (vmoOff % P !== 0n) want = 'ZX_ERR_INVALID_ARGS';
        else if (rounded === null || vmoOff + rounded > MAX) want = 'ZX_ERR_OUT_OF_RANGE';
        else if (rounded === 0n || rounded > rootLen) want = 'ZX_ERR_INVALID_ARGS';
        else want = 'OK';
        let addr = -1;
        const got = outcome(() => (addr = root.map(RW, 0, vmo, vmoOff, len)));
        expect(got).toBe(want);
        if (got === 'OK') root.unmap(addr, len);
      }),
    );
    // The core test's pair (vmar.cc InvalidArgsTest): one page below 2^64 overflows, two pages below maps.
    expect(outcome(() => root.map(RW, 0, vmo, MAX + 1n - P, P))).toBe('ZX_ERR_OUT_OF_RANGE');
    const a = root.map(RW, 0, vmo, MAX + 1n - 2n * P, P);
    expect(root.mapsInfo().records.find((r) => r.base === a)?.mapping?.vmoOffset).toBe(2 ** 64 - 2 * PAGE);
    root.unmap(a, P);
  });

  it('vmar unmap/protect/op_range: lengths that round past 2^64 are refused, never wrapped to a small range', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, 4 * PAGE);
    const a = BigInt(root.map(RW, 0, vmo, 0, 4 * PAGE));
    fc.assert(
      fc.property(fc.constantFrom(MAX, MAX - 1n, MAX + 2n - P, MAX + 1n - P, MAX + 1n - a), fc.constantFrom(-1n, 0n, 1n), (len, k) => {
        const at = a + k * P;
        expect(outcome(() => root.unmap(at, len))).toBe('ZX_ERR_INVALID_ARGS');
        expect(outcome(() => root.protect(VmOptions.PERM_READ, at, len))).toBe('ZX_ERR_INVALID_ARGS');
        expect(outcome(() => root.opRange(VmarOp.COMMIT, at, len))).toBe('ZX_ERR_OUT_OF_RANGE');
      }),
    );
    // Nothing was unmapped by the refused calls.
    expect(outcome(() => root.protect(VmOptions.PERM_READ, a, 4n * P))).toBe('OK');
  });

  it('vmar allocate: sizes past the VMAR (up to 2^64 - 1) are INVALID_ARGS, offsets past it too', () => {
    const { root } = setup();
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    fc.assert(
      fc.property(u64Arb, u64Arb, (off, size) => {
        const specific = off !== 0n;
        const opts = VmOptions.CAN_MAP_READ | (specific ? VmOptions.SPECIFIC : 0);
        let want: string;
        if (size === 0n || size % P !== 0n || off % P !== 0n || size > 16n * P || off + size > 16n * P) want = 'ZX_ERR_INVALID_ARGS';
        else want = 'OK';
        let child: Vmar | undefined;
        expect(outcome(() => (child = vmar.allocate(opts, off, size).vmar))).toBe(want);
        child?.destroy();
      }),
    );
  });
});

const ALIGNMENTS = Array.from({ length: 23 }, (_, i) => i + 10);

describe('alignment options never give a mapping below page alignment', () => {
  it('every alignment option, map and allocate, in the root VMAR and in sub-VMARs, with and without ASLR', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALIGNMENTS),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        (log2, pages, aslr, nested, seed) => {
          const { kernel, root } = setup({ aslr, seed });
          const vmo = Vmo.create(kernel, pages * PAGE);
          const align = 2 ** Math.max(12, log2);
          const option = (log2 << VmOptions.ALIGN_BASE) >>> 0;
          let where: Vmar = root;
          if (nested) {
            // A sub-VMAR at an odd page, so its own base does not hand out the alignment for free.
            const outer = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, 2 ** 34).vmar;
            where = outer.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.SPECIFIC, PAGE, 2 ** 33 + 2 ** 32).vmar;
          }
          const addr = where.map(RW | option, 0, vmo, 0, pages * PAGE);
          expect(addr % PAGE).toBe(0);
          expect(addr % align).toBe(0);
          where.unmap(addr, pages * PAGE);
          const sub = where.allocate(VmOptions.CAN_MAP_READ | option, 0, pages * PAGE);
          expect(sub.address % PAGE).toBe(0);
          expect(sub.address % align).toBe(0);
          sub.vmar.destroy();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ALIGN_1KB and ALIGN_2KB with SPECIFIC still need a page-aligned offset', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, 16 * PAGE);
    for (const a of [VmOptions.ALIGN_1KB, VmOptions.ALIGN_2KB]) {
      expect(outcome(() => vmar.map(RW | VmOptions.SPECIFIC | a, 2048, vmo, 0, PAGE))).toBe('ZX_ERR_INVALID_ARGS');
      expect(outcome(() => vmar.map(RW | VmOptions.SPECIFIC | a, 1024, vmo, 0, PAGE))).toBe('ZX_ERR_INVALID_ARGS');
      const addr = vmar.map(RW | a, 0, vmo, 0, PAGE);
      expect(addr % PAGE).toBe(0);
      vmar.unmap(addr, PAGE);
    }
  });
});
