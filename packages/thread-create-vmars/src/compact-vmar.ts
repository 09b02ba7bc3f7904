import { Handle, VmOptions, Vmar, ZxError, ZxStatus } from '@memsim/zircon-objects';
import { CompactVmarInspectError, CompactVmarNotEmptyError } from './errors.js';
import { COMPACT_VMAR_SIZE } from './sizes.js';

/**
 * A VMAR allocated with COMPACT (dense placement) and CAN_MAP_READ|CAN_MAP_WRITE|CAN_MAP_SPECIFIC, that can be probed
 * for room. Disposing it destroys the VMAR, but only once it is empty: any mapping or child VMAR left inside makes
 * disposal throw {@link CompactVmarNotEmptyError} and leaves everything in place.
 * @public
 */
export class CompactVmar implements Disposable {
  /** The VMAR handle. Shared, not owned, by whoever receives it: do not close or destroy it. */
  readonly vmar: Vmar;
  /** Address of the VMAR. */
  readonly address: number;
  private disposed = false;

  private constructor(vmar: Vmar, address: number) {
    this.vmar = vmar;
    this.address = address;
  }

  /**
   * Allocates a compact VMAR of `size` bytes (default 1 GiB) anywhere in `parent`.
   * @throws ZxError from `zx_vmar_allocate` (NO_RESOURCES when `parent` has no room).
   */
  static allocate(parent: Vmar, size: number = COMPACT_VMAR_SIZE): CompactVmar {
    // What zx_vmar_allocate says about a handle that is not a VMAR.
    if (!(parent instanceof Vmar)) {
      throw new ZxError((parent as unknown) instanceof Handle ? ZxStatus.WRONG_TYPE : ZxStatus.BAD_HANDLE, 'not a VMAR');
    }
    const { vmar, address } = parent.allocate(
      VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC | VmOptions.COMPACT,
      0,
      size,
    );
    return new CompactVmar(vmar, address);
  }

  /** True when a child VMAR of `size` bytes fits right now: allocates one and destroys it again. */
  probe(size: number): boolean {
    let child: Vmar;
    try {
      child = this.vmar.allocate(VmOptions.CAN_MAP_READ, 0, size).vmar;
    } catch (error) {
      if (error instanceof ZxError) return false;
      throw error;
    }
    // The child was just made and nothing was mapped into it.
    child.destroy();
    child.close();
    return true;
  }

  /** INFO_VMAR_MAPS `avail`: 1 when empty (the VMAR's own record), plus one per child VMAR or mapping. */
  records(): number {
    // Like the seed, ask for no records: only the count matters.
    return this.vmar.mapsInfo(0).avail;
  }

  /**
   * Destroys the VMAR and closes its handle, after checking through INFO_VMAR_MAPS that it is empty. Calling it again
   * after a successful disposal does nothing.
   * @throws {@link CompactVmarNotEmptyError} when mappings or child VMARs remain; {@link CompactVmarInspectError} when
   * the maps cannot be read.
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    let avail: number;
    try {
      avail = this.records();
    } catch (error) {
      throw error instanceof ZxError ? new CompactVmarInspectError(error) : error;
    }
    if (avail !== 1) throw new CompactVmarNotEmptyError(avail);
    this.disposed = true;
    this.vmar.destroy();
    this.vmar.close();
  }
}
