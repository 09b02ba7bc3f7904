// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Safe byte views of VMOs: immutable snapshot mappings and mutable mappings.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/mapped-vmo';

export { ImmutableMapping } from './immutable-mapping.js';
export { Mapping, type MappingOptions } from './mapping.js';
export type { MapTargetOptions } from './map-target.js';
export { ReadonlyByteView } from './view/readonly-byte-view.js';
export { ByteView } from './view/byte-view.js';
export {
  MappedVmoError,
  type MappedVmoErrorCode,
  GetVmoSizeError,
  VmoSizeNotSafeIntegerError,
  CreateChildVmoError,
  MapVmoError,
  VmarMapReturnedNullError,
  MappingDisposedError,
  MappingFaultError,
  MappedVmoArgumentError,
} from './errors.js';
