import { defineProject } from 'vitest/config';
import { sharedTestOptions, sourceConditions } from '../../vitest.shared.js';

// starnix-mm's suites again, with the test helpers building every address space in the 'per-mapping' design
// (docs/testing.md, "Both anonymous-memory designs"). The live-kernel differentials already run both designs
// themselves (describe.each), so they are not repeated here.
export default defineProject({
  ...sourceConditions,
  test: {
    name: 'starnix-mm (per-mapping)',
    include: ['src/**/*.test.ts'],
    exclude: ['src/conformance/linux-differential.test.ts', 'src/conformance/linux-features.test.ts'],
    env: { MEMSIM_TEST_ANON_BACKING: 'per-mapping' },
    ...sharedTestOptions,
  },
});
