import { Runtime, vmarRootSelf } from '@memsim/fuchsia-runtime';
import { PAGE_SIZE, type Vmar, ZxError } from '@memsim/zircon-objects';
import { CompactVmar } from './compact-vmar.js';
import { VmarPoolError, VmarPoolOptionsError } from './errors.js';
import { COMPACT_VMAR_SIZE, PROBE_SIZE } from './sizes.js';

/**
 * Options for {@link GrowableVmars}.
 * @public
 */
export interface GrowableVmarsOptions {
  /** The process whose root VMAR the pools allocate from. Default: the ambient runtime (`vmarRootSelf()`). */
  runtime?: Runtime;
  /** Where new compact VMARs are allocated, instead of the runtime's root VMAR. */
  rootVmar?: Vmar;
  /** Size of each compact VMAR; default {@link COMPACT_VMAR_SIZE} (1 GiB). */
  vmarSize?: number;
  /** Room a VMAR must have to be handed out; default {@link PROBE_SIZE} (32 MiB). */
  probeSize?: number;
}

/**
 * A list of compact VMARs that grows, never shrinks, to make room for allocations nobody tracks (libc's thread
 * stacks and blocks). `probe` is called just before each allocation: it hands out the first VMAR with room, moving
 * it to the front (the full ones before it go to the back, so later searches try them last), or allocates a new VMAR
 * at the front when all are full.
 * @public
 */
export class GrowableVmars implements Disposable {
  private readonly entries: CompactVmar[] = [];
  private readonly rootVmar: Vmar;
  private readonly vmarSize: number;
  private readonly probeSize: number;

  /**
   * An empty pool. The root VMAR is looked up now: `options.rootVmar`, else `options.runtime`'s, else the ambient
   * process's (`vmarRootSelf()`, which throws fuchsia-runtime's RuntimeError outside any process).
   * @throws {@link VmarPoolOptionsError} for malformed options.
   */
  constructor(options: GrowableVmarsOptions = {}) {
    this.rootVmar = rootVmarOf(options);
    this.vmarSize = pageMultiple(options.vmarSize ?? COMPACT_VMAR_SIZE, 'vmarSize');
    this.probeSize = pageMultiple(options.probeSize ?? PROBE_SIZE, 'probeSize');
    if (this.probeSize > this.vmarSize) {
      throw new VmarPoolOptionsError(`probeSize ${this.probeSize} is larger than vmarSize ${this.vmarSize}`);
    }
  }

  /**
   * A VMAR with at least `probeSize` bytes free, suitable as a thread creation handle. The handle is borrowed: it
   * stays owned by this pool.
   * @throws {@link VmarPoolError} (ENOMEM) when every VMAR is full and no new one fits in the root VMAR.
   */
  probe(): Vmar {
    const index = this.entries.findIndex((v) => v.probe(this.probeSize));
    if (index >= 0) {
      // rotate_left(index): the full VMARs searched before the hit move to the back, in order.
      this.entries.push(...this.entries.splice(0, index));
    } else {
      let fresh: CompactVmar;
      try {
        fresh = CompactVmar.allocate(this.rootVmar, this.vmarSize);
      } catch (error) {
        throw error instanceof ZxError ? new VmarPoolError(error) : error;
      }
      this.entries.unshift(fresh);
    }
    // Populated above: either rotated to the front or pushed there.
    return this.entries[0].vmar;
  }

  /** The pool's VMARs in search order (front first). */
  get vmars(): readonly CompactVmar[] {
    return [...this.entries];
  }

  /** Number of VMARs in the pool. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Disposes every VMAR. Non-empty ones stay (and stay in the pool); the first such failure is thrown after all the
   * others were tried.
   */
  [Symbol.dispose](): void {
    let first: unknown = undefined;
    let failed = false;
    const kept: CompactVmar[] = [];
    for (const vmar of this.entries) {
      try {
        vmar[Symbol.dispose]();
      } catch (error) {
        if (!failed) first = error;
        failed = true;
        kept.push(vmar);
      }
    }
    this.entries.splice(0, this.entries.length, ...kept);
    if (failed) throw first;
  }
}

function pageMultiple(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value % PAGE_SIZE !== 0) {
    throw new VmarPoolOptionsError(`${what} must be a positive multiple of ${PAGE_SIZE}, got ${String(value)}`);
  }
  return value;
}

/** The VMAR pools allocate from, per the options. */
export function rootVmarOf(options: GrowableVmarsOptions): Vmar {
  if (typeof options !== 'object' || options === null) throw new VmarPoolOptionsError('options must be an object');
  if (options.runtime !== undefined && !(options.runtime instanceof Runtime)) {
    throw new VmarPoolOptionsError('runtime must be a Runtime');
  }
  return options.rootVmar ?? options.runtime?.vmarRootSelf() ?? vmarRootSelf();
}
