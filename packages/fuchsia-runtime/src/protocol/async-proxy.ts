import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import { checkMethod, checkTimeout } from './checks.js';
import type { ClientEnd } from './endpoints.js';
import { isEnvelope } from './envelope.js';
import type { MethodMap, ProtocolMarker } from './protocol.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  method: string;
}

/**
 * Options of an asynchronous call.
 * @public
 */
export interface AsyncCallOptions {
  /** Give up (TIMED_OUT) after this many ms of real time; no limit by default. */
  timeoutMs?: number;
}

/**
 * An asynchronous client (FIDL `Proxy`): each call returns a promise of the response. Transport failures reject
 * with `ZxError`: PEER_CLOSED (or the server's epitaph) when the server end goes away,
 * TIMED_OUT past `timeoutMs`.
 * @public
 */
export class AsyncProxy<M extends MethodMap> implements Disposable {
  readonly #client: ClientEnd<M>;
  readonly #pending = new Map<number, Pending>();
  #txid = 1;
  #epitaph: ZxStatus | undefined;

  constructor(client: ClientEnd<M>) {
    this.#client = client;
    client.channel.onSignal(() => this.#pump());
  }

  /** The protocol spoken. */
  get protocol(): ProtocolMarker<M> {
    return this.#client.protocol;
  }

  /** Calls `method`; resolves with the response. */
  call<K extends keyof M & string>(method: K, request: M[K]['request'], options: AsyncCallOptions = {}): Promise<M[K]['response']> {
    try {
      checkMethod(this.#client.protocol, method);
      if (options === null || typeof options !== 'object') throw new ZxError(ZxStatus.INVALID_ARGS, 'options must be an object');
      if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs, 'timeoutMs');
    } catch (e) {
      return Promise.reject(asError(e));
    }
    const txid = this.#txid++;
    return new Promise<M[K]['response']>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        this.#pending.delete(txid);
        if (timer !== undefined) clearTimeout(timer);
      };
      // Registered before writing: an inline server replies during the write.
      this.#pending.set(txid, {
        method,
        resolve: (v) => {
          settle();
          resolve(v);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
        timer = setTimeout(() => {
          settle();
          reject(new ZxError(ZxStatus.TIMED_OUT, `${this.protocol.name}.${method}: no reply within ${options.timeoutMs} ms`));
        }, Math.max(0, options.timeoutMs));
      }
      try {
        this.#client.channel.write({ kind: 'request', txid, method, body: request });
      } catch (e) {
        this.#pump();
        const p = this.#pending.get(txid);
        if (p === undefined) return;
        if (e instanceof ZxError && e.status === ZxStatus.PEER_CLOSED) p.reject(this.#closedError(method));
        else p.reject(asError(e));
      }
    });
  }

  #closedError(method: string): ZxError {
    return new ZxError(this.#epitaph ?? ZxStatus.PEER_CLOSED, `${this.protocol.name}.${method}: channel closed`);
  }

  #pump(): void {
    const ch = this.#client.channel;
    while (!ch.closed && ch.pending > 0) {
      const m = ch.read();
      if (!isEnvelope(m)) continue;
      if (m.kind === 'epitaph') this.#epitaph = m.status;
      else if (m.kind === 'response') this.#pending.get(m.txid)?.resolve(m.body);
    }
    if (ch.closed || ch.peerClosed) for (const p of [...this.#pending.values()]) p.reject(this.#closedError(p.method));
  }

  /** Closes the connection; calls still waiting reject with CANCELED. */
  [Symbol.dispose](): void {
    this.#client[Symbol.dispose]();
    for (const p of [...this.#pending.values()]) p.reject(new ZxError(ZxStatus.CANCELED, `${this.protocol.name}.${p.method}: proxy closed`));
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
