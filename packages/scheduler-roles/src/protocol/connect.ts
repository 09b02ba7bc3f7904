import { connectToProtocol, connectToProtocolSync, type Runtime } from '@memsim/fuchsia-runtime';
import { RoleManagerMarker, RoleManagerProxy, RoleManagerSynchronousProxy } from './role-manager.js';

/**
 * Connects to `fuchsia.scheduler.RoleManager` in `runtime`'s namespace, or the ambient process's when no runtime
 * is given. Always succeeds; with no RoleManager offered the first call fails with PEER_CLOSED.
 * @public
 */
export function connectToRoleManagerSync(runtime?: Runtime): RoleManagerSynchronousProxy {
  return new RoleManagerSynchronousProxy(runtime === undefined ? connectToProtocolSync(RoleManagerMarker) : runtime.connectToProtocolSync(RoleManagerMarker));
}

/**
 * The asynchronous form of {@link connectToRoleManagerSync}.
 * @public
 */
export function connectToRoleManager(runtime?: Runtime): RoleManagerProxy {
  return new RoleManagerProxy(runtime === undefined ? connectToProtocol(RoleManagerMarker) : runtime.connectToProtocol(RoleManagerMarker));
}
