// Tests import sibling workspace packages through the `@memsim/source` export condition, so they run
// against source without a build. Both the client and the SSR resolver need it (vite resolves Node-side
// imports through `ssr.resolve`).
const conditions = ['@memsim/source', 'module', 'node', 'development|production'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};

// CI runs every project at once on two cores, and the first test to use the native probe compiles it; a test that
// takes seconds locally can take several times that there. Speed is measured by benchmarks, not by this limit.
export const sharedTestTimeout = 30_000;
