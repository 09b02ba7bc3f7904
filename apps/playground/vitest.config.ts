import { defineProject } from 'vitest/config';
import { sharedTestOptions, sourceConditions } from '../../vitest.shared.js';

export default defineProject({
  ...sourceConditions,
  test: { name: 'playground', include: ['src/**/*.test.ts'], ...sharedTestOptions },
});
