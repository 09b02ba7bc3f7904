/**
 * Pinning VMO pages by mapping them into a never-started shadow process with a high-priority memory role.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/memory-pinning';
