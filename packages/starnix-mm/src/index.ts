/**
 * The Linux memory manager (mmap and friends, faults, fork, /proc maps) on top of Zircon objects, as Starnix builds it.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/starnix-mm';
