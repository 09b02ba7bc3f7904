import { type AddressSpace, Handle, Vmar, ZxError, ZxStatus } from '@memsim/zircon-objects';
import { MapVmoError, MappedVmoArgumentError } from './errors.js';

/**
 * Where a mapping goes and whose address space its view reads through.
 * @public
 */
export interface MapTargetOptions {
  /** The VMAR to map into (Fuchsia's `vmar_root_self()`). */
  rootVmar?: Vmar;
  /** The address space `rootVmar` belongs to: the process's `addressSpace`. */
  addressSpace?: AddressSpace;
}

/** A resolved target. */
export interface MapTarget {
  vmar: Vmar;
  addressSpace: AddressSpace;
}

/** Picks the VMAR and address space from the options. */
export function resolveTarget(options: MapTargetOptions): MapTarget {
  const { rootVmar, addressSpace } = options;
  if (rootVmar === undefined || addressSpace === undefined) {
    throw new MappedVmoArgumentError('rootVmar and addressSpace are required');
  }
  // zx_vmar_map's own answer for a handle that is not a VMAR.
  if (!(rootVmar instanceof Vmar)) {
    const status = (rootVmar as unknown) instanceof Handle ? ZxStatus.WRONG_TYPE : ZxStatus.BAD_HANDLE;
    throw new MapVmoError(new ZxError(status, 'rootVmar is not a VMAR handle'));
  }
  if (typeof addressSpace.read !== 'function' || typeof addressSpace.write !== 'function') {
    throw new MappedVmoArgumentError('addressSpace must be an AddressSpace');
  }
  return { vmar: rootVmar, addressSpace };
}
