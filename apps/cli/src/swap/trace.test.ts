import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { SHAPES, generateTrace, parseTrace } from './trace.js';

describe('swap traces', () => {
  it('parses the documented format', () => {
    const t = parseTrace('# comment\npages 4\nw 0   # first touch\nr 3\nfreeze\nwait 61\npressure\npressure critical\nthaw\n');
    expect(t.pages).toBe(4);
    expect(t.events).toEqual([
      { op: 'write', page: 0, line: 3 },
      { op: 'read', page: 3, line: 4 },
      { op: 'freeze', line: 5 },
      { op: 'wait', seconds: 61, line: 6 },
      { op: 'pressure', level: 'moderate', line: 7 },
      { op: 'pressure', level: 'critical', line: 8 },
      { op: 'thaw', line: 9 },
    ]);
  });

  it.each([
    ['r 1\n', "t.txt:1: the trace must start with 'pages N'"],
    ['pages 4\nr 4\n', 't.txt:2: page 4 is outside the 4-page mapping'],
    ['pages 4\nr -1\n', "t.txt:2: page must be a non-negative integer, got '-1'"],
    ['pages 4\nr 1.5\n', "t.txt:2: page must be a non-negative integer, got '1.5'"],
    ['pages 0\n', 't.txt:1: pages must be at least 1'],
    ['pages 99999999999\n', 't.txt:1: pages 99999999999 is out of range (at most 262144)'],
    ['pages 4\njump 1\n', "t.txt:2: unknown event 'jump' (expected r, w, freeze, thaw, wait, pressure)"],
    ['pages 4\npressure high\n', "t.txt:2: pressure must be none, moderate or critical, got 'high'"],
    ['pages 4\nr 1 2\n', "t.txt:2: unexpected '2'"],
    ['pages 4\npages 5\n', "t.txt:2: 'pages' given twice"],
    ['', "t.txt:1: empty trace: it must start with 'pages N'"],
  ])('rejects %j with a located error', (text, message) => {
    expect(() => parseTrace(text, 't.txt')).toThrow(new CliError('BAD_INPUT', message));
  });

  it('generates traces of every shape that parse back, reproducibly from the seed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (shape, pages, accesses, seed) => {
        const text = generateTrace({ shape, pages, accesses, seed });
        expect(generateTrace({ shape, pages, accesses, seed })).toBe(text);
        const t = parseTrace(text);
        expect(t.pages).toBe(pages);
        // Every page is written first, then phases of freeze / wait / pressure / thaw and accesses.
        expect(t.events.slice(0, pages).every((e) => e.op === 'write')).toBe(true);
        expect(t.events.some((e) => e.op === 'pressure')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('shapes differ as documented: sequential scans, working-set concentrates', () => {
    const accesses = (shape: (typeof SHAPES)[number]): number[] =>
      parseTrace(generateTrace({ shape, pages: 100, accesses: 2000, seed: 3 }))
        .events.slice(100)
        .flatMap((e) => (e.op === 'read' || e.op === 'write' ? [e.page] : []));
    expect(accesses('sequential').slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    const ws = accesses('working-set');
    const distinct = (xs: number[]): number => new Set(xs).size;
    expect(distinct(ws.slice(0, 400))).toBeLessThan(distinct(accesses('random').slice(0, 400)));
  });
});
