import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkspacePackage } from './index.js';
import { ALLOWED_DEPENDENCIES, TEST_ONLY_DEPENDENCIES, findCycle, findInternalImports, findRepoRoot, listWorkspacePackages } from './index.js';

const root = findRepoRoot(import.meta.dirname);
const packages = listWorkspacePackages(root);
const rel = (p: string) => path.relative(root, p);
const isTestFile = (file: string) => /\.(test|bench)\.ts$/.test(file) || file.includes(`${path.sep}test-support${path.sep}`);
// A test-only package is allowed as a devDependency of anything; nothing else is allowed beyond the layer table.
const allowed = (p: WorkspacePackage, dep: string) =>
  ALLOWED_DEPENDENCIES[p.name]?.includes(dep) === true || (TEST_ONLY_DEPENDENCIES.includes(dep) && p.devOnly.includes(dep));

describe('workspace layering', () => {
  it('knows every workspace package', () => {
    const unknown = packages.map((p) => p.name).filter((n) => !(n in ALLOWED_DEPENDENCIES));
    expect(unknown, 'add new packages to tools/repo-checks/src/layers.ts and docs/architecture.md').toEqual([]);
  });

  it('declares only downward dependencies in package.json', () => {
    const violations = packages.flatMap((p) =>
      p.declared.filter((d) => !allowed(p, d)).map((d) => `${p.name} -> ${d}`),
    );
    expect(violations).toEqual([]);
  });

  it('imports only downward packages in source, and only declared ones', () => {
    const violations = packages.flatMap((p) =>
      findInternalImports(p.dir)
        .filter((imp) => imp.specifier !== p.name)
        .filter(
          (imp) =>
            !allowed(p, imp.specifier) ||
            !p.declared.includes(imp.specifier) ||
            (TEST_ONLY_DEPENDENCIES.includes(imp.specifier) && !isTestFile(imp.file)),
        )
        .map((imp) => `${rel(imp.file)}:${imp.line} imports ${imp.specifier}`),
    );
    expect(violations).toEqual([]);
  });

  it('has no cycles among declared dependencies', () => {
    const edges = new Map(packages.map((p) => [p.name, p.declared] as const));
    expect(findCycle(edges)).toBeNull();
  });

  it('declares internal dependencies as workspace:^', async () => {
    const fs = await import('node:fs');
    const bad: string[] = [];
    for (const p of packages) {
      const pkg = JSON.parse(fs.readFileSync(path.join(p.dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
        for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
          if (dep.startsWith('@memsim/') && range !== 'workspace:^') bad.push(`${p.name} ${field} ${dep}@${range}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const S = ['@mem', 'sim'].join('');
  it('find a cycle', () => {
    const edges = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', []]]);
    expect(findCycle(edges)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('see imports in every form', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(
      path.join(dir, 'src', 'x.ts'),
      // Built from parts so this file's own text does not count as importing them.
      [`import { a } from '${S}/a';`, `export * from "${S}/b/sub";`, `const c = await import('${S}/c');`, `import '${S}/d';`].join('\n'),
    );
    expect(findInternalImports(dir).map((i) => i.specifier)).toEqual(['@memsim/a', '@memsim/b', '@memsim/c', '@memsim/d']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('published documents', () => {
  it('docs/scenario.schema.json is the conformance runner schema', async () => {
    const fs = await import('node:fs');
    const published = fs.readFileSync(path.join(root, 'docs', 'scenario.schema.json'), 'utf8');
    const source = fs.readFileSync(path.join(root, 'apps', 'conformance', 'schema', 'scenario.schema.json'), 'utf8');
    expect(published, 'copy apps/conformance/schema/scenario.schema.json to docs/').toBe(source);
  });
});
