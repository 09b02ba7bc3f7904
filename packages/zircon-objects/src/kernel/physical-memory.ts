import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { PAGE_SIZE } from '../constants.js';

/** Page-map value meaning "this page reads as zeros; do not look at the parent". Not memory. */
export const ZERO_MARKER = -1;

/** Page-map values: frame >= 0, ZERO_MARKER, or a compressed page id encoded as -(id + 2). */
export function isCompressed(v: number): boolean {
  return v <= -2;
}

const FRAMES_PER_SLAB = 256;
const SLAB_SHIFT = 8;
const SLAB_MASK = FRAMES_PER_SLAB - 1;

/**
 * Physical page frames and the compressed-page store. Frames live in 1 MiB slabs so a committed page costs 4 KiB
 * plus one small integer in a page map, not an ArrayBuffer object per page.
 */
export class PhysicalMemory {
  readonly totalBytes: number;
  readonly #slabs: Uint8Array[] = [];
  readonly #freeFrames: number[] = [];
  #nextFrame = 0;
  #usedFrames = 0;
  readonly #compressed = new Map<number, Uint8Array>();
  readonly #freeIds: number[] = [];
  #nextId = 0;
  #compressedStorage = 0;
  /** Called after every change in use, so the kernel can follow pressure. */
  onChange: () => void = () => {};
  /** Called when an allocation would exceed the budget; may free memory; returns true if it freed some. */
  onExhausted: () => boolean = () => false;

  constructor(totalBytes: number) {
    this.totalBytes = totalBytes;
  }

  usedFrames(): number {
    return this.#usedFrames;
  }

  compressedPages(): number {
    return this.#compressed.size;
  }

  compressedStorageBytes(): number {
    return this.#compressedStorage;
  }

  freeBytes(): number {
    return this.totalBytes - this.#usedFrames * PAGE_SIZE - this.#compressedStorage;
  }

  /** Allocates a frame (zero-filled when `zero`); returns -1 when memory is exhausted even after reclaim. */
  alloc(zero: boolean): number {
    if (this.freeBytes() < PAGE_SIZE && !(this.onExhausted() && this.freeBytes() >= PAGE_SIZE)) return -1;
    let f = this.#freeFrames.pop();
    if (f === undefined) {
      f = this.#nextFrame++;
      if ((f >>> SLAB_SHIFT) >= this.#slabs.length) this.#slabs.push(new Uint8Array(FRAMES_PER_SLAB * PAGE_SIZE));
    } else if (zero) {
      const off = (f & SLAB_MASK) * PAGE_SIZE;
      this.#slab(f).fill(0, off, off + PAGE_SIZE);
    }
    this.#usedFrames++;
    this.onChange();
    return f;
  }

  #slab(f: number): Uint8Array {
    return this.#slabs[f >>> SLAB_SHIFT];
  }

  /** Releases any page-map value (frame or compressed page; markers are free). */
  release(v: number): void {
    if (v >= 0) {
      this.#freeFrames.push(v);
      this.#usedFrames--;
    } else if (v <= -2) {
      const id = -v - 2;
      const data = this.#compressed.get(id);
      if (data === undefined) return;
      this.#compressedStorage -= data.length;
      this.#compressed.delete(id);
      this.#freeIds.push(id);
    } else {
      return;
    }
    this.onChange();
  }

  /** The frame's bytes as a view (cheap; no copy). */
  view(f: number): Uint8Array {
    const off = (f & SLAB_MASK) * PAGE_SIZE;
    return this.#slab(f).subarray(off, off + PAGE_SIZE);
  }

  /** Copies `len` bytes of frame `f` from `pageOff` into `dst` at `dstOff`. */
  readFrame(f: number, pageOff: number, dst: Uint8Array, dstOff: number, len: number): void {
    const base = (f & SLAB_MASK) * PAGE_SIZE + pageOff;
    dst.set(this.#slab(f).subarray(base, base + len), dstOff);
  }

  /** Copies `len` bytes of `src` from `srcOff` into frame `f` at `pageOff`. */
  writeFrame(f: number, pageOff: number, src: Uint8Array, srcOff: number, len: number): void {
    const base = (f & SLAB_MASK) * PAGE_SIZE + pageOff;
    this.#slab(f).set(len === src.length && srcOff === 0 ? src : src.subarray(srcOff, srcOff + len), base);
  }

  /** How many frames from `f` on lie side by side in its slab (the most a run starting at `f` can copy as one block). */
  slabRun(f: number): number {
    return FRAMES_PER_SLAB - (f & SLAB_MASK);
  }

  /** Copies `count` whole frames starting at `f` (side by side in one slab) into `dst` at `dstOff`: one block copy. */
  readFrames(f: number, count: number, dst: Uint8Array, dstOff: number): void {
    const base = (f & SLAB_MASK) * PAGE_SIZE;
    dst.set(this.#slab(f).subarray(base, base + count * PAGE_SIZE), dstOff);
  }

  /** Copies `count` whole pages of `src` from `srcOff` into frames `f`.. (side by side in one slab): one block copy. */
  writeFrames(f: number, count: number, src: Uint8Array, srcOff: number): void {
    const len = count * PAGE_SIZE;
    this.#slab(f).set(len === src.length && srcOff === 0 ? src : src.subarray(srcOff, srcOff + len), (f & SLAB_MASK) * PAGE_SIZE);
  }

  fillFrame(f: number, pageOff: number, len: number, value: number): void {
    const base = (f & SLAB_MASK) * PAGE_SIZE + pageOff;
    this.#slab(f).fill(value, base, base + len);
  }

  copyFrame(from: number, to: number): void {
    const src = (from & SLAB_MASK) * PAGE_SIZE;
    this.#slab(to).set(this.#slab(from).subarray(src, src + PAGE_SIZE), (to & SLAB_MASK) * PAGE_SIZE);
  }

  /** Compresses a frame into the store and releases the frame; returns the new page-map value. */
  compress(f: number): number {
    const packed = deflateRawSync(this.view(f), { level: 1 });
    const id = this.#freeIds.pop() ?? this.#nextId++;
    this.#compressed.set(id, packed);
    this.#compressedStorage += packed.length;
    this.#freeFrames.push(f);
    this.#usedFrames--;
    this.onChange();
    return -(id + 2);
  }

  /** Decompresses a compressed value into a new frame (releasing the compressed copy); -1 when out of memory. */
  decompress(v: number): number {
    const id = -v - 2;
    const packed = this.#compressed.get(id);
    if (packed === undefined) return -1;
    const f = this.alloc(false);
    if (f < 0) return -1;
    const out = inflateRawSync(packed);
    this.writeFrame(f, 0, out, 0, PAGE_SIZE);
    this.release(v);
    return f;
  }

  /** Reads a compressed page's bytes without committing it. */
  peekCompressed(v: number): Uint8Array {
    const packed = this.#compressed.get(-v - 2);
    return packed === undefined ? new Uint8Array(PAGE_SIZE) : inflateRawSync(packed);
  }
}
