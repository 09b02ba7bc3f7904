// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Memory pinning through a shadow process: VMO pages mapped into a never-started process whose root VMAR has the
 * `fuchsia.starnix.pinned_memory` role stay resident under memory pressure (Starnix's mlock).
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/memory-pinning';

export { ShadowProcess, MEMORY_ROLE, type ShadowProcessOptions } from './pin/shadow-process.js';
export { PinnedMapping } from './pin/pinned-mapping.js';
export { consoleLogger, type PinLogger } from './pin/logger.js';
export { Errno, ErrnoError, type ErrnoName } from './errno/errno.js';
export { FDIO_STATUS_TO_ERRNO, fromStatusLikeFdio } from './errno/from-status.js';
