// Tests import sibling workspace packages through the `@memsim/source` export condition, so they run
// against source without a build. Both the client and the SSR resolver need it (vite resolves Node-side
// imports through `ssr.resolve`).
const conditions = ['@memsim/source', 'module', 'node', 'development|production'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};
