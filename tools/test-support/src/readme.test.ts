import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from './index.js';

function readme(text: string): URL {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  const file = path.join(dir, 'README.md');
  fs.writeFileSync(file, text);
  return pathToFileURL(file);
}

it('runs the first ts block with the given modules and pairs each log with its comment', () => {
  const url = readme('# x\n\n```ts\nimport { twice } from "m";\nconsole.log(twice(2)); // 4\nconsole.log("a"); // "a": a string\n```\n');
  expect(runReadmeExample(url, { m: { twice: (n: number) => 2 * n } })).toEqual({ logged: ['4', '"a"'], promised: ['4', '"a"'] });
});

it('names a module the example imports but the test does not provide', () => {
  const url = readme('```ts\nimport { y } from "missing";\nconsole.log(y); // 1\n```\n');
  expect(() => runReadmeExample(url, {})).toThrow(/imports missing/);
});

it('says when the README has no ts example', () => {
  expect(() => runReadmeExample(readme('# nothing here\n'), {})).toThrow(/no ts example/);
});
