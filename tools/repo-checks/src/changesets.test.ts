import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot, listWorkspacePackages } from './index.js';

// Runs the real `changeset version` on a copy of the workspace manifests and the changesets config, so the
// release configuration (independent versions, internal dependents bumped) is checked as it will be used.
const root = findRepoRoot(import.meta.dirname);
const changesetBin = path.join(root, 'node_modules', '.bin', 'changeset');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memsim-changesets-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copyWorkspace(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const file of ['package.json', 'pnpm-workspace.yaml']) fs.copyFileSync(path.join(root, file), path.join(tmp, file));
  fs.mkdirSync(path.join(tmp, '.changeset'));
  fs.copyFileSync(path.join(root, '.changeset', 'config.json'), path.join(tmp, '.changeset', 'config.json'));
  for (const p of listWorkspacePackages(root)) {
    const dest = path.join(tmp, path.relative(root, p.dir));
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(path.join(p.dir, 'package.json'), path.join(dest, 'package.json'));
    dirs.set(p.name, dest);
  }
  return dirs;
}

const readPkg = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };

describe('release configuration', () => {
  it('bumps the changed package, patches its internal dependents and writes CHANGELOG entries', () => {
    const dirs = copyWorkspace();
    const before = new Map([...dirs].map(([name, dir]) => [name, readPkg(dir).version]));
    fs.writeFileSync(
      path.join(tmp, '.changeset', 'sample-change.md'),
      '---\n"@memsim/fuchsia-runtime": minor\n---\n\nSample change used by the release-configuration test.\n',
    );
    execFileSync(changesetBin, ['version'], { cwd: tmp, stdio: 'pipe', env: { ...process.env, CI: 'true' } });

    const bump = (v: string, kind: 'minor' | 'patch') => {
      const [maj, min, pat] = v.split('.').map(Number) as [number, number, number];
      return kind === 'minor' ? `${maj}.${min + 1}.0` : `${maj}.${min}.${pat + 1}`;
    };
    const runtime = dirs.get('@memsim/fuchsia-runtime')!;
    expect(readPkg(runtime).version).toBe(bump(before.get('@memsim/fuchsia-runtime')!, 'minor'));
    const changelog = fs.readFileSync(path.join(runtime, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('## ' + readPkg(runtime).version);
    expect(changelog).toContain('Sample change used by the release-configuration test.');

    // A dependent is patched so its workspace range keeps matching; the layer below is untouched.
    const roles = dirs.get('@memsim/scheduler-roles')!;
    expect(readPkg(roles).version).toBe(bump(before.get('@memsim/scheduler-roles')!, 'patch'));
    expect(fs.readFileSync(path.join(roles, 'CHANGELOG.md'), 'utf8')).toContain('@memsim/fuchsia-runtime@');
    const zircon = dirs.get('@memsim/zircon-objects')!;
    expect(readPkg(zircon).version).toBe(before.get('@memsim/zircon-objects'));
    expect(fs.existsSync(path.join(zircon, 'CHANGELOG.md'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, '.changeset', 'sample-change.md'))).toBe(false);
  }, 30_000);
});
