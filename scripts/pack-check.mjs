#!/usr/bin/env node
// The packaging gate: every published package is packed as a user would receive it, checked by publint and
// @arethetypeswrong/cli, and installed into a throw-away project together with only the packed packages it
// depends on, where importing it and type-checking a small consumer must succeed. Needs `pnpm build` first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memsim-pack-'));
const tarballs = path.join(work, 'tarballs');
fs.mkdirSync(tarballs);

const run = (cmd, args, cwd, quiet = true) =>
  execFileSync(cmd, args, { cwd, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });

const packages = fs
  .readdirSync(path.join(root, 'packages'))
  .map((d) => ({ dir: path.join(root, 'packages', d), pkg: JSON.parse(fs.readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);
const byName = new Map(packages.map((p) => [p.pkg.name, p]));

const internalDeps = (name, seen = new Set()) => {
  for (const dep of Object.keys(byName.get(name).pkg.dependencies ?? {})) {
    if (byName.has(dep) && !seen.has(dep)) {
      seen.add(dep);
      internalDeps(dep, seen);
    }
  }
  return seen;
};

const failures = [];
const step = (label, fn) => {
  try {
    fn();
    console.log(`  ok   ${label}`);
  } catch (e) {
    const out = [e.stdout, e.stderr].filter(Boolean).join('\n').trim();
    failures.push(`${label}\n${out || e.message}`);
    console.log(`  FAIL ${label}`);
  }
};

// Pack everything first: a consumer installs its dependencies from these tarballs only.
const tgz = new Map();
for (const { dir, pkg } of packages) {
  if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) {
    console.error(`pack-check: ${pkg.name} has no dist/; run \`pnpm build\` first`);
    process.exit(2);
  }
  const out = run('pnpm', ['pack', '--pack-destination', tarballs], dir).trim().split('\n').pop();
  tgz.set(pkg.name, path.isAbsolute(out) ? out : path.join(tarballs, path.basename(out)));
}

for (const { dir, pkg } of packages) {
  if (only.length && !only.includes(pkg.name) && !only.includes(path.basename(dir))) continue;
  console.log(pkg.name);
  const file = tgz.get(pkg.name);
  step('publint --strict', () => run(bin('publint'), ['--strict', dir], root));
  step('attw (esm-only)', () => run(bin('attw'), [file, '--profile', 'esm-only', '--format', 'ascii'], root));

  const consumer = path.join(work, `consumer-${path.basename(dir)}`);
  fs.mkdirSync(path.join(consumer, 'src'), { recursive: true });
  const deps = { [pkg.name]: `file:${file}` };
  for (const d of internalDeps(pkg.name)) deps[d] = `file:${tgz.get(d)}`;
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2),
  );
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        lib: ['ES2023', 'ESNext.Disposable'], types: [], skipLibCheck: false, rootDir: 'src',
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      include: ['src'],
    }, null, 2),
  );
  fs.writeFileSync(
    path.join(consumer, 'src', 'consumer.ts'),
    `import * as api from '${pkg.name}';\nconst names: string[] = Object.keys(api);\nif (names.length === 0) throw new Error('no exports');\nconsole.log(names.length);\n`,
  );
  step('installs from the packed tarballs alone', () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], consumer),
  );
  step('a consumer type-checks against it', () => run(bin('tsc'), ['-p', 'tsconfig.json', '--types', 'node'], consumer));
  step('importing it works at run time', () => run(process.execPath, ['--input-type=module', '-e', `import * as m from '${pkg.name}'; if (!Object.keys(m).length) process.exit(1);`], consumer));
}

fs.rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`\npack-check: ${failures.length} failure(s)\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log('\npack-check: every package packs, lints, installs and type-checks');
