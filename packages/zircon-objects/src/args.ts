import { PAGE_SIZE } from './constants.js';
import { ZxStatus, fail } from './status.js';

/**
 * A u64 syscall argument: a non-negative safe integer (below 2^53) or a `bigint` in [0, 2^64). Numbers past 2^53 are
 * refused rather than rounded, because a double there no longer names one u64 (2^64 - 1 is not a double at all).
 * @public
 */
export type U64 = number | bigint;

/** 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;
const PAGE = BigInt(PAGE_SIZE);

/**
 * Validates a u64 argument and returns it exactly. A non-integer, a negative value, a number past 2^53 or a bigint
 * outside [0, 2^64) is INVALID_ARGS with a message naming the argument: the C ABI cannot receive such a value, so
 * there is no Zircon status to mirror, and silently rounding would answer a different call than the one written.
 */
export function u64(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) fail(ZxStatus.INVALID_ARGS, `${what} ${value} is outside the u64 range [0, 2^64)`);
    return value;
  }
  if (typeof value !== 'number') fail(ZxStatus.INVALID_ARGS, `${what} must be a number or a bigint`);
  if (!Number.isInteger(value)) fail(ZxStatus.INVALID_ARGS, `${what} must be an integer`);
  if (value < 0) fail(ZxStatus.INVALID_ARGS, `${what} ${value} is negative; a u64 is never negative`);
  if (value > Number.MAX_SAFE_INTEGER)
    fail(ZxStatus.INVALID_ARGS, `${what} ${value} is past 2^53, where a number is not exact; pass it as a bigint`);
  return BigInt(value);
}

/**
 * Whether `a` and `b` are u64 arguments given as numbers whose sum is exact (both non-negative safe integers, the sum
 * at most 2^53 - 1): hot paths check such arguments in number arithmetic, with the same outcomes as {@link u64} and
 * bigint arithmetic, and without allocating bigints.
 */
export function smallPair(a: unknown, b: unknown): a is number {
  return (
    typeof a === 'number' &&
    typeof b === 'number' &&
    Number.isSafeInteger(a) &&
    Number.isSafeInteger(b) &&
    a >= 0 &&
    b >= 0 &&
    a + b <= Number.MAX_SAFE_INTEGER
  );
}

/** A u64 already known to be below 2^53 (checked against a model bound) as a number. */
export function small(x: bigint): number {
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`internal: ${x} is past 2^53`);
  return Number(x);
}

/** `ROUNDUP(x, PAGE_SIZE)` in u64 arithmetic: null when it would pass 2^64 - 1 (C would wrap to a small value). */
export function roundUpPageU64(x: bigint): bigint | null {
  const r = ((x + PAGE - 1n) / PAGE) * PAGE;
  return r > U64_MAX ? null : r;
}

/** True when `x` is a page multiple. */
export function pageAlignedU64(x: bigint): boolean {
  return x % PAGE === 0n;
}

/** True when `a + b` does not fit in a u64 (`add_overflow` in the kernel). */
export function addOverflows(a: bigint, b: bigint): boolean {
  return a + b > U64_MAX;
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

/** Page-aligned (numbers inside the model's range). */
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
