import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../test-support/capture.js';
import { fixture } from '../test-support/fixtures.js';
import { allElements, parseXml } from '../test-support/xml.js';

const dir = mkdtempSync(join(tmpdir(), 'memsim-polish-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('memsim run over files and directories', () => {
  const suite = join(dir, 'suite');
  mkdirSync(join(suite, 'nested'), { recursive: true });
  writeFileSync(join(suite, 'a.yaml'), readFileSync(fixture('clone-space.yaml'), 'utf8'));
  writeFileSync(join(suite, 'nested', 'b.yaml'), readFileSync(fixture('linux-space.yaml'), 'utf8'));

  it('runs every scenario of a directory and ends with a summary', async () => {
    const r = await capture(['run', suite]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('clone space');
    expect(r.out).toContain('linux space');
    expect(r.out).toMatch(/2 scenarios: 2 passed, 0 failed, 0 skipped\n$/);
  });

  it('takes several paths, --name picks one scenario, --json lists them all', async () => {
    const both = await capture(['run', join(suite, 'a.yaml'), fixture('failing.yaml'), '--json']);
    expect(both.code).toBe(1);
    const j = JSON.parse(both.out) as { scenarios: { scenario: string; status: string }[]; passed: number; failed: number };
    expect(j.scenarios.map((s) => [s.scenario, s.status])).toEqual([['clone space', 'passed'], ['wrong expectation', 'failed']]);
    expect([j.passed, j.failed]).toEqual([1, 1]);
    const one = await capture(['run', suite, '--name', 'linux space', '--step', '1', '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toMatchObject({ scenario: 'linux space', stepsRun: 1 });
  });

  it('--step over several scenarios, an empty directory and an unknown name are bad usage or input (exit 2)', async () => {
    const step = await capture(['run', suite, '--step', '1']);
    expect(step.code).toBe(2);
    expect(step.err).toContain('--step applies to one scenario');
    mkdirSync(join(dir, 'empty'));
    const empty = await capture(['run', join(dir, 'empty')]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('no scenario');
    const name = await capture(['run', suite, '--name', 'nope']);
    expect(name.code).toBe(2);
  });

  it('inspect of a directory of several scenarios asks for --name', async () => {
    const r = await capture(['inspect', suite]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pick one with --name');
    expect((await capture(['inspect', suite, '--name', 'clone space'])).code).toBe(0);
  });
});

describe('exit status 2 for every kind of bad input', () => {
  it('no arguments at all is a usage error in one line that names the commands', async () => {
    const r = await capture([]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: a command is required: run, inspect, .*memsim --help.*\n$/);
    expect(r.out).toBe('');
  });

  it('a value of the wrong type in a scenario exits 2 from run, inspect and draw', async () => {
    const f = join(dir, 'big.yaml');
    writeFileSync(f, 'name: big\nsuite: cli\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: "big"}\n    bind: v\n');
    for (const argv of [['run', f], ['inspect', f], ['draw', f, '-o', join(dir, 'big.svg')]]) {
      const r = await capture(argv);
      expect(r.code, argv.join(' ')).toBe(2);
    }
  });
});

describe('inspect --relative', () => {
  it('prints Linux addresses as offsets in the probe window, as the scenario writes them, and says so', async () => {
    const r = await capture(['inspect', fixture('linux-space.yaml'), '--relative', '--step', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('addresses: offsets from the probe window base 0x100000000000');
    // The scenario maps at 0x10000 and mprotects 0x12000: the same numbers appear in maps and the VMAR tree.
    expect(r.out).toContain('    00010000-00012000 rw-p 00000000 00:00 0');
    expect(r.out).toContain('    00012000-00014000 r--p 00000000 00:00 0');
    expect(r.out).toMatch(/map 0x10000-0x12000 rw- /);
    const absolute = await capture(['inspect', fixture('linux-space.yaml'), '--step', '3']);
    expect(absolute.out).toContain('100000010000-100000012000 rw-p');
    expect(absolute.out).toContain('addresses: absolute');
  });

  it('prints Zircon mappings as offsets inside their VMAR (what vmar_map takes)', async () => {
    const r = await capture(['inspect', fixture('clone-space.yaml'), '--relative', '--json']);
    const j = JSON.parse(r.out) as { addresses: string; processes: { regions: { kind: string; name: string; base: number; origin?: number }[] }[] };
    expect(j.addresses).toContain("parent VMAR's base");
    const maps = j.processes[0].regions.filter((x) => x.kind === 'mapping');
    expect(maps.map((m) => [m.base, m.origin])).toEqual([[0, 0x200000], [0x8000, 0x200000]]);
  });
});

describe('draw: axis, labels, backing colours', () => {
  it('draws an address axis with a tick at every region boundary', async () => {
    const out = join(dir, 'axis.svg');
    expect((await capture(['draw', fixture('clone-space.yaml'), '-o', out])).code).toBe(0);
    const svg = parseXml(readFileSync(out, 'utf8'));
    const ticks = allElements(svg).filter((e) => e.attrs['class'] === 'tick').map((e) => e.attrs['data-addr']);
    expect(ticks).toEqual(expect.arrayContaining(['0x200000', '0x204000', '0x208000', '0x20c000', '0x210000']));
    expect(allElements(svg).filter((e) => e.attrs['class'] === 'tick-label').length).toBeGreaterThan(2);
  });

  it("colours Linux's [stack] as stack and keeps long names whole in a tooltip", async () => {
    const out = join(dir, 'linux.svg');
    expect((await capture(['draw', fixture('linux-space.yaml'), '-o', out])).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const svg = parseXml(text);
    const maps = allElements(svg).filter((e) => e.attrs['class'] === 'mapping');
    expect(maps.find((m) => m.attrs['data-base'] === '0x7ffffffde000')?.attrs['data-backing']).toBe('stack');
    // The starnix VMO's name is not clipped to 18 characters any more.
    expect(text).toContain("'starnix:private-anon'");
    expect(text).not.toContain("'starnix:private-an'");
  });
});

describe('swap: demand faults, prefetch, wall-clock latency', () => {
  it('separates demand swap-ins from prefetched pages and measures wall-clock latency with --clock wall', async () => {
    const trace = join(dir, 't.txt');
    expect((await capture(['swap-trace', 'generate', '--shape', 'zipf', '--pages', '64', '-o', trace])).code).toBe(0);
    const v = await capture(['swap', trace, '--json']);
    const vj = JSON.parse(v.out) as { demandSwapIns: number; prefetchedSwapIns: number; clock: string; metrics: { pagesSwappedIn: number } };
    expect(vj.clock).toBe('virtual');
    expect(vj.demandSwapIns + vj.prefetchedSwapIns).toBe(vj.metrics.pagesSwappedIn);
    expect(vj.prefetchedSwapIns).toBeGreaterThan(0);
    const text = await capture(['swap', trace]);
    expect(text.out).toMatch(new RegExp(`swap-ins +${vj.metrics.pagesSwappedIn} pages in: ${vj.demandSwapIns} on demand .*, ${vj.prefetchedSwapIns} prefetched`));
    expect(text.out).toContain('faults take no virtual time; --clock wall measures them');
    const w = await capture(['swap', trace, '--clock', 'wall', '--json']);
    const wj = JSON.parse(w.out) as { clock: string; userfaults: number; wallLatency: { count: number; p50Micros: number; maxMicros: number } };
    expect(wj.clock).toBe('wall');
    expect(wj.wallLatency.count).toBe(wj.userfaults);
    expect(wj.wallLatency.maxMicros).toBeGreaterThan(0);
    expect(wj.wallLatency.p50Micros).toBeLessThanOrEqual(wj.wallLatency.maxMicros);
    expect((await capture(['swap', trace, '--clock', 'wall'])).out).toMatch(/fault latency +wall clock, \d+ faults: mean [\d.]+ us, p50/);
    expect((await capture(['swap', trace, '--clock', 'sundial'])).code).toBe(2);
  });
});
