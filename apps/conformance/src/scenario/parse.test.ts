import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioFileError, ScenarioParser, loadScenarioSchema, parseScenarios } from '../index.js';
import { LINUX_OPS, ZX_CALLS } from './vocabulary.js';

function problems(text: string): { line: number; column: number; message: string }[] {
  try {
    parseScenarios(text, 'x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioFileError);
    return (e as ScenarioFileError).problems.map(({ line, column, message }) => ({ line, column, message }));
  }
  throw new Error('expected a ScenarioFileError');
}

describe('scenario parser', () => {
  it('parses several documents with steps, bindings and positions', () => {
    const text = `name: a\nsuite: zircon\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 4096}\n    bind: v\n---\nname: b\nsuite: linux-mm\nsource: s\nsteps:\n  - linux: mmap\n    args: {addr: 0, length: 4096, prot: [READ], flags: [PRIVATE, ANONYMOUS, FIXED]}\n    bind: a\n  - access: read\n    args: {addr: "\${a + 0x10}", length: 1}\n`;
    const [a, b] = parseScenarios(text, 'f.yaml');
    expect(a).toMatchObject({ name: 'a', domain: 'zircon', differential: false, pos: { line: 1, column: 1 } });
    expect(a.steps[0]).toMatchObject({ kind: 'zx', call: 'vmo_create', bind: 'v', pos: { line: 5, column: 5 } });
    expect(b).toMatchObject({ name: 'b', domain: 'linux', differential: true });
    expect(b.steps.map((s) => s.kind)).toEqual(['linux', 'access']);
  });

  it('reports YAML syntax errors with line and column', () => {
    const p = problems('name: x\nsuite: zircon\nsteps: [\n');
    expect(p[0]).toMatchObject({ line: expect.any(Number) as number, column: expect.any(Number) as number });
    expect(p[0].line).toBeGreaterThanOrEqual(3);
  });

  it('reports unknown keys and values at their position, with the closest name', () => {
    const p = problems('name: x\nsuite: zircon\nsource: s\nsteps:\n  - zx: vmo_craete\n    args: {size: 1}\n  - zx: vmo_create\n    expekt: {ok: true}\n');
    expect(p).toContainEqual({ line: 5, column: 9, message: "steps.0.zx: 'vmo_craete' is not a known value (did you mean 'vmo_create'?)" });
    expect(p).toContainEqual({ line: 8, column: 5, message: "steps.1: unknown key 'expekt' (did you mean 'expect'?)" });
  });

  it('reports a missing required key and a step with no kind', () => {
    const p = problems('name: x\nsuite: zircon\nsteps:\n  - args: {}\n');
    expect(p.map((x) => x.message)).toContain("scenario: missing required key 'source'");
    expect(p.map((x) => x.message)).toContain('steps.0: a step needs exactly one of zx, linux, access, fork, debug, check');
  });

  it('reports references to names no earlier step binds', () => {
    const p = problems('name: x\nsuite: zircon\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n    bind: vmo\n  - zx: vmo_info\n    args: {handle: "${vmoo}"}\n');
    expect(p).toEqual([{ line: 9, column: 20, message: "'vmoo' is not bound by an earlier step nor a known constant (did you mean 'vmo'?)" }]);
  });

  it('refuses mixing Zircon and Linux steps, and differential on Zircon scenarios', () => {
    expect(problems('name: x\nsuite: s\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n  - linux: maps\n')[0].message).toMatch(/either Zircon/);
    expect(problems('name: x\nsuite: s\nsource: s\ndifferential: true\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n')[0]).toMatchObject({ line: 4 });
  });

  it('carries the upstream test a scenario ports, and locates a malformed one', () => {
    const rev = 'ab'.repeat(20);
    const head = 'name: Vmar.DestroyTest\nsuite: zircon-core\nsource: s\n';
    const steps = 'steps:\n  - zx: vmo_create\n    args: {size: 1}\n';
    const [s] = parseScenarios(`${head}upstream: {repo: o/r, file: a/b.cc, test: Vmar.DestroyTest, revision: ${rev}}\n${steps}`, 'u.yaml');
    expect(s.upstream).toEqual({ repo: 'o/r', file: 'a/b.cc', test: 'Vmar.DestroyTest', revision: rev });
    const p = problems(`${head}upstream: {repo: o/r, file: a/b.cc, test: Vmar.DestroyTest, revision: abc}\n${steps}`);
    expect(p[0]).toMatchObject({ line: 4 });
    expect(p[0].message).toMatch(/upstream\.revision/);
  });

  it('refuses an empty file', () => {
    expect(problems('')[0].message).toMatch(/no scenario/);
  });

  it('publishes a schema whose step vocabularies match the runner', () => {
    const schema = loadScenarioSchema() as { definitions: { step: { properties: Record<string, { enum?: string[] }> } } };
    expect(schema.definitions.step.properties['zx'].enum).toEqual([...ZX_CALLS]);
    expect(schema.definitions.step.properties['linux'].enum).toEqual([...LINUX_OPS]);
  });

  it('parses every shipped suite file', () => {
    const parser = new ScenarioParser();
    for (const f of ['zircon/vmar.yaml', 'linux-mm/mmap.yaml', 'userfaultfd/chromium.yaml', 'seeds/zircon-behaviours.yaml']) {
      const url = new URL(`../../suites/${f}`, import.meta.url);
      expect(parser.parse(readFileSync(url, 'utf8'), f).length).toBeGreaterThan(0);
    }
  });
});
