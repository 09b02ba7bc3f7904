import { ProbeScenarioError } from './errors.js';
import type { LinuxOp } from './ops.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

function encodeInt(v: number | bigint, where: string): number | string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new ProbeScenarioError(`${where}: ${v} is not a safe integer (use a bigint for 64-bit values)`);
    }
    return v;
  }
  if (v > U64_MAX || v < I64_MIN) throw new ProbeScenarioError(`${where}: ${v} does not fit in 64 bits`);
  // The probe reads integers beyond 2^53 exactly from decimal strings.
  return v.toString();
}

function encodeValue(v: unknown, where: string): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return encodeInt(v, where);
  if (Array.isArray(v)) {
    return v.map((item: unknown, k) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'bigint') return encodeInt(item, `${where}[${k}]`);
      throw new ProbeScenarioError(`${where}[${k}]: array items must be names or integers`);
    });
  }
  if (typeof v === 'object' && 'abs' in v) {
    const abs = v.abs;
    if (typeof abs === 'number' && !Number.isSafeInteger(abs)) {
      throw new ProbeScenarioError(`${where}: ${abs} is not a safe integer (use a bigint)`);
    }
    if ((typeof abs !== 'number' && typeof abs !== 'bigint') || BigInt(abs) < 0n || BigInt(abs) > U64_MAX) {
      throw new ProbeScenarioError(`${where}: { abs } must be an integer in 0..2^64-1`);
    }
    return `abs:0x${BigInt(abs).toString(16)}`;
  }
  throw new ProbeScenarioError(`${where}: unsupported value of type ${typeof v}`);
}

/** One scenario line for the probe. */
export function encodeOp(op: LinuxOp, index: number): string {
  if (typeof op !== 'object' || op === null || typeof (op as { op?: unknown }).op !== 'string') {
    throw new ProbeScenarioError(`op ${index}: not an operation object`, index);
  }
  if (op.op === ('end_scenario' as string)) {
    throw new ProbeScenarioError(`op ${index}: "end_scenario" is the protocol's separator, not an operation`, index);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(op)) {
    if (value === undefined) continue;
    out[key] = encodeValue(value, `op ${index} (${op.op}).${key}`);
  }
  return JSON.stringify(out);
}

/** A whole scenario, closed by its end marker. */
export function encodeScenario(ops: readonly LinuxOp[]): string {
  return ops.map((op, i) => encodeOp(op, i)).join('\n') + '\n{"op":"end_scenario"}\n';
}
