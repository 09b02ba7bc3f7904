// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Growable pools of compact VMARs for thread stacks and thread blocks.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/thread-create-vmars';

export { COMPACT_VMAR_SIZE, PROBE_SIZE } from './sizes.js';
export {
  Errno,
  VmarPoolError,
  VmarPoolOptionsError,
  CompactVmarNotEmptyError,
  CompactVmarInspectError,
} from './errors.js';
export { CompactVmar } from './compact-vmar.js';
export { GrowableVmars, type GrowableVmarsOptions } from './growable-vmars.js';
export { ThreadCreateVmars, type ThreadCreateVmarsOptions } from './thread-create-vmars.js';
