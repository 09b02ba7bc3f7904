import { type Kernel, VmOptions, Vmo, ZxError } from '@memsim/zircon-objects';
import { MapVmoError, VmarMapReturnedNullError, VmoSizeNotSafeIntegerError } from './errors.js';
import { isSafeSize, vmoSize } from './vmo-size.js';
import { EmptyRegion, MappedRegion } from './mapped-region.js';
import { type MapTargetOptions, resolveTarget } from './map-target.js';
import { ByteView } from './view/byte-view.js';

/**
 * Options for {@link Mapping.createFromVmo}.
 * @public
 */
export interface MappingOptions extends MapTargetOptions {
  /** Bytes to map from offset 0; defaults to the VMO's size. Rounded up to a page by the kernel. */
  size?: number;
  /** Populate the page tables up front (MAP_RANGE). */
  immediatelyPage?: boolean;
}

/**
 * A read/write byte view of a VMO mapped with PERM_READ|PERM_WRITE into the root VMAR: the mutable counterpart of
 * {@link ImmutableMapping}. Writes through the view land in the VMO (visible through `vmo.read`), and writes to the
 * VMO show through the view. The mapping uses REQUIRE_NON_RESIZABLE, so accesses inside the view never fault.
 * @public
 */
export class Mapping extends ByteView implements Disposable {
  /** Base address of the mapping, or `null` when the size is 0 (nothing is mapped). */
  readonly address: number | null;
  private readonly owned: MappedRegion | EmptyRegion;

  private constructor(region: MappedRegion | EmptyRegion, address: number | null, length: number) {
    super(region, 0, length);
    this.owned = region;
    this.address = address;
  }

  /**
   * Maps `size` bytes (default: all) of `vmo` read-write. `vmo` needs READ, WRITE and MAP, and must not be resizable.
   * @throws {@link GetVmoSizeError}, {@link VmoSizeNotSafeIntegerError}, {@link MapVmoError},
   * {@link VmarMapReturnedNullError}.
   */
  static createFromVmo(vmo: Vmo, options: MappingOptions = {}): Mapping {
    const reported = options.size ?? vmoSize(vmo);
    if (!isSafeSize(reported)) {
      if (options.size === undefined) throw new VmoSizeNotSafeIntegerError(reported);
      // An explicit bad size goes to the kernel so it gets zx_vmar_map's own status.
    }
    const size = reported as number;
    if (size === 0) return new Mapping(new EmptyRegion(), null, 0);
    const target = resolveTarget(options);
    const flags =
      VmOptions.REQUIRE_NON_RESIZABLE |
      VmOptions.PERM_READ |
      VmOptions.PERM_WRITE |
      (options.immediatelyPage === true ? VmOptions.MAP_RANGE : 0);
    let address: number;
    try {
      address = target.vmar.map(flags, 0, vmo, 0, size);
    } catch (error) {
      throw error instanceof ZxError ? new MapVmoError(error) : error;
    }
    if (address === 0) throw new VmarMapReturnedNullError();
    return new Mapping(new MappedRegion(target.vmar, target.addressSpace, address, size), address, size);
  }

  /**
   * Creates a VMO of `size` bytes and maps it read-write. Returns both: the mapping keeps the VMO alive, the handle is
   * the caller's to share or close.
   */
  static allocate(kernel: Kernel, size: number, options: Omit<MappingOptions, 'size'> = {}): { mapping: Mapping; vmo: Vmo } {
    const vmo = Vmo.create(kernel, size);
    try {
      return { mapping: Mapping.createFromVmo(vmo, { ...options, size }), vmo };
    } catch (error) {
      vmo.close();
      throw error;
    }
  }

  /** True once disposed; any access then throws {@link MappingDisposedError}. */
  get disposed(): boolean {
    return this.owned.disposed;
  }

  /** Unmaps (once; later calls do nothing). */
  [Symbol.dispose](): void {
    this.owned.unmap();
  }
}
