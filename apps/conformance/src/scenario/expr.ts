import { ConformanceError } from './errors.js';

/**
 * Names visible to `${...}` expressions: bound step results first, then constants.
 * @public
 */
export interface ExprScope {
  lookup(name: string): unknown;
  has(name: string): boolean;
}

type Tok = { t: 'num'; v: bigint } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['<<', '>>', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '|', '&', '^', '~', '(', ')', '.'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: BigInt(num[1].replace(/_/g, '')) });
      i += num[1].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ConformanceError('BAD_EXPRESSION', `unexpected '${c}' at offset ${i} in '${src}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

/** Identifiers an expression reads (the first name of each `a.b` path), for static reference checks. */
export function referencedNames(src: string): string[] {
  const toks = tokenize(src);
  const names: string[] = [];
  toks.forEach((tok, k) => {
    const prev = toks[k - 1];
    if (tok.t === 'id' && !(prev && prev.t === 'op' && prev.v === '.')) names.push(tok.v);
  });
  return names;
}

function toBig(v: unknown, src: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new ConformanceError('BAD_EXPRESSION', `'${src}': arithmetic on a non-integer value (${describe(v)})`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/** Turns a bigint back into a number when it is safe, so results compare with YAML numbers. */
export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Evaluates an expression such as `addr + 0x1000`, `ZX_VM_PERM_READ | ZX_VM_PERM_WRITE` or `child.address`.
 * Integers are exact (bigint inside); a bare name or path returns the bound value itself (a handle, an object).
 * @public
 */
export function evaluate(src: string, scope: ExprScope): unknown {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  };
  const fail = (msg: string): never => {
    throw new ConformanceError('BAD_EXPRESSION', `'${src}': ${msg}`);
  };

  const primary = (): unknown => {
    const t = toks[p++];
    if (!t) return fail('unexpected end');
    if (t.t === 'num') return t.v;
    if (t.t === 'id') {
      if (!scope.has(t.v)) throw new ConformanceError('UNBOUND_NAME', `'${src}': '${t.v}' is not bound by an earlier step nor a known constant`);
      let v = scope.lookup(t.v);
      while (isOp('.')) {
        p++;
        const f = toks[p++];
        if (!f || f.t !== 'id') return fail("a field name must follow '.'");
        if (v === null || typeof v !== 'object' || !(f.v in v)) return fail(`no field '${f.v}' in ${describe(v)}`);
        v = (v as Record<string, unknown>)[f.v];
      }
      return v;
    }
    if (t.v === '(') {
      const v = lor();
      if (!isOp(')')) fail("missing ')'");
      p++;
      return v;
    }
    return fail(`unexpected '${t.v}'`);
  };
  const unary = (): unknown => {
    if (isOp('-')) {
      p++;
      return -toBig(unary(), src);
    }
    if (isOp('!')) {
      p++;
      return toBig(unary(), src) === 0n ? 1n : 0n;
    }
    if (isOp('~')) {
      p++;
      return ~toBig(unary(), src);
    }
    return primary();
  };
  const binary = (next: () => unknown, ops: string[], apply: (op: string, a: bigint, b: bigint) => bigint) => (): unknown => {
    let left = next();
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op' || !ops.includes(t.v)) return left;
      p++;
      const right = next();
      left = apply(t.v, toBig(left, src), toBig(right, src));
    }
  };
  const mul = binary(unary, ['*', '/', '%'], (op, a, b) => {
    if (op !== '*' && b === 0n) fail('division by zero');
    return op === '*' ? a * b : op === '/' ? a / b : a % b;
  });
  const add = binary(mul, ['+', '-'], (op, a, b) => (op === '+' ? a + b : a - b));
  const shift = binary(add, ['<<', '>>'], (op, a, b) => (op === '<<' ? a << b : a >> b));
  const band = binary(shift, ['&'], (_, a, b) => a & b);
  const bxor = binary(band, ['^'], (_, a, b) => a ^ b);
  const bor = binary(bxor, ['|'], (_, a, b) => a | b);

  const cmp = binary(bor, ['==', '!=', '<', '<=', '>', '>='], (op, a, b) => {
    const r = op === '==' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    return r ? 1n : 0n;
  });
  const land = binary(cmp, ['&&'], (_, a, b) => (a !== 0n && b !== 0n ? 1n : 0n));
  const lor = binary(land, ['||'], (_, a, b) => (a !== 0n || b !== 0n ? 1n : 0n));

  const v = lor();
  if (p < toks.length) fail(`unexpected '${String(toks[p].v)}'`);
  return typeof v === 'bigint' ? normalizeInt(v) : v;
}

const TEMPLATE = /\$\{([^}]*)\}/g;

/** True when a string holds a `${...}` reference. */
export function hasTemplate(s: string): boolean {
  return s.includes('${');
}

/** Every `${...}` expression inside a string. */
export function templateExprs(s: string): string[] {
  return [...s.matchAll(TEMPLATE)].map((m) => m[1]);
}

/**
 * Resolves `${...}` inside a string: a string that is exactly one `${expr}` becomes the value itself (a number, a
 * handle); otherwise each reference is replaced by its decimal value.
 * @public
 */
export function resolveTemplate(s: string, scope: ExprScope): unknown {
  const whole = /^\$\{([^}]*)\}$/.exec(s.trim());
  if (whole) return evaluate(whole[1], scope);
  return s.replace(TEMPLATE, (_, e: string) => String(evaluate(e, scope)));
}

/**
 * Resolves every `${...}` in a YAML value, recursively.
 * @public
 */
export function resolveValue(v: unknown, scope: ExprScope): unknown {
  if (typeof v === 'string') return hasTemplate(v) ? resolveTemplate(v, scope) : v;
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, scope));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveValue(x, scope);
    return out;
  }
  return v;
}
