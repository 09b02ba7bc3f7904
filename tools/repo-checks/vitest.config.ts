import { defineProject } from 'vitest/config';
import { sharedTestOptions, sourceConditions } from '../../vitest.shared.js';

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'repo-checks',
    include: ['src/**/*.test.ts'],
    ...sharedTestOptions,
    // The entry-point and tutorial tests run the built binaries.
    globalSetup: ['src/test-support/build-apps.ts'],
  },
});
