import { CONSTANTS } from '../scenario/constants.js';
import type { ExprScope } from '../scenario/expr.js';

/**
 * Bound step results of one case run (`bind:`), falling back to the scenario constants: the scope `${...}`
 * expressions of later steps resolve in.
 * @public
 */
export class Bindings implements ExprScope {
  readonly #values = new Map<string, unknown>();
  /** Binds `name` (overwriting an earlier binding). */
  set(name: string, value: unknown): void {
    this.#values.set(name, value);
  }
  /** Whether `name` is bound or a constant. */
  has(name: string): boolean {
    return this.#values.has(name) || CONSTANTS.has(name);
  }
  /** The bound value, else the constant, else undefined. */
  lookup(name: string): unknown {
    return this.#values.has(name) ? this.#values.get(name) : CONSTANTS.get(name);
  }
  /** Binds a step's result: the whole value, or named fields of it. */
  bind(bind: string | Readonly<Record<string, string>> | undefined, value: unknown): void {
    if (bind === undefined) return;
    if (typeof bind === 'string') {
      this.set(bind, value);
      return;
    }
    for (const [field, name] of Object.entries(bind)) {
      const v = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
      this.set(name, v);
    }
  }
}
