#!/usr/bin/env node
// The packaging gate: every published package is packed as a user would receive it, checked by publint and
// @arethetypeswrong/cli, and installed into a throw-away project together with only the packed packages it
// depends on, where importing it must succeed and two consumers must type-check against its .d.ts with
// skipLibCheck off: an ordinary one (target ES2022, no `lib`: the .d.ts must bring what they use, such as
// Disposable) and a strict ESNext one. The apps' binaries are then run through npx from that project
// (`npx memsim --help`, `npx memsim-conformance --suite zircon`). Needs `pnpm build` first.
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

const packages = ['packages', 'apps', 'tools']
  .flatMap((group) => fs.readdirSync(path.join(root, group)).map((d) => path.join(root, group, d)))
  .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);
// Files beyond dist/ that a package reads at run time.
const shipped = {
  '@memsim/conformance': ['suites/zircon/', 'suites/linux-mm/', 'schema/scenario.schema.json', 'bin/memsim-conformance.js'],
  '@memsim/cli': ['bin/memsim.js'],
  '@memsim/linux-probe': ['native/probe.c'],
};
// Packages whose API shows Node's own types (a consumer of them needs @types/node anyway). Every other package's
// ES2022 consumer has no `types` at all, so nothing but the package's .d.ts can declare Disposable for it.
const nodeTypesInApi = {
  '@memsim/mapped-vmo': 'ReadonlyByteView exposes Buffer',
};
// What running each published binary from a consumer project must do (exit 0).
const binChecks = {
  memsim: [['--help'], /Usage: memsim/],
  'memsim-conformance': [['--suite', 'zircon', '--jobs', '1'], /cases in/],
};
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
  step('the tarball holds what the package needs at run time', () => {
    const listed = run('tar', ['-tzf', file], root).split('\n');
    for (const need of shipped[pkg.name] ?? []) {
      if (!listed.some((f) => f.startsWith(`package/${need}`))) throw new Error(`${path.basename(file)} lacks ${need}`);
    }
  });
  step('attw (esm-only)', () => run(bin('attw'), [file, '--profile', 'esm-only', '--format', 'ascii'], root));

  const consumer = path.join(work, `consumer-${path.basename(dir)}`);
  fs.mkdirSync(path.join(consumer, 'src'), { recursive: true });
  const deps = { [pkg.name]: `file:${file}` };
  for (const d of internalDeps(pkg.name)) deps[d] = `file:${tgz.get(d)}`;
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2),
  );
  const typeRoots = [path.join(root, 'node_modules', '@types')];
  const configs = {
    // What a TypeScript user has without thinking about memsim: no `lib`, so ES2022's default library only, and no
    // @types/node (which would declare Disposable itself and hide a missing reference).
    'tsconfig.es2022.json': {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      types: nodeTypesInApi[pkg.name] ? ['node'] : [], skipLibCheck: false, rootDir: 'src', typeRoots,
    },
    // The strictest settings a consumer may use, on the newest library.
    'tsconfig.esnext.json': {
      target: 'ESNext', lib: ['ESNext'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true,
      noPropertyAccessFromIndexSignature: true, verbatimModuleSyntax: true, isolatedModules: true,
      types: ['node'], skipLibCheck: false, rootDir: 'src', typeRoots,
    },
  };
  for (const [name, compilerOptions] of Object.entries(configs)) {
    fs.writeFileSync(path.join(consumer, name), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  }
  fs.writeFileSync(
    path.join(consumer, 'src', 'consumer.ts'),
    // No console or process here: the ES2022 consumer has no Node types.
    `import * as api from '${pkg.name}';\nexport const names: string[] = Object.keys(api);\nif (names.length === 0) throw new Error('no exports');\n`,
  );
  step('installs from the packed tarballs alone', () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], consumer),
  );
  for (const name of Object.keys(configs)) {
    step(`a consumer type-checks against it (${name})`, () => run(bin('tsc'), ['-p', name], consumer));
  }
  step('importing it works at run time', () => run(process.execPath, ['--input-type=module', '-e', `import * as m from '${pkg.name}'; if (!Object.keys(m).length) process.exit(1);`], consumer));
  for (const name of Object.keys(pkg.bin ?? {})) {
    const [args, expected] = binChecks[name] ?? [['--help'], /Usage/];
    step(`npx ${name} ${args.join(' ')}`, () => {
      const out = run('npx', ['--no-install', name, ...args], consumer);
      if (!expected.test(out)) throw new Error(`npx ${name} ${args.join(' ')} printed no ${expected}:\n${out.slice(0, 2000)}`);
    });
  }
}

fs.rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`\npack-check: ${failures.length} failure(s)\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log('\npack-check: every package packs, lints, installs, type-checks for both consumers and runs its binaries');
