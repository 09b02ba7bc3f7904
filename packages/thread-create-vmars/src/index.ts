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
