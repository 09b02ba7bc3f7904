import fs from 'node:fs';
import path from 'node:path';

/**
 * A workspace package as the layer check sees it.
 * @public
 */
export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  /** Internal dependencies declared in package.json (dependencies, devDependencies, peerDependencies). */
  readonly declared: readonly string[];
  /** Internal dependencies declared in devDependencies alone. */
  readonly devOnly: readonly string[];
  readonly isPrivate: boolean;
}

/**
 * An `@memsim/*` import found in a source file.
 * @public
 */
export interface InternalImport {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

const WORKSPACE_FOLDERS = ['packages', 'apps', 'tools'];

/**
 * Finds the repository root by walking up to the folder holding `pnpm-workspace.yaml`.
 * @public
 */
export function findRepoRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
}

/**
 * Lists the workspace packages under `packages/`, `apps/` and `tools/`.
 * @public
 */
export function listWorkspacePackages(root: string): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const folder of WORKSPACE_FOLDERS) {
    const base = path.join(root, folder);
    if (!fs.existsSync(base)) continue;
    for (const entry of fs.readdirSync(base, { withFileTypes: true })) {
      const manifest = path.join(base, entry.name, 'package.json');
      if (!entry.isDirectory() || !fs.existsSync(manifest)) continue;
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
        name: string;
        private?: boolean;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const all = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
      out.push({
        name: pkg.name,
        dir: path.join(base, entry.name),
        declared: Object.keys(all).filter((d) => d.startsWith('@memsim/')),
        devOnly: Object.keys(pkg.devDependencies ?? {}).filter(
          (d) => d.startsWith('@memsim/') && !(d in (pkg.dependencies ?? {})) && !(d in (pkg.peerDependencies ?? {})),
        ),
        isPrivate: pkg.private === true,
      });
    }
  }
  return out;
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](@memsim\/[^'"/]+)(?:\/[^'"]*)?['"]/g;

/**
 * Every `@memsim/*` import in the package's TypeScript sources (tests included).
 * @public
 */
export function findInternalImports(dir: string): InternalImport[] {
  const found: InternalImport[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const lines = fs.readFileSync(p, 'utf8').split('\n');
        lines.forEach((text, i) => {
          for (const m of text.matchAll(IMPORT_RE)) found.push({ file: p, line: i + 1, specifier: m[1] });
        });
      }
    }
  };
  for (const sub of ['src', 'bench', 'test']) {
    const p = path.join(dir, sub);
    if (fs.existsSync(p)) walk(p);
  }
  return found;
}

/**
 * Finds a dependency cycle among the packages (following declared dependencies), or `null`.
 * @public
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}
