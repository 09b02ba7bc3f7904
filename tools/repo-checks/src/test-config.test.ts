import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, listWorkspacePackages } from './index.js';

const root = findRepoRoot(import.meta.dirname);

// The gate is deterministic only if every project runs the shared setup file (fast-check's fixed seed, the replay of
// recorded counterexamples, campaign mode): a project that forgets it draws a fresh seed on every `pnpm test`
// (the playground did, until this test). docs/testing.md.
describe('vitest projects', () => {
  // vitest.config.ts and any extra project of a package (vitest.<variant>.config.ts, e.g. starnix-mm's per-mapping run).
  const projects = listWorkspacePackages(root).flatMap((p) =>
    fs
      .readdirSync(p.dir)
      .filter((f) => /^vitest(\.[\w-]+)?\.config\.ts$/.test(f))
      .map((f) => path.join(p.dir, f)),
  );

  it('there are projects to check', () => {
    expect(projects.length).toBeGreaterThan(10);
  });

  it.each(projects.map((f) => [path.relative(root, f).split(path.sep).join('/'), f]))('%s spreads sharedTestOptions into its test options', (_, file) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/import \{[^}]*\bsharedTestOptions\b[^}]*\} from '\.\.\/\.\.\/vitest\.shared\.js'/);
    expect(text).toMatch(/test:\s*\{[^]*\.\.\.sharedTestOptions/);
  });
});
