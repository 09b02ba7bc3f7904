import { PAGE_SIZE } from '@memsim/zircon-objects';
import { MappedVmoArgumentError } from '../errors.js';

/** An integer index argument; anything else is a typed error rather than TypedArray's silent truncation. */
export function integerArg(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MappedVmoArgumentError(`${what} must be an integer, got ${String(value)}`);
  }
  return value;
}

/** Resolves a relative index the way TypedArray.prototype.subarray does: negative counts from the end, clamped. */
export function relativeIndex(value: unknown, length: number, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const index = integerArg(value, what);
  return index < 0 ? Math.max(length + index, 0) : Math.min(index, length);
}

/** A byte value for a write: 0..255 exactly, never wrapped. */
export function byteArg(value: unknown, what: string): number {
  const byte = integerArg(value, what);
  if (byte < 0 || byte > 255) throw new MappedVmoArgumentError(`${what} must be in 0..255, got ${byte}`);
  return byte;
}

/** Bytes per bulk read while iterating: one page keeps memory flat without a call per byte. */
export const CHUNK = PAGE_SIZE;
