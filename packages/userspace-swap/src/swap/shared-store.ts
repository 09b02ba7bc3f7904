import type { SwapFile } from './swap-file.js';

/** The largest record the reusable decode buffer grows to (bigger ones decode into a buffer of their own). */
const MAX_SCRATCH = 1 << 20;

/**
 * A swap file shared by a renderer and its fork children: records are reference-counted by the pages that still
 * point at them, and the file closes when its last user goes.
 */
export class SharedStore {
  readonly file: SwapFile;
  readonly #refs = new Map<number, number>();
  #users = 0;
  /** The buffer records are decoded into on swap-in (null while lent out); grows to the largest record seen. */
  #scratch: Uint8Array | null = new Uint8Array(0);

  constructor(file: SwapFile) {
    this.file = file;
  }

  acquire(): void {
    this.#users++;
  }

  releaseUser(): void {
    if (--this.#users === 0) this.file.close();
  }

  /**
   * Reads a record, decoding it into the store's reusable buffer, and passes the bytes to `use`, which must be done
   * with them when it returns (a swap-in copies its pages out at once). A nested read gets a buffer of its own.
   */
  withRecord<T>(recordId: number, use: (plain: Uint8Array) => T): T {
    const scratch = this.#scratch;
    this.#scratch = null;
    let needed = 0;
    try {
      const plain = this.file.read(recordId, scratch ?? undefined);
      needed = plain.length;
      return use(plain);
    } finally {
      // Grown for the next read when this one did not fit, up to a bound so one huge record is not kept alive.
      this.#scratch = scratch !== null && needed > scratch.length && needed <= MAX_SCRATCH ? new Uint8Array(needed) : scratch;
    }
  }

  addRefs(recordId: number, n: number): void {
    this.#refs.set(recordId, (this.#refs.get(recordId) ?? 0) + n);
  }

  /** Drops `n` pages' references (one by default); the record leaves the file with its last reference. */
  release(recordId: number, n = 1): void {
    const left = (this.#refs.get(recordId) ?? 0) - n;
    if (left > 0) {
      this.#refs.set(recordId, left);
      return;
    }
    this.#refs.delete(recordId);
    if (this.file.isOpen && this.file.has(recordId)) this.file.drop(recordId);
  }
}
