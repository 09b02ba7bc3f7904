import { statusName, ZxError, type Vmar } from '@memsim/zircon-objects';
import type { PinLogger } from './logger.js';
import type { VmarCell } from './vmar-cell.js';

/**
 * A token for a range of pinned memory: a read-only mapping in a shadow process's HIGH-priority VMAR. Disposing
 * it unpins (unmaps exactly `[base, base + length)`), once: disposing again is harmless, and so is disposing after
 * the shadow process is gone (there is nothing left to unmap). Two tokens are equal when they name the same VMAR,
 * base and length.
 * @public
 */
export class PinnedMapping implements Disposable {
  /** Address of the mapping in the shadow VMAR. */
  readonly base: number;
  /** Length as requested (the mapping covers it rounded up to pages). */
  readonly length: number;
  readonly #cell: VmarCell;
  readonly #logger: PinLogger;
  #released = false;

  /** @internal Made by `ShadowProcess.pinPages` (`cell` is the shadow's `VmarCell`). */
  constructor(cell: object, base: number, length: number, logger: PinLogger) {
    this.#cell = cell as VmarCell;
    this.base = base;
    this.length = length;
    this.#logger = logger;
  }

  /** The shadow VMAR while the shadow process lives (borrowed), else `undefined` (a failed `Weak::upgrade`). */
  get vmar(): Vmar | undefined {
    return this.#cell.vmar ?? undefined;
  }

  /** Whether this pin has been disposed. */
  get released(): boolean {
    return this.#released;
  }

  /** Same VMAR (identity), base and length. */
  equals(other: PinnedMapping): boolean {
    return other instanceof PinnedMapping && other.#cell === this.#cell && other.base === this.base && other.length === this.length;
  }

  /** Unpins. A failed unmap is logged as a warning, never thrown. */
  [Symbol.dispose](): void {
    if (this.#released) return;
    this.#released = true;
    const vmar = this.#cell.vmar;
    if (vmar === null) return;
    try {
      vmar.unmap(this.base, this.length);
    } catch (e) {
      this.#logger.warn('Failed to unmap mlock() pin mapping.', {
        e: e instanceof ZxError ? statusName(e.status) : String(e),
        base: this.base,
        length: this.length,
      });
    }
  }
}
