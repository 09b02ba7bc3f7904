import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILING, PASSING, THROWING, cli, scenarioDir } from '../test-support/io.js';

describe('memsim-conformance CLI', () => {
  it('exits 0 when every case passes and prints the summary table', async () => {
    const dir = scenarioDir({ 'ok.yaml': PASSING });
    const r = await cli([dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS demo/passes [model]');
    expect(r.out).toMatch(/suite\s+passed\s+failed\s+skipped\s+agreement/);
    expect(r.out).toMatch(/demo\s+1\s+0\s+0\s+n\/a/);
  });

  it('exits 1 on a failing expectation and says which step and line', async () => {
    const r = await cli([scenarioDir({ 'ok.yaml': PASSING, 'bad.yaml': FAILING })]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL demo/fails [model] — step 2 (zx vmo_get_size, line 8): value: expected 8192, got 4096');
    expect(r.out).toContain('PASS demo/passes');
  });

  it('fails a crashing case alone and keeps running the others', async () => {
    const r = await cli([scenarioDir({ 'a.yaml': THROWING, 'b.yaml': PASSING })]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL demo/throws [model] — crashed: debug throw: the case threw');
    expect(r.out).toContain('PASS demo/passes [model]');
  });

  it('fails a case that exceeds its timeout alone', async () => {
    const hang = 'name: hangs\nsuite: demo\nsource: self-test\ntimeout_ms: 50\nsteps:\n  - debug: hang\n';
    const r = await cli([scenarioDir({ 'a.yaml': hang, 'b.yaml': PASSING })]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL demo/hangs [model] — case demo/hangs did not return in 50 ms: last op');
    expect(r.out).toContain('PASS demo/passes');
  });

  it('exits 2 on a malformed file, naming file:line:column, and still runs the rest', async () => {
    const dir = scenarioDir({ 'broken.yaml': 'name: x\nsuite: demo\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n    colour: red\n', 'ok.yaml': PASSING });
    const r = await cli([dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml:7:5: steps\.0: unknown key 'colour'/);
    expect(r.out).toContain('PASS demo/passes');
  });

  it('exits 2 with the closest name for an unknown suite or option', async () => {
    const s = await cli(['--suite', 'zirco']);
    expect(s.code).toBe(2);
    expect(s.err).toContain("unknown suite 'zirco' (did you mean 'zircon'?)");
    const o = await cli(['--sute', 'zircon']);
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/unknown option '--sute'[\s\S]*Did you mean --suite\?/);
    expect((await cli(['--jobs', 'two'])).code).toBe(2);
    expect((await cli(['--backend', 'qemu'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('writes a JSON report with the summary, cases and steps', async () => {
    const r = await cli([scenarioDir({ 'a.yaml': PASSING, 'b.yaml': FAILING }), '--json']);
    const j = JSON.parse(r.out) as {
      schema: string;
      suites: { suite: string; passed: number; failed: number }[];
      cases: { id: string; status: string; steps: { call: string; outcome: unknown; passed: boolean }[] }[];
    };
    expect(j.schema).toBe('memsim-conformance-report/1');
    expect(j.suites).toEqual([expect.objectContaining({ suite: 'demo', passed: 1, failed: 1 })]);
    const fails = j.cases.find((c) => c.id === 'demo/fails')!;
    expect(fails.status).toBe('failed');
    expect(fails.steps[1]).toMatchObject({ call: 'zx vmo_get_size', outcome: { ok: 4096 }, passed: false });
  });

  it('writes well-formed JUnit XML and a self-contained HTML page', async () => {
    const dir = scenarioDir({ 'a.yaml': PASSING, 'b.yaml': FAILING.replace('name: fails', 'name: "fails <&> \\"quoted\\""') });
    const junit = join(dir, 'r.xml');
    const html = join(dir, 'r.html');
    await cli([dir, '--junit', junit, '--html', html]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toMatch(/<testsuite name="demo" tests="2" failures="1"/);
    expect(xml).toContain('name="fails &lt;&amp;&gt; &quot;quoted&quot;"');
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(page).not.toMatch(/<link /);
    expect(page).toContain('<style>');
    expect(page).toContain('fails &lt;&amp;&gt;');
  });

  it('runs Linux cases in both designs by default, reporting per-mapping cases and expected Starnix differences apart', async () => {
    // Two adjacent mmaps: Linux (and 'single') show one merged line; 'per-mapping' keeps two VMAs, a named difference.
    const merged = [
      'name: adjacent mmaps merge',
      'suite: demo',
      'source: runner self-test',
      'steps:',
      '  - linux: mmap',
      '    args: {addr: 0x10000, length: 0x1000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}',
      '  - linux: mmap',
      '    args: {addr: 0x11000, length: 0x1000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}',
      '  - linux: maps',
      '    expect: {maps: ["00010000-00012000 rw-p 00000000 00:00 0"]}',
      '',
    ].join('\n');
    const dir = scenarioDir({ 'a.yaml': merged, 'b.yaml': PASSING });
    const r = await cli([dir, '--backend', 'model']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS demo/adjacent mmaps merge [model]');
    expect(r.out).toMatch(/DIFF demo\/adjacent mmaps merge \[per-mapping\] \[model\] — expected Starnix difference unmerged-anon-neighbours/);
    expect(r.out).toMatch(/suite\s+passed\s+failed\s+skipped\s+Starnix diff\.\s+agreement/);
    expect(r.out).toMatch(/demo\s+2\s+0\s+0\s+1\s+n\/a/);
    expect(r.out).toContain("single (default, today's Starnix): 1 case: 1 passed, 0 failed");
    expect(r.out).toContain("per-mapping ('<id> [per-mapping]', and scenarios pinned to it): 1 case: 0 passed, 0 failed, 1 expected Starnix differences (unmerged-anon-neighbours 1)");
    // --anon-backing single runs the default design alone, with the table as before.
    const single = await cli([dir, '--backend', 'model', '--anon-backing', 'single']);
    expect(single.code).toBe(0);
    expect(single.out).not.toContain('[per-mapping]');
    expect(single.out).toMatch(/demo\s+2\s+0\s+0\s+n\/a/);
    expect(single.out).not.toContain('by design of private anonymous memory');
    expect((await cli([dir, '--anon-backing', 'double'])).code).toBe(2);
  });
});

/** Tag balance and attribute quoting: enough to catch broken XML. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const re = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(body))) {
    const between = body.slice(last, m.index);
    if (/[<>]/.test(between)) return false;
    last = re.lastIndex;
    if (m[2] === undefined) return false;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]);
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;|apos;)/.test(body);
}
