import type {
  AsyncProxy,
  SyncProxy} from '@memsim/fuchsia-runtime';
import {
  INFINITE,
  createProxyAndStream,
  createSyncProxyAndStream,
  defineProtocol,
  type AsyncCallOptions,
  type MethodResult,
  type ProtocolMarker,
  type RequestStream,
  type Thread,
} from '@memsim/fuchsia-runtime';
import type { Thread as ZxThread, Vmar } from '@memsim/zircon-objects';
import type { Parameter } from '../config/role-config.js';

/**
 * What SetRole applies a role to (FIDL `RoleTarget`, a resource union): a thread (a runtime thread, or a kernel
 * thread handle) or a VMAR handle.
 * @public
 */
export type RoleTarget = { readonly thread: Thread | ZxThread } | { readonly vmar: Vmar };

/**
 * A role name (FIDL `RoleName`, `string:2048`).
 * @public
 */
export interface RoleName {
  readonly role: string;
}

/**
 * `fuchsia.scheduler/RoleManagerSetRoleRequest` (a table: every field optional on the wire, but SetRole needs
 * `target` and `role`). FIDL `input_parameters` is `inputParameters` here.
 * @public
 */
export interface RoleManagerSetRoleRequest {
  readonly target?: RoleTarget;
  readonly role?: RoleName;
  readonly inputParameters?: readonly Parameter[];
}

/**
 * `fuchsia.scheduler/RoleManagerSetRoleResponse` (FIDL `output_parameters` is `outputParameters`).
 * @public
 */
export interface RoleManagerSetRoleResponse {
  readonly outputParameters?: readonly Parameter[];
}

/**
 * The methods of `fuchsia.scheduler.RoleManager`.
 * @public
 */
export type RoleManagerMethods = {
  SetRole: { request: RoleManagerSetRoleRequest; response: MethodResult<RoleManagerSetRoleResponse> };
};

/**
 * The `fuchsia.scheduler.RoleManager` protocol marker (its name is the one offered in namespaces).
 * @public
 */
export const RoleManagerMarker: ProtocolMarker<RoleManagerMethods> = defineProtocol<RoleManagerMethods>('fuchsia.scheduler.RoleManager', ['SetRole']);

/**
 * A request stream of RoleManager, for tests that play the server.
 * @public
 */
export type RoleManagerRequestStream = RequestStream<RoleManagerMethods>;

/**
 * The synchronous RoleManager client (`RoleManagerSynchronousProxy`). Transport failures (PEER_CLOSED when no
 * RoleManager is there, TIMED_OUT when it does not answer) throw `ZxError`; the server's answer is the result.
 * @public
 */
export class RoleManagerSynchronousProxy implements Disposable {
  /** The generic proxy underneath. */
  readonly proxy: SyncProxy<RoleManagerMethods>;
  constructor(proxy: SyncProxy<RoleManagerMethods>) {
    this.proxy = proxy;
  }
  /** SetRole, blocking until the reply or the deadline (ms; `INFINITE` by default). */
  setRole(request: RoleManagerSetRoleRequest, deadline: number = INFINITE): MethodResult<RoleManagerSetRoleResponse> {
    return this.proxy.call('SetRole', request, deadline);
  }
  /** Closes the connection. */
  [Symbol.dispose](): void {
    this.proxy[Symbol.dispose]();
  }
}

/**
 * The asynchronous RoleManager client (`RoleManagerProxy`).
 * @public
 */
export class RoleManagerProxy implements Disposable {
  /** The generic proxy underneath. */
  readonly proxy: AsyncProxy<RoleManagerMethods>;
  constructor(proxy: AsyncProxy<RoleManagerMethods>) {
    this.proxy = proxy;
  }
  /** SetRole; resolves with the server's result. */
  setRole(request: RoleManagerSetRoleRequest, options?: AsyncCallOptions): Promise<MethodResult<RoleManagerSetRoleResponse>> {
    return this.proxy.call('SetRole', request, options);
  }
  /** Closes the connection. */
  [Symbol.dispose](): void {
    this.proxy[Symbol.dispose]();
  }
}

/**
 * A synchronous client wired to a request stream (`create_sync_proxy_and_stream::<RoleManagerMarker>`).
 * @public
 */
export function createRoleManagerSyncProxyAndStream(): { proxy: RoleManagerSynchronousProxy; stream: RoleManagerRequestStream } {
  const { proxy, stream } = createSyncProxyAndStream(RoleManagerMarker);
  return { proxy: new RoleManagerSynchronousProxy(proxy), stream };
}

/**
 * An asynchronous client wired to a request stream (`create_proxy_and_stream::<RoleManagerMarker>`).
 * @public
 */
export function createRoleManagerProxyAndStream(): { proxy: RoleManagerProxy; stream: RoleManagerRequestStream } {
  const { proxy, stream } = createProxyAndStream(RoleManagerMarker);
  return { proxy: new RoleManagerProxy(proxy), stream };
}
