import { MappedVmoArgumentError } from '../errors.js';
import { CHUNK, integerArg, relativeIndex } from './indices.js';
import type { Region } from './region.js';

/**
 * A read-only window onto mapped memory, shaped like a read-only `Uint8Array`: `length`, `at`, `subarray`, `slice`,
 * iteration and copies out. Every access reads through the process address space, so it sees exactly what a thread
 * of that process would see; nothing is copied when the view is made.
 * @public
 */
export class ReadonlyByteView implements Iterable<number> {
  // Private, so the region type stays out of the public declarations; subclasses use the protected helpers.
  private readonly region: Region;
  private readonly start: number;
  /** Number of bytes in the view. */
  readonly length: number;

  /**
   * Only this package makes views: `region` is its internal accessor for a mapped range.
   * @internal
   */
  protected constructor(region: unknown, start: number, length: number) {
    this.region = region as Region;
    this.start = start;
    this.length = length;
  }

  /** Same as `length`, for code written against typed arrays. */
  get byteLength(): number {
    return this.length;
  }

  /** The byte at `index` (negative counts from the end), or `undefined` outside the view, like `Uint8Array.at`. */
  at(index: number): number | undefined {
    const i = integerArg(index, 'index');
    const resolved = i < 0 ? this.length + i : i;
    if (resolved < 0 || resolved >= this.length) return undefined;
    const one = new Uint8Array(1);
    this.readRange(resolved, one);
    return one[0];
  }

  /** A view of `[begin, end)` sharing this view's memory (relative indices as in `Uint8Array.subarray`). */
  subarray(begin?: number, end?: number): ReadonlyByteView {
    return this.derive((region, start, length) => new ReadonlyByteView(region, start, length), begin, end);
  }

  /** A copy of `[begin, end)` as a new `Uint8Array` (relative indices as in `Uint8Array.slice`). */
  slice(begin?: number, end?: number): Uint8Array {
    const [from, to] = this.bounds(begin, end);
    const out = new Uint8Array(to - from);
    this.readRange(from, out);
    return out;
  }

  /** Copies the whole view into `target` at `targetOffset`; throws if it does not fit. Returns the bytes copied. */
  copyTo(target: Uint8Array, targetOffset = 0): number {
    if (!(target instanceof Uint8Array)) throw new MappedVmoArgumentError('target must be a Uint8Array');
    const offset = integerArg(targetOffset, 'targetOffset');
    if (offset < 0 || offset > target.length || target.length - offset < this.length) {
      throw new MappedVmoArgumentError(
        `${this.length} bytes do not fit in a target of ${target.length} bytes at offset ${offset}`,
      );
    }
    this.readRange(0, target.subarray(offset, offset + this.length));
    return this.length;
  }

  /** A copy of the whole view. */
  toUint8Array(): Uint8Array {
    return this.slice();
  }

  /** A copy of the whole view as a Node.js `Buffer`. */
  toBuffer(): Buffer {
    const copy = this.slice();
    return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
  }

  /** True when `other` holds the same bytes in the same order. */
  equals(other: ArrayLike<number> | ReadonlyByteView): boolean {
    if (typeof other !== 'object' || other === null || typeof other.length !== 'number') {
      throw new MappedVmoArgumentError('equals needs a byte array or a view');
    }
    if (other.length !== this.length) return false;
    const mine = this.slice();
    const theirs = other instanceof ReadonlyByteView ? other.slice() : other;
    for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) return false;
    return true;
  }

  /** The bytes in order, read a page at a time. */
  *values(): Generator<number, void, undefined> {
    const chunk = new Uint8Array(Math.min(CHUNK, this.length));
    for (let at = 0; at < this.length; at += CHUNK) {
      const part = chunk.subarray(0, Math.min(CHUNK, this.length - at));
      this.readRange(at, part);
      yield* part;
    }
  }

  /** `[index, byte]` pairs in order. */
  *entries(): Generator<[number, number], void, undefined> {
    let i = 0;
    for (const byte of this.values()) yield [i++, byte];
  }

  /** The indices `0..length-1`. */
  *keys(): Generator<number, void, undefined> {
    for (let i = 0; i < this.length; i++) yield i;
  }

  /** Iterates the bytes, as `values()`. */
  [Symbol.iterator](): Generator<number, void, undefined> {
    return this.values();
  }

  /**
   * Builds a view of `[begin, end)` of this one with `make`, which receives the region and absolute range.
   * @internal
   */
  protected derive<T>(make: (region: unknown, start: number, length: number) => T, begin?: number, end?: number): T {
    const [from, to] = this.bounds(begin, end);
    this.region.assertLive();
    return make(this.region, this.start + from, to - from);
  }

  /** @internal */
  protected bounds(begin: number | undefined, end: number | undefined): [number, number] {
    const from = relativeIndex(begin, this.length, 0, 'begin');
    const to = relativeIndex(end, this.length, this.length, 'end');
    return [from, Math.max(from, to)];
  }

  /** @internal */
  protected readRange(offset: number, into: Uint8Array): void {
    this.region.assertLive();
    if (into.length > 0) this.region.readAt(this.start + offset, into);
  }

  /** @internal */
  protected writeRange(offset: number, data: Uint8Array): void {
    this.region.assertLive();
    if (data.length > 0) this.region.writeAt(this.start + offset, data);
  }
}
