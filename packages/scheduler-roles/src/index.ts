/**
 * fuchsia.scheduler.RoleManager: role configuration, server and FIDL-style clients.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/scheduler-roles';
