import { fileURLToPath } from 'node:url';

// Tests import sibling workspace packages through the `@memsim/source` export condition, so they run
// against source without a build. Both the client and the SSR resolver need it (vite resolves Node-side
// imports through `ssr.resolve`).
const conditions = ['@memsim/source', 'module', 'node', 'development|production'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};

// CI runs every project at once on two cores, and the first test to use the native probe compiles it; a test that
// takes seconds locally can take several times that there, and on a machine shared with other work (a loop of
// `pnpm test` beside a campaign and builds) the tests that spawn pnpm or the conformance CLI took over 30 s. The limit
// is only there to turn a hang into a failure; speed is measured by benchmarks, not by it.
export const sharedTestTimeout = 120_000;

// Every project runs this first: it fixes fast-check's seed for the gate and drives randomized campaigns
// (docs/testing.md). One file, so tests written anywhere inherit it without configuring anything.
const setupFile = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

/** The `test` options every project shares (each adds its `name` and `include`). */
export const sharedTestOptions = {
  testTimeout: sharedTestTimeout,
  setupFiles: [setupFile],
  // A failing property is reported through the setup file's fc.assert wrapper; point at the test, not the wrapper.
  onStackTrace: (_error: unknown, frame: { file: string }): boolean => frame.file !== setupFile,
};
