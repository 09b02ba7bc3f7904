import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SwapError } from '../errors/swap-error.js';
import { lz4Compress, lz4Decompress } from './codec/lz4-block.js';
import { createSwapCodec, type SwapCodec } from './codec/swap-codec.js';
import { HEADER_BYTES, openRecord, sealRecord } from './swap-record.js';

/**
 * A swap file written by the format-1 code (zlib only) before format 2 existed, with its random key and nonce salt
 * pinned (key 32 x 0x11, salt 4 x 0x22): record 1 is a half-patterned 4 KiB page, record 2 a short text.
 */
const FORMAT1_FILE =
  'UldTTQEAAAABAAAAAAAAAAAQAAA3AQAAhDtnoCIiIiIAAAAAAAAAAC1RdW35O++XrsoaVMayDKqEmIjtwJjoR5qASOgK3w9QYf6ZO0N5tDxYu1' +
  'fZfbELynjIRzvH95OBQ1ry0GwNtr5Ui/wTgGWmRnaK9rFx2zRptmLhNPY2KItoqQJWYgG68hqg3XSXb0FFnykG7USfikLkKFCxOD09F87sWN2J' +
  'SXO5aoVyHmKDr+aCKwgxIZaI0BIqtxfhUlyXR/7AtslxKwlG4L9ksM0Q72mWvhXEenlYnvZO3qGefBzz8EkGynp2yPMaB3N4O0Xk/bAlaz5GGP' +
  '80LRQ9xsgLpEGHOLXydT1pRywEhRD8JWKV4d6GQqVLaeHqYM8X3+o1uEx68oc63Q+C8MEcyVZ5qJuGSU6jthj4UlZsWgbFZNBXoYtPqVafx7HO' +
  'ddwwYCX0mw6bIdW/M/mxKYB3778CCR+doMLkcy9RMbV9uA2Dw1JXU00BAAAAAgAAAAAAAAAjAAAAKwAAAEe05VYiIiIiAAAAAAAAAAFc0QYBGw' +
  'oJ3EH02qnFMaNzuBgb7oDzPanh1YAc5t6ByUM+e/XbFDTqoYtBmHqHbY5ywDIg3A+XAKgLvg==';
const FORMAT1_KEY = Buffer.alloc(32, 0x11);

function format1Page(): Uint8Array {
  const a = new Uint8Array(4096);
  for (let i = 0; i < 2048; i++) a[i] = (i * 31 + 5) & 0xff;
  return a;
}

function recordsOf(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < file.byteLength; ) {
    const size = HEADER_BYTES + file.readUInt32LE(at + 20);
    out.push(file.subarray(at, at + size));
    at += size;
  }
  return out;
}

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof SwapError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
};

describe('swap record format', () => {
  it('opens the records of a format-1 file', () => {
    const [r1, r2] = recordsOf(Buffer.from(FORMAT1_FILE, 'base64'));
    expect(r1.readUInt8(4)).toBe(1);
    expect(openRecord(FORMAT1_KEY, r1, 1, 4096, new Map())).toEqual(format1Page());
    const text = new TextDecoder().decode(openRecord(FORMAT1_KEY, r2, 2, 35, new Map()));
    expect(text).toBe('memsim swap record format version 1');
  });

  it('refuses an unknown format version or codec by name, and a damaged body', () => {
    const [r1] = recordsOf(Buffer.from(FORMAT1_FILE, 'base64'));
    const v9 = Buffer.from(r1);
    v9.writeUInt8(9, 4);
    expect(errorOf(() => openRecord(FORMAT1_KEY, v9, 1, 4096, new Map()))).toMatch(/CORRUPT_RECORD: .*unsupported record format version 9/);
    const rec = sealRecord(FORMAT1_KEY, Buffer.alloc(12, 3), 5, createSwapCodec('lz4'), format1Page());
    const badCodec = Buffer.from(rec);
    badCodec.writeUInt8(77, 5);
    expect(errorOf(() => openRecord(FORMAT1_KEY, badCodec, 5, 4096, new Map()))).toMatch(/unknown codec id 77 \(format version 2\)/);
    const flipped = Buffer.from(rec);
    flipped[HEADER_BYTES + 1] ^= 1;
    expect(errorOf(() => openRecord(FORMAT1_KEY, flipped, 5, 4096, new Map()))).toMatch(/CORRUPT_RECORD/);
  });

  it('seals format 2 with every codec, and each opens', () => {
    const page = format1Page();
    for (const name of ['lz4', 'deflate', 'none'] as const) {
      const rec = sealRecord(FORMAT1_KEY, Buffer.alloc(12, 9), 3, createSwapCodec(name), page);
      expect(rec.readUInt8(4)).toBe(2);
      expect(openRecord(FORMAT1_KEY, rec, 3, 4096, new Map())).toEqual(page);
    }
  });

  it('authenticates the codec byte', () => {
    const rec = sealRecord(FORMAT1_KEY, Buffer.alloc(12, 1), 4, createSwapCodec('none'), format1Page());
    const swapped = Buffer.from(rec);
    swapped.writeUInt8(2, 5);
    swapped.writeUInt32LE(0, HEADER_BYTES - 44); // keep the CRC check from answering first
    expect(errorOf(() => openRecord(FORMAT1_KEY, swapped, 4, 4096, new Map()))).toMatch(/CORRUPT_RECORD/);
  });
});

describe('LZ4 codec', () => {
  const native: SwapCodec = createSwapCodec('lz4');
  const js: SwapCodec = createSwapCodec('lz4', { native: false });
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    // Short periods repeated far: overlapping matches longer than their offset (copied by doubling).
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 5000 }), fc.uint8Array({ maxLength: 20 })).map(([unit, n, tail]) => {
      const out = new Uint8Array(n + tail.length);
      for (let i = 0; i < n; i++) out[i] = unit[i % unit.length];
      out.set(tail, n);
      return out;
    }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 })), { maxLength: 40 }).map((runs) => {
      const out: number[] = [];
      for (const [v, n] of runs) for (let i = 0; i < n; i++) out.push(v === 3 ? (i * 7) & 0xff : v);
      return Uint8Array.from(out);
    }),
  );

  it('the pure-JavaScript and the native codec read each other', () => {
    // The codec decodes in JavaScript even where the binding loads; the binding's own decoder is the cross-check.
    const binding = createRequire(import.meta.url)('lz4-napi') as { uncompressSync(d: Uint8Array): Uint8Array };
    fc.assert(
      fc.property(data, (d) => {
        expect(lz4Decompress(lz4Compress(d))).toEqual(d);
        expect(js.decompress(native.compress(d))).toEqual(d);
        expect(native.decompress(js.compress(d))).toEqual(d);
        expect(new Uint8Array(binding.uncompressSync(js.compress(d)))).toEqual(d);
        expect(new Uint8Array(binding.uncompressSync(native.compress(d)))).toEqual(d);
      }),
    );
  });

  it('decodes into a buffer it is given when that is long enough, and only as far as the block goes', () => {
    fc.assert(
      fc.property(data, fc.integer({ min: -10, max: 10 }), (d, extra) => {
        const into = new Uint8Array(Math.max(0, d.length + extra)).fill(0x5c);
        const out = lz4Decompress(native.compress(d), into);
        expect(out).toEqual(d);
        if (extra >= 0) {
          expect(out.buffer).toBe(into.buffer);
          expect(into.subarray(d.length).every((b) => b === 0x5c)).toBe(true);
        } else expect(out.buffer).not.toBe(into.buffer);
      }),
    );
  });

  it('damaged blocks throw rather than overrun', () => {
    fc.assert(
      fc.property(data, fc.nat(), fc.integer({ min: 1, max: 255 }), (d, at, x) => {
        const c = Uint8Array.from(lz4Compress(d));
        const i = 4 + (at % Math.max(1, c.length - 4));
        if (i < c.length) c[i] ^= x;
        try {
          expect(lz4Decompress(c).length).toBe(d.length);
        } catch (e) {
          expect((e as Error).name).toBe('Lz4FormatError');
        }
      }),
    );
  });
});
