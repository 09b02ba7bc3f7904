import type { ObjType } from '../constants.js';
import type { KernelContext } from './kernel-context.js';

interface Waiter {
  mask: number;
  resolve: (observed: number) => void;
}

/**
 * State shared by every kernel object: koid, signals, waiters, handle count. Handles point at these.
 */
export abstract class KernelObject {
  readonly kernel: KernelContext;
  readonly koid: number;
  abstract readonly type: ObjType;
  handleCount = 0;
  #signals = 0;
  readonly #waiters = new Set<Waiter>();

  constructor(kernel: KernelContext) {
    this.kernel = kernel;
    this.koid = kernel._newKoid();
  }

  relatedKoid(): number {
    return 0;
  }

  get signals(): number {
    return this.#signals;
  }

  /** Clears then sets signal bits, waking waiters whose mask is now satisfied. */
  updateSignals(clear: number, set: number): void {
    const next = ((this.#signals & ~clear) | set) >>> 0;
    if (next === this.#signals) return;
    this.#signals = next;
    for (const w of this.#waiters) {
      if ((w.mask & next) !== 0) {
        this.#waiters.delete(w);
        w.resolve(next);
      }
    }
  }

  addWaiter(mask: number, resolve: (observed: number) => void): () => void {
    const w: Waiter = { mask, resolve };
    this.#waiters.add(w);
    return () => this.#waiters.delete(w);
  }

  /** Called when the last handle goes away. */
  onNoHandles(): void {}
}
