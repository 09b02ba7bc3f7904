import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The playground bundles the workspace packages from source (the `@memsim/source` export condition), into the API
// site's playground/ folder (`pnpm run docs` builds it after typedoc). Relative asset paths: the site works from
// any folder and from a static file server.
export default defineConfig({
  base: './',
  resolve: {
    conditions: ['@memsim/source', 'browser', 'module', 'import', 'default'],
    alias: { 'node:async_hooks': fileURLToPath(new URL('shims/async-hooks.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../../site/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One application chunk: the model is most of it, and it is needed before anything shows.
    chunkSizeWarningLimit: 2048,
  },
  logLevel: 'warn',
});
