import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProbe, runScenario } from './index.js';
import type { LinuxOp } from './index.js';
import { PAGE, available, skipReason } from './test-support/probe.js';

/** Feeds raw text to the probe binary and returns its output lines, parsed. */
function rawRun(binary: string, input: string): { status: number | null; lines: Record<string, unknown>[] } {
  const r = spawnSync(binary, ['--timeout-ms', '3000'], { input, encoding: 'utf8', timeout: 20_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines };
}

const validLine = '{"op":"mmap","addr":0,"length":4096,"prot":["READ"],"flags":["PRIVATE","ANONYMOUS","FIXED"]}';

describe(`the probe's wire protocol ${skipReason}`, () => {
  it.skipIf(!available)('malformed lines reject their scenario with line and column, and the next one still runs', async () => {
    const binary = await compileProbe();
    const { status, lines } = rawRun(
      binary,
      [validLine, '{"op":"read","addr":0,"length":1.5}', '{"op":"end_scenario"}', validLine, '{"op":"maps"}'].join('\n'),
    );
    expect(status).toBe(0);
    expect(lines[0]).toMatchObject({ end: true, status: 'rejected' });
    expect(String(lines[0]['error'])).toMatch(/^line 2: only integers are accepted at column \d+$/);
    expect(lines.slice(1).map((l) => l['op'] ?? 'end')).toEqual(['mmap', 'maps', 'end']);
    expect(lines[2]).toMatchObject({ ok: true, value: ['00000000-00001000 r--p 00000000 00:00 0 '] });
  });

  it.skipIf(!available)('arbitrary input never crashes the probe: one end line per scenario, all output is JSON', async () => {
    const binary = await compileProbe();
    const junkLine = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        '{',
        '{"op":1}',
        '{"op":"mmap"}',
        '{"op":"mmap","length":"0xzz"}',
        '{"op":"read","addr":99999999999999999999999}',
        '{"op":"write","addr":0,"data":"abc"}',
        '{"op":"uffd_read","uffd":"nope"}',
        '{"op":"join","thread":"t9"}',
        '{"op":"mmap","prot":[[1]]}',
        '{"op":"x","op":"y"}',
        '{"op":"munmap","addr":-1,"length":-1}',
        '{"op":"brk","addr":-99999999}',
        '{"op":"prctl_set_vma_anon_name","addr":0,"length":4096,"name":"\\u0000\\u00ff"}',
        validLine,
      ),
    );
    const scenario = fc.array(junkLine, { maxLength: 6 }).map((ls) => [...ls, '{"op":"end_scenario"}'].join('\n'));
    fc.assert(
      fc.property(fc.array(scenario, { minLength: 1, maxLength: 3 }), (scenarios) => {
        const { status, lines } = rawRun(binary, scenarios.join('\n') + '\n');
        expect(status).toBe(0);
        expect(lines.filter((l) => l['end'] === true)).toHaveLength(scenarios.length);
        for (const l of lines) if (l['end'] === true) expect(['ok', 'rejected']).toContain(l['status']);
      }),
      { numRuns: 40 },
    );
  });

  it.skipIf(!available)('scenarios run concurrently without seeing each other', async () => {
    const scenario = (k: number): LinuxOp[] => [
      { op: 'mmap', addr: k * PAGE, length: PAGE, prot: ['READ', 'WRITE'], flags: ['PRIVATE', 'ANONYMOUS', 'FIXED'] },
      { op: 'write', addr: k * PAGE, fill: k, length: 1 },
      { op: 'maps' },
      { op: 'read', addr: k * PAGE, length: 1 },
    ];
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map((k) => runScenario(scenario(k))));
    all.forEach((r, idx) => {
      const k = idx + 1;
      expect(r[2]).toMatchObject({ ok: true, value: [`${(k * PAGE).toString(16).padStart(8, '0')}-${((k + 1) * PAGE).toString(16).padStart(8, '0')} rw-p 00000000 00:00 0 `] });
      expect(r[3]).toMatchObject({ ok: true, value: k.toString(16).padStart(2, '0') });
    });
  });
});
