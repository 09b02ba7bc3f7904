/**
 * A pure-JavaScript LZ4 block codec, in the layout lz4_flex's `compress_prepend_size` writes (the native codec's):
 * the uncompressed length as a little-endian u32, then one standard LZ4 block. It serves where the native codec
 * cannot load (a browser bundle, a platform without a prebuilt binary), so a record reads the same everywhere.
 */

const MIN_MATCH = 4;
/** The last match starts at least this many bytes before the end (LZ4 block rules). */
const MF_LIMIT = 12;
/** The last bytes of a block are always literals. */
const LAST_LITERALS = 5;
const HASH_BITS = 12;
const MAX_OFFSET = 65535;

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function writeLength(out: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

/** Compresses `src` into a size-prefixed LZ4 block. */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(4 + n + Math.ceil(n / 255) + 16);
  out[0] = n & 0xff;
  out[1] = (n >>> 8) & 0xff;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 24) & 0xff;
  let op = 4;
  let anchor = 0;
  if (n > MF_LIMIT) {
    const table = new Int32Array(1 << HASH_BITS).fill(-1);
    const limit = n - MF_LIMIT;
    let ip = 0;
    while (ip < limit) {
      const seq = read32(src, ip);
      const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
      const ref = table[h];
      table[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip++;
        continue;
      }
      let len = MIN_MATCH;
      const maxLen = n - LAST_LITERALS - ip;
      while (len < maxLen && src[ref + len] === src[ip + len]) len++;
      const lit = ip - anchor;
      const ml = len - MIN_MATCH;
      out[op++] = ((lit >= 15 ? 15 : lit) << 4) | (ml >= 15 ? 15 : ml);
      if (lit >= 15) op = writeLength(out, op, lit - 15);
      out.set(src.subarray(anchor, ip), op);
      op += lit;
      const off = ip - ref;
      out[op++] = off & 0xff;
      out[op++] = off >>> 8;
      if (ml >= 15) op = writeLength(out, op, ml - 15);
      ip += len;
      anchor = ip;
    }
  }
  const lit = n - anchor;
  out[op++] = (lit >= 15 ? 15 : lit) << 4;
  if (lit >= 15) op = writeLength(out, op, lit - 15);
  out.set(src.subarray(anchor), op);
  op += lit;
  return out.subarray(0, op);
}

/** Thrown for a block that does not decode to exactly its prefixed length. */
export class Lz4FormatError extends Error {
  constructor(message: string) {
    super(`lz4: ${message}`);
    this.name = 'Lz4FormatError';
  }
}

/**
 * Decompresses a size-prefixed LZ4 block; every bound is checked, so damaged input throws, never overruns. With
 * `into` at least as long as the block's size, the bytes are decoded there and a view of it is returned (no new
 * buffer: allocating one costs more than decoding a compressible block).
 */
export function lz4Decompress(src: Uint8Array, into?: Uint8Array): Uint8Array {
  if (src.length < 5) throw new Lz4FormatError('block too short');
  const size = read32(src, 0) >>> 0;
  const out = into !== undefined && into.length >= size ? into : new Uint8Array(size);
  const end = src.length;
  let ip = 4;
  let op = 0;
  for (;;) {
    const token = src[ip++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Lz4FormatError('truncated literal length');
        b = src[ip++];
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end || op + lit > size) throw new Lz4FormatError('literals overrun');
    // Short runs byte by byte: a view and a block copy cost more than a few stores.
    if (lit < 16) for (let k = 0; k < lit; k++) out[op + k] = src[ip + k];
    else out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === end) break;
    if (ip + 2 > end) throw new Lz4FormatError('truncated offset');
    const off = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (off === 0 || off > op) throw new Lz4FormatError('bad match offset');
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Lz4FormatError('truncated match length');
        b = src[ip++];
        ml += b;
      } while (b === 255);
    }
    ml += MIN_MATCH;
    if (op + ml > size) throw new Lz4FormatError('match overrun');
    const from = op - off;
    if (off === 1) {
      // A run of one byte (zeros, mostly).
      out.fill(out[from], op, op + ml);
      op += ml;
    } else if (ml <= 32) {
      // Byte by byte is right for an overlapping match too: each byte is written before it is read again.
      for (let k = 0; k < ml; k++) out[op + k] = out[from + k];
      op += ml;
    } else {
      // An overlapping match repeats the `off` bytes before it: each copy from `from` doubles what is available,
      // and stays in phase since op - from is always a multiple of off.
      while (ml > 0) {
        const k = ml < op - from ? ml : op - from;
        out.copyWithin(op, from, from + k);
        op += k;
        ml -= k;
      }
    }
  }
  if (op !== size) throw new Lz4FormatError(`decoded ${op} bytes, expected ${size}`);
  return out === into && into.length !== size ? into.subarray(0, size) : out;
}
