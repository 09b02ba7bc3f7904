/**
 * A seeded fuzzer of a package's public methods: it calls every method (and getter) of the objects it is given,
 * and of the objects those calls return, with random and boundary arguments (numbers and bigints near 2^53, 2^63
 * and 2^64, negatives, NaN, fractions, wrong types, and the package's own objects), and reports the first error the
 * package does not document. Each package's public-API fuzz test supplies the roots and what it may throw.
 */

/** V8's own messages: a TypeError or RangeError carrying one of these is a crash inside the code, not a check. */
export const ENGINE_ERROR = /Cannot read properties|Cannot set properties|is not a function|is not iterable|is not a constructor|Cannot convert|Cannot mix BigInt|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|out of memory|Do not know how to serialize|Invalid string length/i;

/** A TypeError or RangeError thrown by an argument check (not by the engine). */
export function isArgumentError(e: unknown): boolean {
  return (e instanceof TypeError || e instanceof RangeError) && !ENGINE_ERROR.test(e.message);
}

/** Options of {@link fuzzMethods}. */
export interface MethodFuzzOptions {
  /** The seeded generator (zircon-objects' `mulberry32(seed)`). */
  readonly random: () => number;
  readonly calls: number;
  /** The objects to start from. */
  readonly roots: readonly object[];
  /** Whether `e` is an error the package documents. */
  readonly allowed: (e: unknown) => boolean;
  /** Whether a returned value is one of the package's objects worth calling (default: any non-array object with methods). */
  readonly keep?: (v: unknown) => boolean;
  /** Method names never called (e.g. ones that block forever by design). */
  readonly skip?: readonly string[];
  /** Objects passed as arguments but never called (another layer's objects, e.g. a VMO to pin). */
  readonly values?: readonly unknown[];
  /** Extra plausible integer arguments (sizes, offsets the package works with). */
  readonly ints?: readonly number[];
}

/** The result: calls made and, on failure, the call and the error. */
export interface MethodFuzzResult {
  readonly calls: number;
  readonly failure?: string;
}

const BOUNDARY: readonly unknown[] = [
  0, 1, -1, 4095, 4096, 8192, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, -(2 ** 53), Number.MAX_VALUE,
  2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -1n, -(2n ** 63n),
  Number.NaN, Infinity, -Infinity, 0.5, 4096.5, -0, '4096', '', null, undefined, {}, [], true,
];

function methodsOf(o: object, skip: ReadonlySet<string>): { name: string; kind: 'method' | 'getter'; arity: number }[] {
  const out: { name: string; kind: 'method' | 'getter'; arity: number }[] = [];
  const seen = new Set<string>();
  for (let p: object | null = o; p !== null && p !== Object.prototype && p !== Function.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || name.startsWith('_') || seen.has(name) || skip.has(name)) continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (!d) continue;
      if (d.get) out.push({ name, kind: 'getter', arity: 0 });
      else if (typeof d.value === 'function') out.push({ name, kind: 'method', arity: (d.value as (...a: unknown[]) => unknown).length });
    }
  }
  return out;
}

function describe(a: unknown): string {
  if (typeof a === 'bigint') return `${a.toString()}n`;
  if (typeof a === 'string') return JSON.stringify(a);
  if (typeof a === 'number') return String(a);
  if (a === null || a === undefined) return String(a);
  if (Array.isArray(a)) return `[${a.length}]`;
  return typeof a === 'object' ? (a.constructor?.name ?? 'object') : typeof a;
}

/** Runs the fuzzer; stops at the first undocumented error. */
export async function fuzzMethods(o: MethodFuzzOptions): Promise<MethodFuzzResult> {
  const r = o.random;
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const skip = new Set(o.skip ?? []);
  const keep = o.keep ?? ((v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && methodsOf(v, skip).length > 0);
  const objects: object[] = [...o.roots];
  const ints = o.ints ?? [0, 4096, 8192, 3 * 4096, 16 * 4096];
  const arg = (): unknown => {
    const k = int(10);
    if (k < 4) return pick(ints) + (r() < 0.1 ? 1 : 0);
    if (k < 6) return pick(BOUNDARY);
    if (k < 8) return o.values && o.values.length > 0 && r() < 0.5 ? pick(o.values) : pick(objects);
    if (k < 9) return r() < 0.5 ? new Uint8Array(pick([0, 1, 16, 4096])) : pick(['a', 'name', 'x'.repeat(64)]);
    return int(0x10000);
  };
  let calls = 0;
  for (let i = 0; i < o.calls; i++) {
    const target = pick(objects);
    const ms = methodsOf(target, skip);
    if (ms.length === 0) continue;
    const m = pick(ms);
    const args = Array.from({ length: r() < 0.85 ? Math.max(m.arity, int(m.arity + 3)) : int(6) }, arg);
    const text = `${describe(target)}.${m.name}(${m.kind === 'getter' ? '' : args.map(describe).join(', ')})`;
    calls++;
    let v: unknown;
    try {
      const t = target as Record<string, unknown>;
      v = m.kind === 'getter' ? t[m.name] : (t[m.name] as (...a: unknown[]) => unknown).apply(target, args);
      if (v instanceof Promise) {
        const p = v;
        let late: unknown;
        let settled = false;
        p.then(
          () => (settled = true),
          (e: unknown) => {
            settled = true;
            late = e;
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (settled && late !== undefined && !o.allowed(late)) return { calls, failure: `${text} rejected: ${late instanceof Error ? `${late.name}: ${late.message}` : typeof late}` };
        continue;
      }
    } catch (e) {
      if (!o.allowed(e)) return { calls, failure: `${text} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}` };
      continue;
    }
    const found: unknown[] = v !== null && typeof v === 'object' ? [v, ...(Object.values(v) as unknown[])] : [];
    for (const x of found) if (objects.length < 64 && keep(x) && !objects.includes(x as object)) objects.push(x as object);
  }
  return { calls };
}
