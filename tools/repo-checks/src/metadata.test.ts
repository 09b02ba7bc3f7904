import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, listWorkspacePackages } from './index.js';

const root = findRepoRoot(import.meta.dirname);

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
}

const read = (dir: string): Manifest => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

describe('package.json metadata', () => {
  const dirs = [root, ...listWorkspacePackages(root).map((p) => p.dir)];

  it.each(dirs.map((d) => [path.relative(root, d) || '(root)', d]))('%s names its repository, homepage, bug tracker and keywords', (_, dir) => {
    const m = read(dir);
    const rel = path.relative(root, dir).split(path.sep).join('/');
    const repo = read(root).repository?.url;
    expect(m.license).toBe('MIT');
    expect(m.keywords?.length).toBeGreaterThan(2);
    expect(m.repository?.type).toBe('git');
    expect(m.repository?.url).toBe(repo);
    // npm shows the package's own folder: `directory` for workspace packages, none at the root.
    expect(m.repository?.directory).toBe(rel || undefined);
    expect(m.homepage).toMatch(/^https:\/\//);
    if (rel) expect(m.homepage).toContain(`/${rel}#readme`);
    expect(m.bugs?.url).toMatch(/^https:\/\/.*\/issues$/);
  });

  it('publishes the apps and the probe they need; only repository tooling (and the playground, a page of the site) stays private', () => {
    const priv = listWorkspacePackages(root).map((p) => [p.name, read(p.dir).private === true] as const);
    expect(priv.filter(([, p]) => p).map(([n]) => n).sort()).toEqual(['@memsim/bench', '@memsim/playground', '@memsim/repo-checks', '@memsim/test-support']);
  });
});

describe('shipped scenario suites', () => {
  const suites = path.join(root, 'apps', 'conformance', 'suites');
  const files = fs.readdirSync(suites, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s starts with a yaml-language-server schema line that resolves to the published schema', (f) => {
    const first = fs.readFileSync(path.join(suites, f), 'utf8').split('\n')[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    const target = path.resolve(path.dirname(path.join(suites, f)), m![1]);
    expect(target).toBe(path.join(root, 'apps', 'conformance', 'schema', 'scenario.schema.json'));
  });
});
