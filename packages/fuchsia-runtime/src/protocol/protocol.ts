import { ZxError, ZxStatus } from '@memsim/zircon-objects';

/**
 * The methods of a protocol: for each two-way method, the request payload and the response (for methods with an
 * error, the response is a {@link MethodResult}).
 * @public
 */
export type MethodMap = { [method: string]: { request: unknown; response: unknown } };

/**
 * A protocol's marker (FIDL `ProtocolMarker`): its discoverable name (the name it is offered under in a namespace)
 * and its method names. `M` carries the message types.
 * @public
 */
export interface ProtocolMarker<M extends MethodMap> {
  /** Discoverable name, e.g. `fuchsia.scheduler.RoleManager`. */
  readonly name: string;
  /** Method names; requests for others close the connection. */
  readonly methods: readonly (keyof M & string)[];
  /** Type-level only: never set. */
  readonly _types?: M;
}

/**
 * Defines a protocol marker.
 * @public
 */
export function defineProtocol<M extends MethodMap>(name: string, methods: readonly (keyof M & string)[]): ProtocolMarker<M> {
  checkProtocolName(name);
  if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => typeof m !== 'string' || m.length === 0))
    throw new ZxError(ZxStatus.INVALID_ARGS, 'methods must be a non-empty array of names');
  const list: readonly string[] = methods;
  return Object.freeze({ name, methods: Object.freeze(Array.from(list)) });
}

/**
 * A method's domain result (FIDL `Result<T, zx.Status>`): the output or a status.
 * @public
 */
export type MethodResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ZxStatus };

/**
 * Builds a successful {@link MethodResult}.
 * @public
 */
export function ok<T>(value: T): MethodResult<T> {
  return { ok: true, value };
}

/**
 * Builds a failed {@link MethodResult}.
 * @public
 */
export function err<T = never>(error: ZxStatus): MethodResult<T> {
  return { ok: false, error };
}

/**
 * One request of protocol `M` as a server sees it: the method, its payload and the responder for the reply.
 * @public
 */
export type ProtocolRequest<M extends MethodMap> = {
  [K in keyof M & string]: { readonly method: K; readonly payload: M[K]['request']; readonly responder: Responder<M[K]['response']> };
}[keyof M & string];

/**
 * Sends the one reply to a request.
 * @public
 */
export interface Responder<R> {
  /** Sends the reply. BAD_STATE if already sent; PEER_CLOSED if the client has gone. */
  send(response: R): void;
  /** Whether a reply has been sent. */
  readonly sent: boolean;
}

/** Checks a discoverable protocol name (one namespace path component, at most 255 bytes). */
export function checkProtocolName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new ZxError(ZxStatus.INVALID_ARGS, 'protocol name must be a non-empty string');
  if (name.includes('/') || name === '.' || name === '..' || name.includes('\0'))
    throw new ZxError(ZxStatus.INVALID_ARGS, `invalid protocol name ${JSON.stringify(name)}`);
  if (new TextEncoder().encode(name).length > 255) throw new ZxError(ZxStatus.INVALID_ARGS, 'protocol name longer than 255 bytes');
}
