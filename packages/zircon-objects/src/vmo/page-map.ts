/** Pages per chunk: a chunk is one small typed array, so neighbouring pages share a lookup and sit side by side. */
const CHUNK = 64;
/** Slot value meaning "no entry"; page-map values (frames, ZERO_MARKER, compressed ids) never reach it. */
const EMPTY = -0x80000000;

/**
 * A CowNode's sparse page map: page index to page-map value (a frame >= 0, ZERO_MARKER, or a compressed id <= -2).
 *
 * Indices are grouped in chunks of 64 held in an Int32Array each (the last slot counts the entries), so memory
 * follows the touched pages (a chunk goes away with its last entry), a lookup near the previous one touches the same
 * small array, and a run of pages that hold consecutive frames is found by scanning the arrays rather than by one
 * hash lookup per page (`frameRun`, what bulk reads and writes copy as one block). The Map-like surface is the part
 * the copy-on-write code uses; iteration visits chunks in the order they were made, ascending inside a chunk.
 */
export class PageMap {
  readonly #chunks = new Map<number, Int32Array>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(i: number): number | undefined {
    const k = Math.floor(i / CHUNK);
    const c = this.#chunks.get(k);
    if (c === undefined) return undefined;
    const v = c[i - k * CHUNK];
    return v === EMPTY ? undefined : v;
  }

  has(i: number): boolean {
    return this.get(i) !== undefined;
  }

  set(i: number, v: number): this {
    // Values are frames, ZERO_MARKER or compressed ids; anything else is a bug in the caller, not data to store.
    if ((v | 0) !== v || v === EMPTY) throw new RangeError(`page-map value ${v} is not a frame, marker or compressed id`);
    const k = Math.floor(i / CHUNK);
    let c = this.#chunks.get(k);
    if (c === undefined) {
      c = new Int32Array(CHUNK + 1).fill(EMPTY, 0, CHUNK);
      this.#chunks.set(k, c);
    }
    const s = i - k * CHUNK;
    if (c[s] === EMPTY) {
      c[CHUNK]++;
      this.#size++;
    }
    c[s] = v;
    return this;
  }

  delete(i: number): boolean {
    const k = Math.floor(i / CHUNK);
    const c = this.#chunks.get(k);
    if (c === undefined) return false;
    const s = i - k * CHUNK;
    if (c[s] === EMPTY) return false;
    c[s] = EMPTY;
    this.#size--;
    if (--c[CHUNK] === 0) this.#chunks.delete(k);
    return true;
  }

  clear(): void {
    this.#chunks.clear();
    this.#size = 0;
  }

  /** Entries as [index, value]. Deleting or overwriting entries while iterating is safe; adding new ones is not. */
  *entries(): IterableIterator<[number, number]> {
    for (const [k, c] of this.#chunks) {
      const base = k * CHUNK;
      for (let s = 0; s < CHUNK; s++) {
        const v = c[s];
        if (v !== EMPTY) yield [base + s, v];
      }
    }
  }

  /** Calls cb(value, index) for every entry, as Map.forEach does (no iterator objects: the bulk paths use it). */
  forEach(cb: (v: number, i: number) => void): void {
    for (const [k, c] of this.#chunks) {
      const base = k * CHUNK;
      for (let s = 0; s < CHUNK; s++) {
        const v = c[s];
        if (v !== EMPTY) cb(v, base + s);
      }
    }
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }

  *values(): IterableIterator<number> {
    for (const c of this.#chunks.values()) {
      for (let s = 0; s < CHUNK; s++) {
        const v = c[s];
        if (v !== EMPTY) yield v;
      }
    }
  }

  /** Calls cb for the entries with index in [lo, hi), visiting only the chunks that overlap it. */
  forEachIn(lo: number, hi: number, cb: (i: number, v: number) => void): void {
    if (hi <= lo || this.#size === 0) return;
    const first = Math.floor(lo / CHUNK);
    const last = Math.floor((hi - 1) / CHUNK);
    const visit = (k: number, c: Int32Array): void => {
      const base = k * CHUNK;
      for (let s = Math.max(0, lo - base), end = Math.min(CHUNK, hi - base); s < end; s++) {
        const v = c[s];
        if (v !== EMPTY) cb(base + s, v);
      }
    };
    // By lookup when the range spans fewer chunks than are held, by scan otherwise.
    if (last - first < this.#chunks.size) {
      for (let k = first; k <= last; k++) {
        const c = this.#chunks.get(k);
        if (c !== undefined) visit(k, c);
      }
    } else {
      for (const [k, c] of this.#chunks) if (k >= first && k <= last) visit(k, c);
    }
  }

  /**
   * How many of the pages idx, idx + 1, ... (at most `max`) hold the frames f, f + 1, ...: the run a bulk copy moves
   * as one block. One lookup per chunk, not per page.
   */
  frameRun(idx: number, f: number, max: number): number {
    let n = 0;
    while (n < max) {
      const k = Math.floor((idx + n) / CHUNK);
      const c = this.#chunks.get(k);
      if (c === undefined) break;
      let s = idx + n - k * CHUNK;
      while (s < CHUNK && n < max && c[s] === f + n) {
        s++;
        n++;
      }
      if (s < CHUNK) break;
    }
    return n;
  }
}
