/**
 * Zircon kernel objects: handles and rights, VMOs with copy-on-write clones and slices, VMARs, processes, jobs, memory priority and reclamation.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/zircon-objects';
