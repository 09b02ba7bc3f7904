/**
 * memsim-conformance: checks the model against Zircon's documented behaviour and the live Linux kernel.
 *
 * @packageDocumentation
 */

export const PACKAGE_NAME = '@memsim/conformance';
