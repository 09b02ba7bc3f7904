/**
 * The per-process Fuchsia runtime: root VMAR, default job, process handle, namespace and thread creation handles.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/fuchsia-runtime';
