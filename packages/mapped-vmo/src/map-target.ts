import { Runtime, currentRuntime } from '@memsim/fuchsia-runtime';
import { type AddressSpace, Handle, Vmar, ZxError, ZxStatus } from '@memsim/zircon-objects';
import { MapVmoError, MappedVmoArgumentError } from './errors.js';

/**
 * Where a mapping goes and whose address space its view reads through. By default both come from the process the
 * calling code runs in (`vmarRootSelf()` and `processSelf()` of `@memsim/fuchsia-runtime`, as the Rust crate uses
 * `fuchsia_runtime::vmar_root_self()`); `runtime` names a process explicitly.
 * @public
 */
export interface MapTargetOptions {
  /** The process to map into: its root VMAR and address space. Default: the ambient runtime. */
  runtime?: Runtime;
  /** The VMAR to map into instead of the runtime's root VMAR (it must belong to the same process). */
  rootVmar?: Vmar;
  /** The address space accesses go through instead of the runtime's process's. */
  addressSpace?: AddressSpace;
}

/** A resolved target. */
export interface MapTarget {
  vmar: Vmar;
  addressSpace: AddressSpace;
}

/**
 * Picks the VMAR and address space from the options, falling back on the explicit runtime, then the ambient one
 * (which throws fuchsia-runtime's RuntimeError NO_AMBIENT_RUNTIME outside any process).
 */
export function resolveTarget(options: MapTargetOptions): MapTarget {
  if (typeof options !== 'object' || options === null) throw new MappedVmoArgumentError('options must be an object');
  if (options.runtime !== undefined && !(options.runtime instanceof Runtime)) {
    throw new MappedVmoArgumentError('runtime must be a Runtime');
  }
  let { rootVmar, addressSpace } = options;
  if (rootVmar === undefined || addressSpace === undefined) {
    const runtime = options.runtime ?? currentRuntime();
    rootVmar ??= runtime.vmarRootSelf();
    addressSpace ??= runtime.processSelf().addressSpace;
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
