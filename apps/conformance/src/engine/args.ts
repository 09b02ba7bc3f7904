import { ConformanceError } from '../scenario/errors.js';
import { evaluate, type ExprScope } from '../scenario/expr.js';
import { fromHex } from './outcome.js';

/** Typed access to a step's resolved arguments; a missing or mistyped argument is a scenario error. */
export class StepArgs {
  constructor(
    readonly call: string,
    readonly values: Readonly<Record<string, unknown>>,
    readonly scope: ExprScope,
  ) {}

  #fail(msg: string): never {
    throw new ConformanceError('BAD_ARGUMENT', `${this.call}: ${msg}`);
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  /** A number; strings are expressions (`ZX_VM_PERM_READ | ZX_VM_PERM_WRITE`); bigints past 2^53 become huge numbers. */
  num(name: string, fallback?: number): number {
    let v = this.values[name];
    if (v === undefined) {
      if (fallback === undefined) this.#fail(`missing argument '${name}'`);
      return fallback;
    }
    if (typeof v === 'string') v = evaluate(v, this.scope);
    if (typeof v === 'bigint') {
      // Out-of-model u64 values (UINT64_MAX, negatives as two's complement) stay out of range for the model.
      return v < 0n ? Number(v + 2n ** 64n) : Number(v);
    }
    if (typeof v === 'number') return v < 0 && Number.isInteger(v) ? v + 2 ** 64 : v;
    return this.#fail(`argument '${name}' must be a number, got ${typeof v}`);
  }

  /**
   * A u64 syscall argument, exact: a safe integer stays a number, anything past 2^53 becomes a bigint, and a negative
   * value is read as C reads it (two's complement: -1 is 2^64 - 1).
   */
  u64(name: string, fallback?: number): number | bigint {
    let v = this.values[name];
    if (v === undefined) {
      if (fallback === undefined) this.#fail(`missing argument '${name}'`);
      return fallback;
    }
    if (typeof v === 'string') v = evaluate(v, this.scope);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) this.#fail(`argument '${name}' ${v} is not an exact integer; write it as an expression`);
      v = BigInt(v);
    }
    if (typeof v !== 'bigint') return this.#fail(`argument '${name}' must be a number, got ${typeof v}`);
    const u = BigInt.asUintN(64, v);
    return u <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : u;
  }

  str(name: string, fallback?: string): string {
    const v = this.values[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string') this.#fail(`argument '${name}' must be a string`);
    return v;
  }

  /** An object bound earlier (a handle): checked against the expected class. */
  obj<T>(name: string, cls: abstract new (...a: never[]) => T, fallback?: T): T {
    const v = this.values[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (!(v instanceof cls)) this.#fail(`argument '${name}' must be a ${cls.name} handle (bind one in an earlier step)`);
    return v;
  }

  /** Bytes from `data` (hex) or `fill` + `length`. */
  bytes(): Uint8Array {
    if (this.has('data')) {
      const d = this.values['data'];
      if (typeof d !== 'string') this.#fail("'data' must be a hex string");
      try {
        return fromHex(d);
      } catch (e) {
        return this.#fail((e as Error).message);
      }
    }
    if (this.has('fill')) {
      const len = this.num('length');
      if (!Number.isSafeInteger(len) || len < 0 || len > 1 << 28) this.#fail(`'length' ${len} is not a usable buffer size`);
      return new Uint8Array(len).fill(this.num('fill') & 0xff);
    }
    return this.#fail("needs 'data' (hex) or 'fill' and 'length'");
  }
}
