import * as runtime from '@memsim/fuchsia-runtime';
import * as zircon from '@memsim/zircon-objects';
import { expect, it } from 'vitest';
import * as self from './index.js';
import { runReadmeExample } from '@memsim/test-support';

it('the README example runs and prints what its comments say', () => {
  const { logged, promised } = runReadmeExample(new URL('../README.md', import.meta.url), {
    '@memsim/mapped-vmo': self,
    '@memsim/zircon-objects': zircon,
    '@memsim/fuchsia-runtime': runtime,
  });
  expect(promised.length).toBeGreaterThan(0);
  expect(logged).toEqual(promised);
});
