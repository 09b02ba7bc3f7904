import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import type { ServerEnd } from './endpoints.js';
import { isEnvelope } from './envelope.js';
import type { MethodMap, ProtocolMarker, ProtocolRequest, Responder } from './protocol.js';

type Waiter<M extends MethodMap> = (r: IteratorResult<ProtocolRequest<M>, undefined>) => void;

/**
 * The server side of a connection as a stream of requests (FIDL `RequestStream`), so a test can play the server
 * and inspect each request. Requests are taken one of three ways:
 *
 * - `await stream.next()` / `for await (const req of stream)`: asynchronous, for asynchronous clients;
 * - `stream.tryNext()`: a synchronous poll of what is queued;
 * - `stream.onRequest(handler)`: the handler runs inline as each request arrives, standing for a server thread
 *   already waiting for it; this is how a synchronous client gets its reply while it blocks.
 *
 * A request for a method the protocol does not have closes the connection with a NOT_SUPPORTED epitaph.
 * @public
 */
export class RequestStream<M extends MethodMap> implements AsyncIterable<ProtocolRequest<M>>, Disposable {
  readonly #server: ServerEnd<M>;
  readonly #waiters: Waiter<M>[] = [];
  #handler: ((request: ProtocolRequest<M>) => void) | null = null;
  #handlerError: unknown;

  constructor(server: ServerEnd<M>) {
    this.#server = server;
    server.channel.onSignal(() => this.#pump());
  }

  /** The protocol served. */
  get protocol(): ProtocolMarker<M> {
    return this.#server.protocol;
  }

  /** Whether the client end has gone (and nothing is left to read). */
  get isTerminated(): boolean {
    const ch = this.#server.channel;
    return ch.closed || (ch.peerClosed && ch.pending === 0);
  }

  /** The next request; `done` once the client has closed and every request was taken. */
  next(): Promise<IteratorResult<ProtocolRequest<M>, undefined>> {
    const r = this.#take();
    if (r !== undefined) return Promise.resolve({ done: false, value: r });
    if (this.isTerminated) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A queued request, or `undefined` if none is queued. */
  tryNext(): ProtocolRequest<M> | undefined {
    return this.#take();
  }

  /**
   * What an `onRequest` handler threw, if one did. A throwing handler is a crashed server: the connection is shut
   * down with an epitaph (the ZxError's status, else INTERNAL) so the client sees a failure, never the exception.
   */
  get handlerError(): unknown {
    return this.#handlerError;
  }

  /** Serves inline: `handler` runs for every queued and future request. Dispose the result to stop. */
  onRequest(handler: (request: ProtocolRequest<M>) => void): Disposable {
    if (typeof handler !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'handler must be a function');
    if (this.#handler !== null) throw new ZxError(ZxStatus.ALREADY_BOUND, 'the stream already has a handler');
    this.#handler = handler;
    this.#pump();
    return {
      [Symbol.dispose]: () => {
        if (this.#handler === handler) this.#handler = null;
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<ProtocolRequest<M>, undefined> {
    return { next: () => this.next() };
  }

  /** Closes the connection after sending `status` as the epitaph the client will see. */
  shutdownWithEpitaph(status: ZxStatus): void {
    const ch = this.#server.channel;
    if (ch.closed) return;
    try {
      ch.write({ kind: 'epitaph', status });
    } catch {
      // The client is gone already; closing is all that is left.
    }
    ch.close();
    this.#finish();
  }

  /** Closes the server end (clients see PEER_CLOSED); never throws. */
  [Symbol.dispose](): void {
    this.#server[Symbol.dispose]();
    this.#finish();
  }

  #take(): ProtocolRequest<M> | undefined {
    const ch = this.#server.channel;
    while (!ch.closed && ch.pending > 0) {
      const m = ch.read();
      if (!isEnvelope(m) || m.kind !== 'request') continue;
      if (!this.protocol.methods.includes(m.method)) {
        this.shutdownWithEpitaph(ZxStatus.NOT_SUPPORTED);
        return undefined;
      }
      return { method: m.method, payload: m.body, responder: this.#responder(m.txid, m.method) };
    }
    return undefined;
  }

  #responder(txid: number, method: string): Responder<unknown> {
    const ch = this.#server.channel;
    let sent = false;
    return {
      get sent() {
        return sent;
      },
      send(response: unknown) {
        if (sent) throw new ZxError(ZxStatus.BAD_STATE, `${method}: reply already sent`);
        sent = true;
        ch.write({ kind: 'response', txid, method, body: response });
      },
    };
  }

  #pump(): void {
    for (;;) {
      const h = this.#handler;
      if (h === null && this.#waiters.length === 0) break;
      const r = this.#take();
      if (r === undefined) break;
      if (h !== null) {
        try {
          h(r);
        } catch (e) {
          this.#handlerError = e;
          this.shutdownWithEpitaph(e instanceof ZxError ? e.status : ZxStatus.INTERNAL);
          break;
        }
      } else this.#waiters.shift()?.({ done: false, value: r });
    }
    if (this.isTerminated) this.#finish();
  }

  #finish(): void {
    for (const w of this.#waiters.splice(0)) w({ done: true, value: undefined });
  }
}

/**
 * Handlers of a server bound with {@link serve}: one function per method, returning the response.
 * @public
 */
export type ProtocolHandlers<M extends MethodMap> = { [K in keyof M & string]: (payload: M[K]['request']) => M[K]['response'] };

/**
 * Binds `handlers` to `server` inline (each request is answered as it arrives). A handler that throws closes the
 * connection with an epitaph: the thrown ZxError's status, or INTERNAL for anything else.
 * @public
 */
export function serve<M extends MethodMap>(server: ServerEnd<M>, handlers: ProtocolHandlers<M>): RequestStream<M> {
  // Checked here, not where the stream first touches them: a wrong argument is the caller's INVALID_ARGS, not a
  // TypeError from inside the channel's signal wiring.
  const channel = (server as { channel?: { onSignal?: unknown } } | null)?.channel;
  if (typeof server !== 'object' || server === null || typeof channel?.onSignal !== 'function')
    throw new ZxError(ZxStatus.INVALID_ARGS, 'serve: server must be a ServerEnd');
  if (typeof handlers !== 'object' || handlers === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'serve: handlers must be an object');
  const stream = new RequestStream(server);
  stream.onRequest((req) => {
    let response: unknown;
    try {
      const fn = handlers[req.method];
      response = fn(req.payload);
    } catch (e) {
      stream.shutdownWithEpitaph(e instanceof ZxError ? e.status : ZxStatus.INTERNAL);
      return;
    }
    try {
      (req.responder as Responder<unknown>).send(response);
    } catch {
      // The client left before the reply: nothing to tell it.
    }
  });
  return stream;
}
