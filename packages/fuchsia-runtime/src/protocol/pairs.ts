import { AsyncProxy } from './async-proxy.js';
import { createEndpoints } from './endpoints.js';
import type { MethodMap, ProtocolMarker } from './protocol.js';
import { RequestStream } from './request-stream.js';
import { SyncProxy } from './sync-proxy.js';

/**
 * A synchronous proxy connected to a request stream (`fidl::endpoints::create_sync_proxy_and_stream`).
 * @public
 */
export function createSyncProxyAndStream<M extends MethodMap>(protocol: ProtocolMarker<M>): { proxy: SyncProxy<M>; stream: RequestStream<M> } {
  const { client, server } = createEndpoints(protocol);
  return { proxy: new SyncProxy(client), stream: new RequestStream(server) };
}

/**
 * An asynchronous proxy connected to a request stream (`fidl::endpoints::create_proxy_and_stream`).
 * @public
 */
export function createProxyAndStream<M extends MethodMap>(protocol: ProtocolMarker<M>): { proxy: AsyncProxy<M>; stream: RequestStream<M> } {
  const { client, server } = createEndpoints(protocol);
  return { proxy: new AsyncProxy(client), stream: new RequestStream(server) };
}
