import { VmOptions, type Vmo, VmoChildOptions, ZxError } from '@memsim/zircon-objects';
import {
  CreateChildVmoError,
  MappedVmoArgumentError,
  MapVmoError,
  VmarMapReturnedNullError,
  VmoSizeNotSafeIntegerError,
} from './errors.js';
import { EmptyRegion, MappedRegion } from './mapped-region.js';
import { type MapTargetOptions, resolveTarget } from './map-target.js';
import { ReadonlyByteView } from './view/readonly-byte-view.js';
import { isSafeSize, vmoSize } from './vmo-size.js';

/**
 * A read-only byte view of a VMO's contents as they were when the mapping was created.
 *
 * `createFromVmo` takes a SNAPSHOT|NO_WRITE child of the VMO and maps it read-only (with REQUIRE_NON_RESIZABLE) into
 * the root VMAR; the child handle is closed at once, so the mapping alone keeps the snapshot alive. Later writes to
 * the VMO, or shrinking it, never show in the view. Disposing unmaps, which lets the source VMO's ZERO_CHILDREN signal
 * rise again.
 * @public
 */
export class ImmutableMapping extends ReadonlyByteView implements Disposable {
  /** Base address of the mapping, or `null` for an empty VMO (nothing is mapped). */
  readonly address: number | null;
  private readonly owned: MappedRegion | EmptyRegion;

  private constructor(region: MappedRegion | EmptyRegion, address: number | null, length: number) {
    super(region, 0, length);
    this.owned = region;
    this.address = address;
  }

  /**
   * Snapshots `vmo` and maps the snapshot read-only. `vmo` needs DUPLICATE, READ and MAP. With `immediatelyPage` the
   * mapping is created with MAP_RANGE, so page tables are populated up front. A zero-size VMO creates no child and no
   * mapping and gives an empty view.
   *
   * @throws {@link GetVmoSizeError}, {@link VmoSizeNotSafeIntegerError}, {@link CreateChildVmoError},
   * {@link MapVmoError}, {@link VmarMapReturnedNullError}: one per step, with the kernel's ZxError as `cause`.
   */
  static createFromVmo(vmo: Vmo, immediatelyPage: boolean, options: MapTargetOptions = {}): ImmutableMapping {
    if (typeof immediatelyPage !== 'boolean') throw new MappedVmoArgumentError('immediatelyPage must be a boolean');
    const reported = vmoSize(vmo);
    if (reported === 0 || reported === 0n) return new ImmutableMapping(new EmptyRegion(), null, 0);
    if (!isSafeSize(reported)) throw new VmoSizeNotSafeIntegerError(reported);
    const size = reported;
    const target = resolveTarget(options);

    let child: Vmo;
    try {
      child = vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE, 0, size);
    } catch (error) {
      throw error instanceof ZxError ? new CreateChildVmoError(error) : error;
    }
    try {
      // ALLOW_FAULTS is not needed: the child is not resizable, not discardable, not pager-backed, and the mapping
      // covers exactly the child.
      const flags =
        VmOptions.REQUIRE_NON_RESIZABLE | VmOptions.PERM_READ | (immediatelyPage ? VmOptions.MAP_RANGE : 0);
      let address: number;
      try {
        address = target.vmar.map(flags, 0, child, 0, size);
      } catch (error) {
        throw error instanceof ZxError ? new MapVmoError(error) : error;
      }
      if (address === 0) throw new VmarMapReturnedNullError();
      return new ImmutableMapping(new MappedRegion(target.vmar, target.addressSpace, address, size), address, size);
    } finally {
      // The mapping holds the child alive; no handle to it may escape, so nothing can ever write it.
      child.close();
    }
  }

  /** True once disposed; any access then throws {@link MappingDisposedError}. */
  get disposed(): boolean {
    return this.owned.disposed;
  }

  /** Unmaps the snapshot (once; later calls do nothing). */
  [Symbol.dispose](): void {
    this.owned.unmap();
  }
}
