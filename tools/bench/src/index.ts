/**
 * The benchmark suite: memsim against the native Linux kernel, side by side in one run.
 *
 * @packageDocumentation
 */

export const PACKAGE_NAME = "@memsim/bench";
