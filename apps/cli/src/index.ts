/**
 * memsim: run, inspect and draw memory scenarios.
 *
 * @packageDocumentation
 */

export const PACKAGE_NAME = '@memsim/cli';
