// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The per-process Fuchsia runtime: root VMAR, default job, process handle, namespace and thread creation handles,
 * plus the in-memory channels and FIDL-style clients and servers protocols are built on.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/fuchsia-runtime';

export { Channel } from './channel/channel.js';
export {
  defineProtocol,
  ok,
  err,
  type MethodMap,
  type ProtocolMarker,
  type MethodResult,
  type ProtocolRequest,
  type Responder,
} from './protocol/protocol.js';
export { ClientEnd, ServerEnd, createEndpoints } from './protocol/endpoints.js';
export { SyncProxy, INFINITE } from './protocol/sync-proxy.js';
export { AsyncProxy, type AsyncCallOptions } from './protocol/async-proxy.js';
export { RequestStream, serve, type ProtocolHandlers } from './protocol/request-stream.js';
export { createSyncProxyAndStream, createProxyAndStream } from './protocol/pairs.js';
export { Namespace, type Connector } from './namespace/namespace.js';
export { Runtime, type RuntimeOptions, type ThreadOptions } from './runtime/runtime.js';
export { RuntimeError, type RuntimeErrorCode } from './runtime/errors.js';
export {
  currentRuntime,
  currentThread,
  vmarRootSelf,
  jobDefault,
  processSelf,
  thrdSetZxCreateHandles,
  thrdGetZxCreateHandles,
  connectToProtocolSync,
  connectToProtocol,
} from './runtime/ambient.js';
export { Thread, type ThreadState } from './threads/thread.js';
export type { ThreadRuntime } from './threads/thread-runtime.js';
export type { ThreadCreateHandles } from './threads/create-handles.js';
export type { Arch, ThreadRegion, ThreadRegionKind } from './threads/thread-memory.js';
export type { SchedulerProfile } from './threads/scheduler-profile.js';
