// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * fuchsia.scheduler.RoleManager: role configuration (a `.profiles`-style JSON5 format), the server that applies
 * memory roles to VMARs and thread roles to threads, and FIDL-style clients.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/scheduler-roles';

export { RoleConfigError, type RoleConfigErrorCode } from './config/errors.js';
export {
  RoleConfig,
  type RoleScope,
  type ParameterValue,
  type Parameter,
  type RoleCommon,
  type ThreadRole,
  type MemoryRole,
} from './config/role-config.js';
export { parseRoleConfig, loadRoleConfigFile, loadRoleConfigDir, MAX_ROLE_NAME } from './config/parse.js';
export { DEFAULT_ROLE_PROFILES, defaultRoleConfig } from './config/default-config.js';
export {
  RoleManagerMarker,
  RoleManagerSynchronousProxy,
  RoleManagerProxy,
  createRoleManagerSyncProxyAndStream,
  createRoleManagerProxyAndStream,
  type RoleTarget,
  type RoleName,
  type RoleManagerSetRoleRequest,
  type RoleManagerSetRoleResponse,
  type RoleManagerMethods,
  type RoleManagerRequestStream,
} from './protocol/role-manager.js';
export { connectToRoleManagerSync, connectToRoleManager } from './protocol/connect.js';
export { RoleManagerServer, type SetRoleRecord } from './server/role-manager-server.js';
