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
