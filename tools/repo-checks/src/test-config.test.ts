import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, listWorkspacePackages } from './index.js';

const root = findRepoRoot(import.meta.dirname);

// The gate is deterministic only if every project runs the shared setup file (fast-check's fixed seed, the replay of
// recorded counterexamples, campaign mode): a project that forgets it draws a fresh seed on every `pnpm test`
// (the playground did, until this test). docs/testing.md.
describe('vitest projects', () => {
  const projects = listWorkspacePackages(root)
    .map((p) => path.join(p.dir, 'vitest.config.ts'))
    .filter((f) => fs.existsSync(f));

  it('there are projects to check', () => {
    expect(projects.length).toBeGreaterThan(10);
  });

  it.each(projects.map((f) => [path.relative(root, f).split(path.sep).join('/'), f]))('%s spreads sharedTestOptions into its test options', (_, file) => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/import \{[^}]*\bsharedTestOptions\b[^}]*\} from '\.\.\/\.\.\/vitest\.shared\.js'/);
    expect(text).toMatch(/test:\s*\{[^]*\.\.\.sharedTestOptions/);
  });
});
