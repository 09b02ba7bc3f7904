import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../test-support/capture.js';
import { fixture } from '../test-support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'memsim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ESC = String.fromCharCode(27);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('memsim conventions', () => {
  it.each([[[]], [['run']], [['inspect']], [['draw']], [['swap']], [['swap-trace', 'generate']]])('%j --help shows usage with examples', async (cmd) => {
    const { code, out } = await capture([...cmd, '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: memsim/);
    expect(out).toContain('Examples:\n  $ memsim');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, out } = await capture(['--version']);
    expect(code).toBe(0);
    expect(out).toBe(`${pkg.version}\n`);
  });

  it.each([
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['run'], "error: missing required argument 'scenarios'"],
    [['run', 'x.yaml', '--step', 'two'], '--step must be a non-negative integer.'],
    [['inspect', 'x.yaml', '--bogus'], "error: unknown option '--bogus'"],
    [['draw', 'x.yaml'], "error: required option '-o, --output <file>' not specified"],
    [['swap-trace', 'generate', '--shape', 'spiral'], 'Allowed choices are sequential, random, working-set, zipf, background-tab'],
    [['swap-trace', 'generate', '--pages', '0'], '--pages must be a positive integer.'],
  ])('bad usage %j exits 2 with one error line', async (argv, message) => {
    const { code, err } = await capture(argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('a missing or malformed scenario is one located line, exit 2, no stack', async () => {
    const missing = await capture(['run', join(dir, 'none.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error: .*none\.yaml.*\n$/);
    const bad = file('bad.yaml', 'name: x\nsuite: cli\nsource: s\nsteps:\n  - zx: vmo_creat\n    args: {size: 1}\n');
    const r = await capture(['inspect', bad]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(/bad\.yaml:5:\d+: .*vmo_creat/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('scenario mistakes found while stepping are one line; --debug adds the stack', async () => {
    const f = file('unbound.yaml', 'name: u\nsuite: cli\nsource: s\nsteps:\n  - zx: vmo_get_size\n    args: {handle: "${nothing}"}\n');
    const plain = await capture(['inspect', f]);
    expect(plain.code).toBe(2);
    expect(plain.err.trim().split('\n')).toHaveLength(1);
    expect(plain.err).toContain('nothing');
    const debug = await capture(['inspect', f, '--debug']);
    expect(debug.code).toBe(2);
    expect(debug.err).toMatch(/\n\s+at /);
  });

  it('colours only on a terminal, and never with NO_COLOR', async () => {
    const args = ['run', fixture('failing.yaml')];
    expect((await capture(args, { isTTY: true })).out).toContain(`${ESC}[`);
    expect((await capture(args, { isTTY: false })).out).not.toContain(ESC);
    expect((await capture(args, { isTTY: true, env: { NO_COLOR: '1' } })).out).not.toContain(ESC);
  });

  it('swap-trace generate writes to stdout or a file', async () => {
    const out = join(dir, 'trace.txt');
    expect((await capture(['swap-trace', 'generate', '--shape', 'sequential', '--pages', '4', '--accesses', '8', '-o', out])).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n').slice(1, 6)).toEqual(['pages 4', 'w 0', 'w 1', 'w 2', 'w 3']);
    const stdout = await capture(['swap-trace', 'generate', '--shape', 'sequential', '--pages', '4', '--accesses', '8']);
    expect(stdout.out).toBe(text);
  });
});

describe('the memsim binary', () => {
  it('runs from source as a real process: output and exit status', () => {
    const require = createRequire(import.meta.url);
    const tsx = require.resolve('tsx');
    const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--conditions=@memsim/source', '--import', tsx, bin, ...args], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 30_000,
      });
    const ok = run(['run', fixture('failing.yaml'), '--json']);
    expect(ok.status).toBe(1);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'failed', stepsRun: 2 });
    expect(ok.stderr).toBe('');
  }, 40_000);
});
