import type { ZxStatus } from '@memsim/zircon-objects';

/** What travels on a protocol channel: a transaction header (txid, method) and the payload, or an epitaph. */
export type Envelope =
  | { readonly kind: 'request'; readonly txid: number; readonly method: string; readonly body: unknown }
  | { readonly kind: 'response'; readonly txid: number; readonly method: string; readonly body: unknown }
  | { readonly kind: 'epitaph'; readonly status: ZxStatus };

export function isEnvelope(v: unknown): v is Envelope {
  if (typeof v !== 'object' || v === null) return false;
  const k = (v as { kind?: unknown }).kind;
  return k === 'request' || k === 'response' || k === 'epitaph';
}
