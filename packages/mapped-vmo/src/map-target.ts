import type { AddressSpace, Vmar } from '@memsim/zircon-objects';
import { ByteViewArgumentError } from './errors.js';

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
    throw new ByteViewArgumentError('rootVmar and addressSpace are required');
  }
  return { vmar: rootVmar, addressSpace };
}
