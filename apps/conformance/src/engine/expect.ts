import type { Expectation } from '../scenario/types.js';
import { describeOutcome, fnv1a64, fromHex, normalizeValue, type StepOutcome } from './outcome.js';

/** Subset match: objects need the expected keys, arrays equal length and element-wise match, scalars equality. */
export function subsetMismatch(expected: unknown, actual: unknown, path = ''): string | undefined {
  const e = normalizeValue(expected);
  const a = normalizeValue(actual);
  if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
    if (a === null || typeof a !== 'object' || Array.isArray(a)) return `${path || 'value'}: expected an object, got ${JSON.stringify(a)}`;
    for (const [k, v] of Object.entries(e)) {
      if (!(k in a)) return `${path}${path ? '.' : ''}${k}: missing`;
      const m = subsetMismatch(v, (a as Record<string, unknown>)[k], `${path}${path ? '.' : ''}${k}`);
      if (m) return m;
    }
    return undefined;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a)) return `${path || 'value'}: expected an array, got ${JSON.stringify(a)}`;
    if (a.length !== e.length) return `${path || 'value'}: expected ${e.length} items, got ${a.length}: ${JSON.stringify(a).slice(0, 300)}`;
    for (let i = 0; i < e.length; i++) {
      const m = subsetMismatch(e[i], a[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (e === a) return undefined;
  return `${path || 'value'}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`;
}

function bytesOf(o: StepOutcome): Uint8Array | undefined {
  if (o.kind !== 'ok') return undefined;
  if (o.value instanceof Uint8Array) return o.value;
  const hex = typeof o.data === 'string' ? o.data : typeof o.value === 'string' && /^([0-9a-f]{2})*$/.test(o.value) ? o.value : undefined;
  return hex === undefined ? undefined : fromHex(hex);
}

/**
 * Every way `outcome` fails `expect` (empty when it holds). A missing expectation means "must succeed".
 * `expect` must already have its `${...}` references resolved.
 */
export function checkExpectation(expect: Expectation | undefined, outcome: StepOutcome): string[] {
  const got = describeOutcome(outcome);
  const out: string[] = [];
  const e = expect ?? { ok: true };
  const wantsFailure = e.status !== undefined && e.status !== 'ZX_OK' || e.errno !== undefined || e.signal !== undefined || e.code !== undefined || e.fault !== undefined;
  if (!wantsFailure && outcome.kind !== 'ok') {
    out.push(`expected success, got ${got}`);
    return out;
  }
  if (e.status !== undefined && e.status !== 'ZX_OK' && (outcome.kind !== 'status' || outcome.status !== e.status)) out.push(`expected ${e.status}, got ${got}`);
  if (e.errno !== undefined && (outcome.kind !== 'errno' || outcome.errno !== e.errno)) out.push(`expected errno ${e.errno}, got ${got}`);
  if (e.done !== undefined && (outcome.kind !== 'errno' || outcome.done !== e.done)) out.push(`expected done ${e.done}, got ${got}`);
  if (e.signal !== undefined && (outcome.kind !== 'fault' || outcome.signal !== e.signal)) out.push(`expected signal ${e.signal}, got ${got}`);
  if (e.code !== undefined && (outcome.kind !== 'fault' || outcome.code !== e.code)) out.push(`expected si_code ${e.code}, got ${got}`);
  if (e.fault !== undefined && (outcome.kind !== 'fault' || outcome.fault !== e.fault)) out.push(`expected fault ${e.fault}, got ${got}`);
  if (e.fault_addr !== undefined) {
    const m = outcome.kind === 'fault' ? subsetMismatch(e.fault_addr, outcome.faultAddr, 'fault_addr') : `expected a fault, got ${got}`;
    if (m) out.push(m);
  }
  if (outcome.kind !== 'ok') return out;
  for (const v of [e.ok, e.value]) {
    if (v === undefined || v === true) continue;
    const m = subsetMismatch(v, outcome.value);
    if (m) out.push(m);
  }
  if (e.maps !== undefined) {
    const lines = Array.isArray(outcome.value) ? (outcome.value as unknown[]).map((l) => String(l).trimEnd()) : undefined;
    const want = e.maps.map((l) => l.trimEnd());
    if (!lines) out.push(`expected maps lines, got ${got}`);
    else if (lines.length !== want.length || lines.some((l, i) => l !== want[i])) {
      out.push(`maps differ:\n      expected: ${JSON.stringify(want)}\n      got:      ${JSON.stringify(lines)}`);
    }
  }
  if (e.events !== undefined) {
    const m = subsetMismatch(e.events, outcome.value, 'events');
    if (m) out.push(m);
  }
  if (e.bytes !== undefined || e.fill !== undefined || e.hash !== undefined) {
    const b = bytesOf(outcome);
    if (e.hash !== undefined && b === undefined && typeof outcome.value === 'string' && /^[0-9a-f]{16}$/.test(outcome.value)) {
      if (outcome.value !== e.hash) out.push(`expected hash ${e.hash}, got ${outcome.value}`);
    } else if (!b) out.push(`expected memory contents, got ${got}`);
    else {
      if (e.bytes !== undefined) {
        const want = e.bytes.replace(/[\s_]/g, '').toLowerCase();
        const have = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
        if (want !== have) out.push(`expected bytes ${want.slice(0, 64)}, got ${have.slice(0, 64)}${have.length > 64 ? '...' : ''}`);
      }
      if (e.fill !== undefined) {
        const bad = b.findIndex((x) => x !== e.fill);
        if (bad >= 0) out.push(`expected every byte 0x${e.fill.toString(16)}, byte ${bad} is 0x${b[bad].toString(16)}`);
      }
      if (e.hash !== undefined && fnv1a64(b) !== e.hash) out.push(`expected hash ${e.hash}, got ${fnv1a64(b)}`);
    }
  }
  return out;
}
