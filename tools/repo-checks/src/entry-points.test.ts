import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from './index.js';

// The root's entry points as a user types them, from a directory outside the repository: every argument must reach
// the binary unchanged, and relative paths must be taken from where the user stands (pnpm's INIT_CWD).
const root = findRepoRoot(import.meta.dirname);
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'memsim-entry-'));
afterAll(() => fs.rmSync(outside, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd = outside) {
  // Drop the npm_* variables of the `pnpm test` running this file: a user's shell has none.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$|^PNPM_/i.test(k)));
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 120_000 });
}

describe('pnpm memsim / pnpm conformance from outside the repository', () => {
  it('pnpm --dir <repo> conformance --suite zircon --json > r.json writes a JSON report and nothing else', () => {
    const r = sh('pnpm', ['--dir', root, 'conformance', '--suite', 'zircon', '--json', '--jobs', '1']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { cases: { suite: string; status: string }[] };
    expect(report.cases.length).toBeGreaterThan(50);
    expect(new Set(report.cases.map((c) => c.suite))).toEqual(new Set(['zircon']));
    expect(report.cases.every((c) => c.status === 'passed')).toBe(true);
  });

  it('relative scenario paths and output files are the user directory’s', () => {
    fs.copyFileSync(path.join(root, 'apps/conformance/suites/zircon/clones.yaml'), path.join(outside, 'clones.yaml'));
    const conf = sh('pnpm', ['--dir', root, 'conformance', 'clones.yaml', '--backend', 'model', '--html', 'report.html', '--jobs', '1']);
    expect(conf.status, conf.stderr).toBe(0);
    expect(conf.stdout).toMatch(/^PASS zircon\/Clone Info \[model\]$/m);
    expect(fs.readFileSync(path.join(outside, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(fs.existsSync(path.join(root, 'apps/conformance/report.html'))).toBe(false);

    const run = sh('pnpm', ['--dir', root, 'memsim', 'run', 'clones.yaml', '--name', 'Clone Read', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ scenario: 'Clone Read', status: 'passed', file: 'clones.yaml' });
    const draw = sh('pnpm', ['--dir', root, 'memsim', 'draw', 'clones.yaml', '-o', 'clone.svg']);
    expect(draw.status, draw.stderr).toBe(0);
    expect(fs.readFileSync(path.join(outside, 'clone.svg'), 'utf8')).toContain('<svg');
  });

  it('flags after the script name are not mistaken for paths, and exit statuses come through', () => {
    const help = sh('pnpm', ['--dir', root, 'memsim', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: memsim/);
    const bad = sh('pnpm', ['--dir', root, 'conformance', '--suite', 'nosuch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown suite 'nosuch'");
    const none = sh('pnpm', ['--dir', root, 'memsim']);
    expect(none.status).toBe(2);
  });
});

describe('pnpm exec at the root', () => {
  it('pnpm exec memsim and pnpm exec memsim-conformance find the binaries', () => {
    const m = sh('pnpm', ['exec', 'memsim', '--version'], root);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const c = sh('pnpm', ['exec', 'memsim-conformance', '--suite', 'zircon', '--backend', 'model', '--jobs', '1'], root);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/\d+ cases in/);
  });
});
