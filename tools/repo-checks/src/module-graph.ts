import fs from 'node:fs';
import path from 'node:path';

/**
 * The import graph of one package's sources: each file (absolute path) and the files of the same package it
 * imports by a relative specifier. Type-only imports and re-exports count: a cycle of types is still a cycle.
 * @public
 */
export type ModuleGraph = ReadonlyMap<string, readonly string[]>;

// `import … from '…'`, `import type … from '…'`, `export … from '…'`, `import '…'`, `import('…')`, `require('…')`.
const RELATIVE_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;
const SOURCE_RE = /\.(ts|tsx|mts|cts)$/;

function resolve(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  // Sources import their siblings by the emitted name (`./x.js`); the file on disk is `./x.ts`.
  const candidates = [base.replace(/\.(m|c)?js$/, '.$1ts'), base, `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => SOURCE_RE.test(c) && fs.existsSync(c) && fs.statSync(c).isFile());
}

/**
 * Builds the relative-import graph of the TypeScript files under `srcDir` (tests included, `.d.ts` excluded).
 * @public
 */
export function buildModuleGraph(srcDir: string): ModuleGraph {
  const graph = new Map<string, string[]>();
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (SOURCE_RE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        // Comments may quote import lines; they are not edges.
        const text = fs.readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        const targets = new Set<string>();
        for (const m of text.matchAll(RELATIVE_RE)) {
          const target = resolve(p, m[1]);
          if (target !== undefined && target !== p) targets.add(target);
        }
        graph.set(p, [...targets].sort());
      }
    }
  };
  if (fs.existsSync(srcDir)) walk(srcDir);
  return graph;
}

/**
 * Every import circle of the graph: its strongly connected components of more than one file (Tarjan's algorithm),
 * each sorted, the list sorted by first file. An empty list means the graph is acyclic.
 * @public
 */
export function findImportCircles(graph: ModuleGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  // Iterative, so a long chain of imports cannot overflow the call stack.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const m = edges[frame.next++];
        if (!index.has(m)) {
          index.set(m, counter);
          low.set(m, counter++);
          stack.push(m);
          onStack.add(m);
          work.push({ node: m, next: 0 });
        } else if (onStack.has(m)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(m)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let m: string;
        do {
          m = stack.pop()!;
          onStack.delete(m);
          component.push(m);
        } while (m !== frame.node);
        if (component.length > 1) circles.push(component.sort());
      }
    }
  }
  return circles.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
