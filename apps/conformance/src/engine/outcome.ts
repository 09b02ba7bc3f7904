/**
 * What one step produced, normalised so the model and the live kernel can be compared.
 * @public
 */
export type StepOutcome =
  | { readonly kind: 'ok'; readonly value: unknown; readonly data?: string }
  | { readonly kind: 'status'; readonly status: string; readonly detail?: string }
  | {
      readonly kind: 'errno';
      readonly errno: string;
      readonly detail?: string;
      /** A userfaultfd copy/zeropage/move ioctl's result field: bytes done before the failure, or the negated errno. */
      readonly done?: number;
    }
  | {
      readonly kind: 'fault';
      readonly signal: string;
      readonly code: string;
      readonly faultAddr?: unknown;
      readonly fault?: string;
    };

/**
 * The report of one step: what it did and whether its expectation held.
 * @public
 */
export interface StepReport {
  readonly index: number;
  /** `zx vmo_create`, `linux mmap`, ... */
  readonly label: string;
  readonly line: number;
  readonly outcome: StepOutcome;
  readonly passed: boolean;
  readonly mismatches: readonly string[];
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string (spaces and underscores ignored). */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s_]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new RangeError(`'${hex}' is not an even-length hex string`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * FNV-1a 64 of bytes, 16 hex digits, exactly as the linux probe's `hash` computes it, so page hashes compare
 * across backends.
 */
export function fnv1a64(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * A JSON-safe form of any step value: bytes become hex, handles `{ handle, koid }`, bigints decimal strings.
 * @public
 */
export function normalizeValue(v: unknown, depth = 0): unknown {
  if (depth > 12) return '...';
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map((x) => normalizeValue(x, depth + 1));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown> & { koid?: () => number; valid?: boolean };
    // Handles: identify by class and koid (the koid is stable for the object's life).
    if (typeof o.koid === 'function' && 'rights' in o) {
      let koid: number | null;
      try {
        koid = o.koid();
      } catch {
        koid = null;
      }
      return { handle: (v).constructor.name, koid };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) if (typeof x !== 'function') out[k] = normalizeValue(x, depth + 1);
    return out;
  }
  return typeof v === 'symbol' ? v.toString() : 'function';
}

/**
 * The normalised outcome as JSON, for differential comparison and reports.
 * @public
 */
export function normalizeOutcome(o: StepOutcome): Record<string, unknown> {
  switch (o.kind) {
    case 'ok':
      return o.data !== undefined ? { ok: normalizeValue(o.value), data: o.data } : { ok: normalizeValue(o.value) };
    case 'status':
      return { status: o.status };
    case 'errno':
      return o.done !== undefined ? { errno: o.errno, done: o.done } : { errno: o.errno };
    case 'fault':
      return { signal: o.signal, code: o.code, ...(o.faultAddr !== undefined ? { fault_addr: normalizeValue(o.faultAddr) } : {}) };
  }
}

/** One-line rendering of an outcome for messages. */
export function describeOutcome(o: StepOutcome): string {
  switch (o.kind) {
    case 'ok': {
      const s = JSON.stringify(normalizeValue(o.value));
      return `ok ${s && s.length > 120 ? `${s.slice(0, 117)}...` : s}`;
    }
    case 'status':
      return o.status + (o.detail ? ` (${o.detail})` : '');
    case 'errno':
      return o.errno + (o.done !== undefined ? ` (done ${o.done})` : '') + (o.detail ? ` (${o.detail})` : '');
    case 'fault':
      return `${o.signal}/${o.code}${o.fault ? ` (${o.fault})` : ''}${o.faultAddr !== undefined ? ` at ${JSON.stringify(normalizeValue(o.faultAddr))}` : ''}`;
  }
}
