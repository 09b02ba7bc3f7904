import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConformanceError, evaluate, resolveTemplate, resolveValue, type ExprScope } from '../index.js';

function scope(values: Record<string, unknown>): ExprScope {
  return { has: (n) => n in values, lookup: (n) => values[n] };
}

describe('expressions and references', () => {
  it('does exact integer arithmetic, bit operations and comparisons', () => {
    const s = scope({ addr: 0x10000, child: { address: 0x2000, nested: { len: 7 } } });
    expect(evaluate('addr + 0x1000', s)).toBe(0x11000);
    expect(evaluate('(addr | 0xff) & ~0xf', s)).toBe(0x100f0);
    expect(evaluate('1 << 31', s)).toBe(2 ** 31);
    expect(evaluate('child.address * 2 - child.nested.len', s)).toBe(0x4000 - 7);
    expect(evaluate('addr % 0x10000 == 0 && addr >= 0x1000', s)).toBe(1);
    expect(evaluate('!(addr < 4)', s)).toBe(1);
    expect(evaluate('(1 << 64) - 1', s)).toBe(2n ** 64n - 1n);
  });

  it('returns bound objects for bare names and substitutes inside text', () => {
    const handle = { koid: () => 5 };
    const s = scope({ h: handle, n: 3 });
    expect(resolveTemplate('${h}', s)).toBe(handle);
    expect(resolveTemplate('page ${n * 2} of ${n}', s)).toBe('page 6 of 3');
    expect(resolveValue({ a: ['${n + 1}', 'plain'] }, s)).toEqual({ a: [4, 'plain'] });
  });

  it('gives typed errors for unbound names, bad syntax and division by zero', () => {
    const s = scope({ a: 1 });
    expect(() => evaluate('b + 1', s)).toThrow(expect.objectContaining({ code: 'UNBOUND_NAME' }) as Error);
    expect(() => evaluate('a +', s)).toThrow(ConformanceError);
    expect(() => evaluate('a / 0', s)).toThrow(/division by zero/);
    expect(() => evaluate('a $ 2', s)).toThrow(expect.objectContaining({ code: 'BAD_EXPRESSION' }) as Error);
    expect(() => evaluate('a.b', s)).toThrow(/no field/);
  });

  it('agrees with bigint arithmetic on random operands', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 60n }), fc.bigInt({ min: 0n, max: 2n ** 60n }), (a, b) => {
        const s = scope({ a, b });
        const r = BigInt(evaluate('a + b * 3 - (a & b)', s) as number | bigint);
        return r === a + b * 3n - (a & b);
      }),
      { numRuns: 100 },
    );
  });
});
