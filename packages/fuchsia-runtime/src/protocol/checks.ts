import { ZxError, ZxStatus } from '@memsim/zircon-objects';
import type { MethodMap, ProtocolMarker } from './protocol.js';

export function checkMethod<M extends MethodMap>(protocol: ProtocolMarker<M>, method: unknown): void {
  if (typeof method !== 'string' || !protocol.methods.includes(method))
    throw new ZxError(ZxStatus.INVALID_ARGS, `${protocol.name} has no method ${String(method)}`);
}

/** A deadline or timeout: a number, not NaN (Infinity allowed). */
export function checkTimeout(v: unknown, what: string): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ZxError(ZxStatus.INVALID_ARGS, `${what} must be a number`);
}
