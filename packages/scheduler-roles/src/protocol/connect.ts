import { Runtime, connectToProtocol, connectToProtocolSync } from '@memsim/fuchsia-runtime';
import { RoleManagerMarker, RoleManagerProxy, RoleManagerSynchronousProxy } from './role-manager.js';

function checkRuntime(what: string, runtime: unknown): void {
  if (runtime !== undefined && !(runtime instanceof Runtime)) throw new TypeError(`${what}: runtime must be a Runtime or undefined`);
}

/**
 * Connects to `fuchsia.scheduler.RoleManager` in `runtime`'s namespace, or the ambient process's when no runtime
 * is given. Always succeeds inside a process; with no RoleManager offered the first call fails with PEER_CLOSED.
 * Without a runtime and outside any process it throws the runtime's `RuntimeError` (`NO_AMBIENT_RUNTIME`), as
 * `connectToProtocolSync` does.
 * @public
 */
export function connectToRoleManagerSync(runtime?: Runtime): RoleManagerSynchronousProxy {
  checkRuntime('connectToRoleManagerSync', runtime);
  return new RoleManagerSynchronousProxy(runtime === undefined ? connectToProtocolSync(RoleManagerMarker) : runtime.connectToProtocolSync(RoleManagerMarker));
}

/**
 * The asynchronous form of {@link connectToRoleManagerSync}.
 * @public
 */
export function connectToRoleManager(runtime?: Runtime): RoleManagerProxy {
  checkRuntime('connectToRoleManager', runtime);
  return new RoleManagerProxy(runtime === undefined ? connectToProtocol(RoleManagerMarker) : runtime.connectToProtocol(RoleManagerMarker));
}
