/**
 * Linux userfaultfd semantics and a complete userspace swap built on it.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/userspace-swap';
