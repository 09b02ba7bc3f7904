import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // starnix-mm runs twice: in the default 'single' anonymous design and in 'per-mapping' (docs/testing.md).
    projects: ['packages/*', 'apps/*', 'tools/*', 'packages/starnix-mm/vitest.per-mapping.config.ts'],
    // Vitest's default is one worker fewer than cores: one file at a time on a 2-core machine (CI's), about 8 minutes.
    // Many test files spend their time waiting on children (gcc, the native probe, Chromium, the CLIs), so one
    // worker more than cores keeps both cores busy: about 4 minutes there, with the same results.
    maxWorkers: availableParallelism() + 1,
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      include: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'tools/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.bench.ts', '**/test-support/**'],
    },
  },
});
