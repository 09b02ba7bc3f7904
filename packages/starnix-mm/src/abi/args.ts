import { fail } from '../errno/errno.js';

/**
 * A system-call integer argument: a safe-integer number or a bigint up to 2^64-1. Negative values are taken as
 * two's complement (as the kernel sees them).
 *
 * @public
 */
export type SysInt = number | bigint;

const U64 = (1n << 64n) - 1n;

/** Converts an argument to the unsigned 64-bit value the kernel would see; garbage gets EINVAL. */
export function u64(v: unknown, what: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail('EINVAL', `${what} is not a safe integer`);
    b = BigInt(v);
  } else fail('EINVAL', `${what} is not an integer`);
  if (b < 0n) {
    if (b < -(1n << 63n)) fail('EINVAL', `${what} out of range`);
    b = b & U64;
  }
  if (b > U64) fail('EINVAL', `${what} out of range`);
  return b;
}

/** The low 32 bits as the kernel reads an `int` argument (sign-extended). */
export function i32(v: unknown, what: string): number {
  return Number(BigInt.asIntN(32, u64(v, what)));
}

/** The low 32 bits unsigned (flags arguments declared `unsigned int` / `int`). */
export function u32(v: unknown, what: string): number {
  return Number(BigInt.asUintN(32, u64(v, what)));
}

/** An unsigned long argument as a number when it fits below 2^53; otherwise `Infinity` (callers treat it as huge). */
export function ulong(v: unknown, what: string): number {
  const b = u64(v, what);
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(b);
}

export const PAGE_MASK_LOW = 4095;
