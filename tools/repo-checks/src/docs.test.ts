import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from './index.js';

// The tutorial and the scenario guide are run, not just read: every `$ command` of docs/tutorial.md runs at the
// repository root, in order, and must exit 0 and print the lines shown under it; every example scenario of
// docs/scenarios.md must pass on the model, and the Linux ones on the live kernel too.
const root = findRepoRoot(import.meta.dirname);
const scratch = path.join(root, 'memsim-tutorial');

/** The environment of a user's shell: none of the npm_* variables of the `pnpm test` running this file. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$|^PNPM_/i.test(k))),
  NO_COLOR: '1',
};

const probe = spawnSync(process.env['CC'] ?? 'gcc', ['--version'], { stdio: 'ignore' }).status === 0 && process.platform === 'linux';

interface Command {
  readonly line: number;
  readonly cmd: string;
  readonly expected: string[];
}

type Item = Command | { readonly line: number; readonly file: string; readonly text: string };

/** The tutorial's commands (```console blocks, `$ ` lines and the output under them) and files to save. */
function parseTutorial(md: string): Item[] {
  const lines = md.split('\n');
  const items: Item[] = [];
  for (let i = 0; i < lines.length; i++) {
    const file = /^<!-- file: (\S+) -->$/.exec(lines[i]);
    if (file) {
      const start = i + 2;
      let end = start;
      while (lines[end] !== '```') end++;
      items.push({ line: i + 1, file: file[1], text: `${lines.slice(start, end).join('\n')}\n` });
      i = end;
      continue;
    }
    if (lines[i] !== '```console') continue;
    let cur: { line: number; cmd: string; expected: string[] } | undefined;
    for (i++; lines[i] !== '```'; i++) {
      if (lines[i].startsWith('$ ')) {
        if (cur) items.push(cur);
        cur = { line: i + 1, cmd: lines[i].slice(2), expected: [] };
      } else cur?.expected.push(lines[i]);
    }
    if (cur) items.push(cur);
  }
  return items;
}

/** An expected line as a pattern: `...` stands for any text; a line of `...` alone is elided output. */
function pattern(line: string): RegExp {
  const parts = line.trimEnd().split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

function sh(cmd: string) {
  return spawnSync('bash', ['-c', cmd], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
}

describe('docs/tutorial.md, command by command', () => {
  const items = parseTutorial(fs.readFileSync(path.join(root, 'docs', 'tutorial.md'), 'utf8'));
  beforeAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('has the commands of every stage: run, inspect, draw, the live kernel, swap', () => {
    const cmds = items.filter((x): x is Command => 'cmd' in x).map((c) => c.cmd);
    for (const needle of ['memsim run', 'memsim inspect', 'memsim draw', 'pnpm conformance', 'memsim swap ']) {
      expect(cmds.some((c) => c.includes(needle)), needle).toBe(true);
    }
  });

  for (const item of items) {
    if (!('cmd' in item)) {
      it(`line ${item.line}: save ${item.file}`, () => {
        fs.mkdirSync(path.dirname(path.join(root, item.file)), { recursive: true });
        fs.writeFileSync(path.join(root, item.file), item.text);
      });
      continue;
    }
    it(`line ${item.line}: $ ${item.cmd}`, () => {
      const r = sh(item.cmd);
      const output = `${r.stdout}${r.stderr}`;
      expect(r.status, output).toBe(0);
      const got = output.split('\n').map((l) => l.trimEnd());
      for (const want of item.expected) {
        if (want.trim() === '...' || want.trim() === '') continue;
        if (want.includes('[linux]') && !probe) {
          console.log(`tutorial line ${item.line}: no C compiler here, so the live-kernel line is not checked: ${want}`);
          continue;
        }
        const re = pattern(want);
        expect(got.some((l) => re.test(l)), `expected a line ${JSON.stringify(want)} in:\n${output}`).toBe(true);
      }
    }, 300_000);
  }

  it('wrote the drawings it promises', () => {
    expect(fs.readFileSync(path.join(scratch, 'clone.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(fs.readFileSync(path.join(scratch, 'clone.svg'), 'utf8')).toContain('<svg');
  });
});

describe('docs/scenarios.md examples', () => {
  const md = fs.readFileSync(path.join(root, 'docs', 'scenarios.md'), 'utf8');
  const examples = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((t) => /^name: /m.test(t));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memsim-scenarios-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(root, 'apps', 'cli', 'bin', 'memsim.js');
  const runner = path.join(root, 'apps', 'conformance', 'bin', 'memsim-conformance.js');

  it('has a Zircon and a Linux example at least', () => {
    expect(examples.some((e) => e.includes('zx: '))).toBe(true);
    expect(examples.some((e) => e.includes('linux: '))).toBe(true);
  });

  it.each(examples.map((e) => [/^name: (.*)$/m.exec(e)![1], e]))('%s passes on the model (and on Linux)', (name, text) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    fs.writeFileSync(file, text);
    const r = spawnSync(process.execPath, [cli, 'run', file], { env, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\npassed\n$/);
    if (text.includes('linux: ')) {
      const c = spawnSync(process.execPath, [runner, file, '--jobs', '1'], { env, encoding: 'utf8', timeout: 120_000 });
      expect(c.status, `${c.stdout}${c.stderr}`).toBe(0);
      if (probe) expect(c.stdout).toContain('[linux]');
      else console.log(`scenarios.md '${name}': no C compiler here, so it ran on the model only`);
    }
  }, 120_000);
});
