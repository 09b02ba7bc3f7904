import type { SwapFile } from './swap-file.js';

/**
 * A swap file shared by a renderer and its fork children: records are reference-counted by the pages that still
 * point at them, and the file closes when its last user goes.
 */
export class SharedStore {
  readonly file: SwapFile;
  readonly #refs = new Map<number, number>();
  #users = 0;

  constructor(file: SwapFile) {
    this.file = file;
  }

  acquire(): void {
    this.#users++;
  }

  releaseUser(): void {
    if (--this.#users === 0) this.file.close();
  }

  addRefs(recordId: number, n: number): void {
    this.#refs.set(recordId, (this.#refs.get(recordId) ?? 0) + n);
  }

  /** Drops one page's reference; the record leaves the file with its last reference. */
  release(recordId: number): void {
    const left = (this.#refs.get(recordId) ?? 0) - 1;
    if (left > 0) {
      this.#refs.set(recordId, left);
      return;
    }
    this.#refs.delete(recordId);
    if (this.file.isOpen && this.file.has(recordId)) this.file.drop(recordId);
  }
}
