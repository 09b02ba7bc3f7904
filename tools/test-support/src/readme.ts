import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Runs the first ```ts block of a README with `modules` standing in for its imports, and returns each
 * `console.log(...)` line's output next to the value its `// comment` promises.
 * @public
 */
export function runReadmeExample(
  readmeUrl: URL,
  modules: Record<string, unknown>,
): { logged: string[]; promised: string[] } {
  const readme = readFileSync(readmeUrl, 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (match?.[1] === undefined) throw new Error('no ts example in the README');
  const source = match[1];
  const promised = source
    .split('\n')
    .filter((line) => line.includes('console.log(') && line.includes('// '))
    .map((line) => (line.split('// ')[1] ?? '').split(':')[0]?.trim() ?? '');
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  }).outputText;
  const logged: string[] = [];
  const fakeConsole = { log: (value: unknown) => logged.push(typeof value === 'string' ? JSON.stringify(value) : String(value)) };
  const fakeRequire = (name: string) => {
    if (!(name in modules)) throw new Error(`the example imports ${name}, which the test does not provide`);
    return modules[name];
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('require', 'exports', 'console', js) as (r: unknown, e: unknown, c: unknown) => void;
  run(fakeRequire, {}, fakeConsole);
  return { logged, promised };
}
