/**
 * The compression codecs of swap records. A record names its codec by id in its authenticated header, so a file
 * can mix them and every build reads every record. LZ4 is the default: the class of fast codec ChromeOS (zram) and
 * crosvm swap with. It runs natively (lz4-napi, loaded lazily and only by Node, so no browser bundle ever sees it)
 * or, where the native module cannot load, through the pure-JavaScript codec that writes and reads the same bytes.
 */
import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import { lz4Compress, lz4Decompress } from './lz4-block.js';

/**
 * A swap-record codec: `'lz4'` (default; fast, the class ChromeOS and crosvm use), `'deflate'` (zlib, slower and
 * smaller; what format-1 files hold) or `'none'` (stored as is).
 *
 * @public
 */
export type SwapCodecName = 'lz4' | 'deflate' | 'none';

/** A codec as the swap file uses it. */
export interface SwapCodec {
  readonly name: SwapCodecName;
  /** The id a record's header carries. */
  readonly id: number;
  compress(data: Uint8Array): Uint8Array;
  /**
   * Throws on damaged input. May decode into `into` (when it is long enough) and return a view of it, valid until
   * `into` is reused.
   */
  decompress(data: Uint8Array, into?: Uint8Array): Uint8Array;
}

/** Record codec ids (byte 5 of a format-2 header). */
export const CodecId = { none: 0, deflate: 1, lz4: 2 } as const satisfies Record<SwapCodecName, number>;

/** The codec names, for validation and messages. */
export const SWAP_CODECS: readonly SwapCodecName[] = ['lz4', 'deflate', 'none'];

interface Lz4Native {
  compressSync(data: Uint8Array): Uint8Array;
  uncompressSync(data: Uint8Array): Uint8Array;
}

/** The native LZ4 binding, or null where it cannot load; asked once per codec instance. */
function loadNativeLz4(): Lz4Native | null {
  try {
    const mod = createRequire(import.meta.url)('lz4-napi') as Lz4Native;
    return typeof mod.compressSync === 'function' && typeof mod.uncompressSync === 'function' ? mod : null;
  } catch {
    return null;
  }
}

/** Options of {@link createSwapCodec}. */
export interface SwapCodecOptions {
  /** zlib level 0-9 for `'deflate'`. */
  readonly level?: number;
  /** false: the pure-JavaScript LZ4 even where the native module loads (tests compare the two). */
  readonly native?: boolean;
}

const bytes = (b: Uint8Array): Uint8Array => (b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/** Builds the codec named `name`. */
export function createSwapCodec(name: SwapCodecName, options: SwapCodecOptions = {}): SwapCodec {
  switch (name) {
    case 'none':
      return { name, id: CodecId.none, compress: (d) => d, decompress: (d) => d };
    case 'deflate': {
      const level = options.level ?? 6;
      return { name, id: CodecId.deflate, compress: (d) => deflateSync(d, { level }), decompress: (d) => inflateSync(d) };
    }
    case 'lz4': {
      const native = options.native === false ? null : loadNativeLz4();
      if (native === null) return { name, id: CodecId.lz4, compress: lz4Compress, decompress: lz4Decompress };
      // Native compression; decoding stays in JavaScript, which reads the same blocks: the binding's cost is mostly
      // allocating the output, which the JavaScript decoder can skip by decoding into the caller's buffer (measured,
      // docs/performance.md "Swap-in").
      return { name, id: CodecId.lz4, compress: (d) => bytes(native.compressSync(d)), decompress: lz4Decompress };
    }
  }
}

/** The codec a record's id names, or null for an id this build does not know. */
export function codecById(id: number, cache: Map<number, SwapCodec>): SwapCodec | null {
  let c = cache.get(id);
  if (c !== undefined) return c;
  const name = SWAP_CODECS.find((n) => CodecId[n] === id);
  if (name === undefined) return null;
  c = createSwapCodec(name);
  cache.set(id, c);
  return c;
}
