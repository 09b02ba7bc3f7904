import { evaluate } from '@memsim/conformance';
import { CliError } from '../cli/errors.js';
import type { Scope } from './scope.js';

function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s_]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new CliError('BAD_INPUT', `'${hex}' is not an even-length hex string`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Typed access to a step's resolved arguments; a missing or mistyped argument is a scenario error. */
export class Args {
  constructor(
    readonly call: string,
    readonly values: Readonly<Record<string, unknown>>,
    readonly scope: Scope,
  ) {}

  #fail(msg: string): never {
    throw new CliError('BAD_INPUT', `${this.call}: ${msg}`);
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  num(name: string, fallback?: number): number {
    let v = this.values[name];
    if (v === undefined) {
      if (fallback === undefined) this.#fail(`missing argument '${name}'`);
      return fallback;
    }
    if (typeof v === 'string') v = evaluate(v, this.scope);
    if (typeof v === 'bigint') return v < 0n ? Number(v + 2n ** 64n) : Number(v);
    if (typeof v === 'number') return v < 0 && Number.isInteger(v) ? v + 2 ** 64 : v;
    return this.#fail(`argument '${name}' must be a number, got ${typeof v}`);
  }

  str(name: string, fallback?: string): string {
    const v = this.values[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string') this.#fail(`argument '${name}' must be a string`);
    return v;
  }

  obj<T>(name: string, cls: abstract new (...a: never[]) => T, fallback?: T): T {
    const v = this.values[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (!(v instanceof cls)) this.#fail(`argument '${name}' must be a ${cls.name} handle (bind one in an earlier step)`);
    return v;
  }

  /** Bytes from `data` (hex) or `fill` + `length`. */
  bytes(): Uint8Array {
    const d = this.values['data'];
    if (d !== undefined) {
      if (typeof d !== 'string') this.#fail("'data' must be a hex string");
      return fromHex(d);
    }
    if (this.values['fill'] !== undefined) {
      const len = this.num('length');
      if (!Number.isSafeInteger(len) || len < 0 || len > 1 << 28) this.#fail(`'length' ${len} is not a usable buffer size`);
      return new Uint8Array(len).fill(this.num('fill') & 0xff);
    }
    return this.#fail("needs 'data' (hex) or 'fill' and 'length'");
  }
}
