import { describeValue } from '../errors/describe.js';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SwapError } from '../errors/swap-error.js';
import { createSwapCodec, SWAP_CODECS, type SwapCodec, type SwapCodecName } from './codec/swap-codec.js';
import { openRecord, sealRecord } from './swap-record.js';

/**
 * Options of {@link SwapFile.create}.
 *
 * @public
 */
export interface SwapFileOptions {
  /** An existing directory for the file (a temporary directory is typical). */
  readonly directory: string;
  /**
   * Compact when dropped (garbage) bytes exceed this fraction of the file and at least `compactionMinBytes`.
   * Default 0.5.
   */
  readonly compactionThreshold?: number;
  /** The least garbage worth a compaction. Default 64 KiB. */
  readonly compactionMinBytes?: number;
  /**
   * The records' codec. Default `'lz4'` (fast, the class ChromeOS and crosvm swap with); `'deflate'` is zlib, what
   * format-1 files hold.
   */
  readonly codec?: SwapCodecName;
  /** zlib level 0-9 of the `'deflate'` codec. Default 6 (zlib's default, like gzip). */
  readonly compressionLevel?: number;
}

/**
 * Space accounting of a {@link SwapFile}.
 *
 * @public
 */
export interface SwapFileStats {
  /** Live records. */
  readonly records: number;
  /** Bytes of the live records' contents before compression. */
  readonly plaintextBytes: number;
  /** Bytes of the live records on disk (headers included): the used bytes. */
  readonly liveBytes: number;
  /** Bytes of dropped records still in the file (reclaimed by compaction). */
  readonly garbageBytes: number;
  /** The file's size on disk now. */
  readonly fileBytes: number;
  /** Every record byte ever written (appends plus compaction rewrites). */
  readonly bytesWritten: number;
  /** Compactions run. */
  readonly compactions: number;
}

interface RecordLocation {
  offset: number;
  size: number;
  plainLength: number;
}

const MAX_RECORD = 64 * 1024 * 1024;

/**
 * An append-only swap file on disk (the browser side of ChromeOS userspace swap): each record is compressed (LZ4 by
 * default, or zlib; see {@link SwapFileOptions.codec}), encrypted with AES-256-GCM under a random per-file key and a unique 96-bit nonce (a per-file counter), and
 * carries a CRC-32 and lengths in an authenticated header. Reads verify everything: a damaged or missing record
 * throws {@link SwapError} (`CORRUPT_RECORD` / `MISSING_RECORD`); wrong bytes are never returned.
 *
 * @remarks
 * Dropping a record cannot punch a hole from Node without native code (fallocate PUNCH_HOLE is not exposed), so the
 * file compacts instead: once garbage passes the threshold the live records move down (still encrypted) over the
 * dropped ones and the file is truncated after the last; when the last record is dropped the file is truncated to
 * nothing. {@link SwapFile.stats} reports written, used and on-disk bytes.
 *
 * @public
 */
export class SwapFile implements Disposable {
  /** The file's path (for inspection; it is deleted on close). */
  readonly path: string;
  readonly #key: Buffer;
  readonly #nonceSalt: Buffer;
  readonly #threshold: number;
  readonly #minCompact: number;
  readonly #codec: SwapCodec;
  readonly #decoders = new Map<number, SwapCodec>();
  #fd: number | null;
  #end = 0;
  #counter = 0n;
  #nextId = 1;
  readonly #index = new Map<number, RecordLocation>();
  #garbage = 0;
  #written = 0;
  #plain = 0;
  #compactions = 0;

  private constructor(path: string, fd: number, options: SwapFileOptions) {
    this.path = path;
    this.#fd = fd;
    this.#key = randomBytes(32);
    this.#nonceSalt = randomBytes(4);
    this.#threshold = options.compactionThreshold ?? 0.5;
    this.#minCompact = options.compactionMinBytes ?? 64 * 1024;
    this.#codec = createSwapCodec(options.codec ?? 'lz4', { level: options.compressionLevel ?? 6 });
    this.#decoders.set(this.#codec.id, this.#codec);
  }

  /** Creates a new, empty swap file (mode 0600) in `options.directory`. */
  static create(options: SwapFileOptions): SwapFile {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new SwapError('INVALID_ARGUMENT', 'directory must be a non-empty string');
    }
    const t = options.compactionThreshold ?? 0.5;
    if (typeof t !== 'number' || !(t > 0 && t <= 1)) throw new SwapError('INVALID_ARGUMENT', 'compactionThreshold must be in (0, 1]');
    const m = options.compactionMinBytes ?? 0;
    if (!Number.isSafeInteger(m) || m < 0) throw new SwapError('INVALID_ARGUMENT', 'compactionMinBytes must be a non-negative integer');
    const l = options.compressionLevel ?? 6;
    if (!Number.isInteger(l) || l < 0 || l > 9) throw new SwapError('INVALID_ARGUMENT', 'compressionLevel must be 0-9');
    const c = options.codec ?? 'lz4';
    if (!SWAP_CODECS.includes(c)) throw new SwapError('INVALID_ARGUMENT', `codec must be one of ${SWAP_CODECS.join(', ')}`);
    const path = join(options.directory, `memsim-swap-${randomBytes(8).toString('hex')}.swp`);
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o600);
    } catch (e) {
      throw new SwapError('IO', `cannot create ${path}`, { cause: e });
    }
    return new SwapFile(path, fd, options);
  }

  /** Every record byte ever written (appends plus compaction rewrites); still readable after close. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** The codec new records are written with. */
  get codec(): SwapCodecName {
    return this.#codec.name;
  }

  /** Whether the file is still open. */
  get isOpen(): boolean {
    return this.#fd !== null;
  }

  /** Stores `data` as a new record and returns its id. */
  write(data: Uint8Array): number {
    const fd = this.#open();
    if (!(data instanceof Uint8Array)) throw new SwapError('INVALID_ARGUMENT', 'data must be a Uint8Array');
    if (data.byteLength > MAX_RECORD) throw new SwapError('INVALID_ARGUMENT', `a record holds at most ${MAX_RECORD} bytes`);
    const id = this.#nextId++;
    const record = sealRecord(this.#key, this.#nonce(), id, this.#codec, data);
    this.#writeAt(fd, record, this.#end);
    this.#index.set(id, { offset: this.#end, size: record.byteLength, plainLength: data.byteLength });
    this.#end += record.byteLength;
    this.#written += record.byteLength;
    this.#plain += data.byteLength;
    return id;
  }

  /**
   * Reads a record back, verifying its header, CRC, authentication tag and length. With `scratch`, a buffer the
   * caller reuses, the plaintext may be decoded into it (when it is long enough) and returned as a view of it: valid
   * until the caller next writes to or reuses `scratch`. A swap-in that copies the pages out at once (as the swap
   * manager does) then allocates nothing per record.
   */
  read(id: number, scratch?: Uint8Array): Uint8Array {
    const fd = this.#open();
    if (scratch !== undefined && !(scratch instanceof Uint8Array)) throw new SwapError('INVALID_ARGUMENT', 'scratch must be a Uint8Array');
    const loc = this.#locate(id);
    const record = Buffer.allocUnsafe(loc.size);
    let got: number;
    try {
      got = readSync(fd, record, 0, loc.size, loc.offset);
    } catch (e) {
      throw new SwapError('IO', `cannot read record ${id}`, { cause: e });
    }
    if (got === 0) throw new SwapError('MISSING_RECORD', `record ${id} lies past the end of the file`);
    if (got < loc.size) throw new SwapError('CORRUPT_RECORD', `record ${id} is truncated`);
    return openRecord(this.#key, record, id, loc.plainLength, this.#decoders, scratch);
  }

  /** The bytes a stored record occupies on disk (header included). */
  recordBytes(id: number): number {
    this.#open();
    return this.#locate(id).size;
  }

  /** Whether a record is stored. */
  has(id: number): boolean {
    return this.#index.has(id);
  }

  /**
   * Drops a record (MISSING_RECORD if it is not stored); compacts when garbage passes the threshold, and empties the
   * file when no record is left.
   */
  drop(id: number): void {
    const fd = this.#open();
    const loc = this.#locate(id);
    this.#index.delete(id);
    this.#garbage += loc.size;
    this.#plain -= loc.plainLength;
    if (this.#index.size === 0) {
      // Nothing to keep: the whole file is garbage, so it is cut to nothing rather than compacted.
      this.#truncate(fd, 0);
      this.#end = 0;
      this.#garbage = 0;
    } else if (this.#garbage >= this.#minCompact && this.#garbage > this.#threshold * this.#end) this.compact();
  }

  /**
   * Moves the live records down over the dropped ones, in file order, and truncates the file after the last. A
   * record is only ever moved to a lower offset, never over one not yet moved, so a failure part way (SwapError `IO`)
   * leaves every record readable where the index says it is.
   */
  compact(): void {
    const fd = this.#open();
    let end = 0;
    try {
      const live = [...this.#index.values()].sort((a, b) => a.offset - b.offset);
      // Records that lie end to end move together: one read and one write per span, not per record.
      for (let i = 0; i < live.length; ) {
        let j = i + 1;
        let span = live[i].size;
        while (j < live.length && live[j].offset === live[j - 1].offset + live[j - 1].size && span + live[j].size <= MAX_RECORD) span += live[j++].size;
        if (live[i].offset !== end) {
          const buf = Buffer.allocUnsafe(span);
          const got = readSync(fd, buf, 0, span, live[i].offset);
          // A damaged (short) span is moved as it is, so the damage is still detected when its records are read.
          this.#writeAt(fd, buf.subarray(0, got), end);
          for (let k = i; k < j; k++) this.#written += live[k].size;
        }
        for (let k = i; k < j; k++) {
          live[k].offset = end;
          end += live[k].size;
        }
        i = j;
      }
      this.#truncate(fd, end);
    } catch (e) {
      throw e instanceof SwapError ? e : new SwapError('IO', 'compaction failed', { cause: e });
    }
    this.#end = end;
    this.#garbage = 0;
    this.#compactions++;
  }

  /** Space accounting. */
  stats(): SwapFileStats {
    const fd = this.#open();
    let liveBytes = 0;
    for (const loc of this.#index.values()) liveBytes += loc.size;
    return {
      records: this.#index.size,
      plaintextBytes: this.#plain,
      liveBytes,
      garbageBytes: this.#garbage,
      fileBytes: fstatSync(fd).size,
      bytesWritten: this.#written,
      compactions: this.#compactions,
    };
  }

  /** Closes and deletes the file. Idempotent. */
  close(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    this.#index.clear();
    try {
      unlinkSync(this.path);
    } catch {
      // Someone removed it already; nothing left to clean.
    }
  }

  /** Same as {@link SwapFile.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The next unique 96-bit nonce: the per-file salt, then a counter. */
  #nonce(): Buffer {
    const nonce = Buffer.allocUnsafe(12);
    this.#nonceSalt.copy(nonce, 0);
    nonce.writeBigUInt64BE(this.#counter++, 4);
    return nonce;
  }

  #open(): number {
    if (this.#fd === null) throw new SwapError('CLOSED', 'the swap file is closed');
    return this.#fd;
  }

  #locate(id: number): RecordLocation {
    if (!Number.isSafeInteger(id) || id <= 0) throw new SwapError('INVALID_ARGUMENT', `bad record id ${describeValue(id)}`);
    const loc = this.#index.get(id);
    if (loc === undefined) throw new SwapError('MISSING_RECORD', `record ${id} is not stored`);
    return loc;
  }

  #truncate(fd: number, length: number): void {
    try {
      ftruncateSync(fd, length);
    } catch (e) {
      throw new SwapError('IO', 'truncating the swap file failed', { cause: e });
    }
  }

  #writeAt(fd: number, data: Uint8Array, position: number): void {
    let done = 0;
    try {
      while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done, position + done);
    } catch (e) {
      throw new SwapError('IO', 'write failed', { cause: e });
    }
  }
}
