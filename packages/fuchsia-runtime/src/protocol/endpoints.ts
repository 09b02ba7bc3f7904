import { Channel } from '../channel/channel.js';
import type { MethodMap, ProtocolMarker } from './protocol.js';

/**
 * The client end of a connection speaking protocol `M` (FIDL `ClientEnd`).
 * @public
 */
export class ClientEnd<M extends MethodMap> implements Disposable {
  /** The protocol. */
  readonly protocol: ProtocolMarker<M>;
  /** The underlying channel end. */
  readonly channel: Channel;
  constructor(protocol: ProtocolMarker<M>, channel: Channel) {
    this.protocol = protocol;
    this.channel = channel;
  }
  /** Closes the channel end; never throws. */
  [Symbol.dispose](): void {
    this.channel[Symbol.dispose]();
  }
}

/**
 * The server end of a connection speaking protocol `M` (FIDL `ServerEnd`).
 * @public
 */
export class ServerEnd<M extends MethodMap> implements Disposable {
  /** The protocol. */
  readonly protocol: ProtocolMarker<M>;
  /** The underlying channel end. */
  readonly channel: Channel;
  constructor(protocol: ProtocolMarker<M>, channel: Channel) {
    this.protocol = protocol;
    this.channel = channel;
  }
  /** Closes the channel end; never throws. */
  [Symbol.dispose](): void {
    this.channel[Symbol.dispose]();
  }
}

/**
 * Creates a connected client/server pair for `protocol` (`fidl::endpoints::create_endpoints`).
 * @public
 */
export function createEndpoints<M extends MethodMap>(protocol: ProtocolMarker<M>): { client: ClientEnd<M>; server: ServerEnd<M> } {
  // A marker is an object naming its protocol; anything else would fail later with an engine error.
  if (protocol === null || typeof protocol !== 'object' || typeof (protocol as { name?: unknown }).name !== 'string') throw new TypeError('protocol must be a protocol marker ({ name: string, ... })');
  const [a, b] = Channel.create();
  return { client: new ClientEnd(protocol, a), server: new ServerEnd(protocol, b) };
}
