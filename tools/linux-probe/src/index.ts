/**
 * The native C probe of the live Linux kernel, shared by the conformance runner, starnix-mm's checks and the benchmarks.
 *
 * @packageDocumentation
 */

export const PACKAGE_NAME = '@memsim/linux-probe';
