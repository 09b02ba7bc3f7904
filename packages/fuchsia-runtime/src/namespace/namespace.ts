import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import { Channel } from '../channel/channel.js';
import { ServerEnd } from '../protocol/endpoints.js';
import { checkProtocolName, type MethodMap, type ProtocolMarker } from '../protocol/protocol.js';

/**
 * Serves one connection: receives the server end of a fresh channel.
 * @public
 */
export type Connector = (server: Channel) => void;

/**
 * A process's incoming namespace (`/svc`): protocols offered by name. Connecting always succeeds, as on Fuchsia:
 * the request goes to the directory, which closes the server end when nothing is offered under the name, so the
 * client's first call fails with PEER_CLOSED.
 * @public
 */
export class Namespace {
  readonly #offers = new Map<string, Connector>();

  /** Offers `name`; ALREADY_EXISTS if taken. Dispose the result to withdraw the offer. */
  offer(name: string, connector: Connector): Disposable {
    checkProtocolName(name);
    if (typeof connector !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'connector must be a function');
    if (this.#offers.has(name)) throw new ZxError(ZxStatus.ALREADY_EXISTS, `${name} is already offered`);
    this.#offers.set(name, connector);
    return {
      [Symbol.dispose]: () => {
        if (this.#offers.get(name) === connector) this.#offers.delete(name);
      },
    };
  }

  /** Offers a protocol under its discoverable name; `onConnect` gets each new server end. */
  offerProtocol<M extends MethodMap>(protocol: ProtocolMarker<M>, onConnect: (server: ServerEnd<M>) => void): Disposable {
    if (typeof onConnect !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'onConnect must be a function');
    return this.offer(protocol.name, (ch) => onConnect(new ServerEnd(protocol, ch)));
  }

  /** Whether `name` is offered. */
  has(name: string): boolean {
    return this.#offers.has(name);
  }

  /** The offered names, sorted. */
  names(): string[] {
    return [...this.#offers.keys()].sort();
  }

  /**
   * Routes `server` to the protocol offered as `name`, or closes it if there is none (or the connector throws).
   * Consumes `server` either way.
   */
  connect(name: string, server: Channel): void {
    checkProtocolName(name);
    if (!(server instanceof Channel)) throw new ZxError(ZxStatus.WRONG_TYPE, 'server must be a Channel');
    const c = this.#offers.get(name);
    if (c === undefined) {
      server[Symbol.dispose]();
      return;
    }
    try {
      c(server);
    } catch {
      // A failing provider drops the connection; the client sees PEER_CLOSED, as with a crashed server.
      server[Symbol.dispose]();
    }
  }
}
