/**
 * Repository-wide checks: the layering rules of the workspace.
 *
 * @packageDocumentation
 */

export const PACKAGE_NAME = '@memsim/repo-checks';
