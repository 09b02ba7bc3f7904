import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import type { ClientEnd } from './endpoints.js';
import { isEnvelope } from './envelope.js';
import { checkMethod, checkTimeout } from './checks.js';
import type { MethodMap, ProtocolMarker } from './protocol.js';

/**
 * `zx::MonotonicInstant::INFINITE` for synchronous calls.
 * @public
 */
export const INFINITE = Number.POSITIVE_INFINITY;

/**
 * A synchronous client (FIDL `SynchronousProxy`): each call blocks the calling simulated thread until the server
 * replies or the deadline passes.
 *
 * The whole simulation runs on one JS thread, so a server can only answer while the caller is blocked if it
 * handles requests inline (a server bound with `serve`, or a `RequestStream` with an `onRequest` handler, which
 * stands for a server thread already waiting for the request). A call that got no reply once the server had its
 * turn can never get one: it fails with TIMED_OUT, whatever the deadline (a real INFINITE wait would hang).
 * Transport failures throw `ZxError`: PEER_CLOSED (or the server's epitaph) when the
 * server end is gone, TIMED_OUT as above.
 * @public
 */
export class SyncProxy<M extends MethodMap> implements Disposable {
  readonly #client: ClientEnd<M>;
  #txid = 1;
  /** The server's epitaph, once seen: every later call reports it. */
  #epitaph: ZxStatus | undefined;

  constructor(client: ClientEnd<M>) {
    this.#client = client;
  }

  /** The protocol spoken. */
  get protocol(): ProtocolMarker<M> {
    return this.#client.protocol;
  }

  /** The client end (for inspection; the proxy owns it). */
  get clientEnd(): ClientEnd<M> {
    return this.#client;
  }

  /**
   * Calls `method` and returns its response. `deadline` is in ms on the caller's clock, `INFINITE` by default; it
   * only matters as an upper bound, since a reply comes inline or never.
   */
  call<K extends keyof M & string>(method: K, request: M[K]['request'], deadline: number = INFINITE): M[K]['response'] {
    checkMethod(this.#client.protocol, method);
    checkTimeout(deadline, 'deadline');
    const ch = this.#client.channel;
    const txid = this.#txid++;
    try {
      ch.write({ kind: 'request', txid, method, body: request });
    } catch (e) {
      if (e instanceof ZxError && e.status === ZxStatus.PEER_CLOSED) {
        this.#drain(txid);
        throw new ZxError(this.#epitaph ?? ZxStatus.PEER_CLOSED, `${this.protocol.name}.${method}: channel closed`);
      }
      throw e;
    }
    const got = this.#drain(txid);
    if (got.found) return got.body;
    if (ch.peerClosed) throw new ZxError(this.#epitaph ?? ZxStatus.PEER_CLOSED, `${this.protocol.name}.${method}: channel closed`);
    throw new ZxError(
      ZxStatus.TIMED_OUT,
      `${this.protocol.name}.${method}: no reply before the deadline (the server did not answer while the caller was blocked)`,
    );
  }

  /** Reads everything queued: the reply to `txid` if there, any epitaph; stale replies are dropped. */
  #drain(txid: number): { found: boolean; body?: unknown } {
    const ch = this.#client.channel;
    const out: { found: boolean; body?: unknown } = { found: false };
    while (!ch.closed && ch.pending > 0) {
      const m = ch.read();
      if (!isEnvelope(m)) continue;
      if (m.kind === 'epitaph') this.#epitaph = m.status;
      else if (m.kind === 'response' && m.txid === txid) {
        out.found = true;
        out.body = m.body;
      }
    }
    return out;
  }

  /** Closes the connection; never throws. */
  [Symbol.dispose](): void {
    this.#client[Symbol.dispose]();
  }
}
