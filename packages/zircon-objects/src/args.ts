import { PAGE_SIZE } from './constants.js';
import { ZxStatus, fail } from './status.js';

/**
 * A u64 argument that is valid but cannot be represented below 2^53 (negative numbers are huge u64 values in the
 * C ABI). It flows through the normal checks so each call reports what Zircon would (OUT_OF_RANGE on overflow,
 * INVALID_ARGS on a range check).
 */
export const HUGE = Number.POSITIVE_INFINITY;

/** Validates a u64 argument: non-numbers and non-integers are INVALID_ARGS; out-of-model values become HUGE. */
export function u64(value: unknown, what: string): number {
  if (typeof value !== 'number') fail(ZxStatus.INVALID_ARGS, `${what} must be a number`);
  if (!Number.isInteger(value)) fail(ZxStatus.INVALID_ARGS, `${what} must be an integer`);
  if (value < 0 || value > Number.MAX_SAFE_INTEGER) return HUGE;
  return value;
}

/** Validates a u32 options/rights word. */
export function u32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(ZxStatus.INVALID_ARGS, `${what} must be an integer`);
  if (value < 0 || value > 0xffff_ffff) fail(ZxStatus.INVALID_ARGS, `${what} out of u32 range`);
  return value;
}

/** Unsigned AND of two 32-bit words (`&` in JS is signed). */
export function and(a: number, b: number): number {
  return (a & b) >>> 0;
}

/** True when every bit of `bits` is set in `word`. */
export function hasAll(word: number, bits: number): boolean {
  return (word & bits) >>> 0 === bits >>> 0;
}

/** True when any bit of `bits` is set in `word`. */
export function hasAny(word: number, bits: number): boolean {
  return (word & bits) >>> 0 !== 0;
}

/** Rounds up to a page; HUGE (overflow) when the result leaves the model's range. */
export function roundUpPage(x: number): number {
  if (!Number.isFinite(x)) return HUGE;
  const r = Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
  return r > Number.MAX_SAFE_INTEGER ? HUGE : r;
}

/** Page-aligned and finite. */
export function pageAligned(x: number): boolean {
  return Number.isFinite(x) && x % PAGE_SIZE === 0;
}

/** Validates a string argument. */
export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(ZxStatus.INVALID_ARGS, `${what} must be a string`);
  return value;
}

/** Truncates a name to `max` UTF-8 bytes without splitting a character. */
export function truncateName(name: string, max = 31): string {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= max) return name;
  let end = max;
  // Step back over UTF-8 continuation bytes so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
