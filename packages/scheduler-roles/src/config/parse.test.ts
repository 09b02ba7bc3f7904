import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryPriority } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_PROFILES, RoleConfig, RoleConfigError, defaultRoleConfig, loadRoleConfigDir, loadRoleConfigFile, parseRoleConfig } from '../index.js';

function configError(f: () => unknown): RoleConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RoleConfigError);
    return e as RoleConfigError;
  }
  throw new Error('expected a RoleConfigError');
}

describe('role configuration', () => {
  it('has the default roles', () => {
    const c = defaultRoleConfig();
    expect(c.memoryRole('fuchsia.default')?.priority).toBe(MemoryPriority.DEFAULT);
    expect(c.memoryRole('fuchsia.starnix.pinned_memory')?.priority).toBe(MemoryPriority.HIGH);
    expect(c.memoryRole('fuchsia.starnix.mlock')?.priority).toBe(MemoryPriority.HIGH);
    expect(c.threadRole('fuchsia.default')?.profile).toEqual({ kind: 'priority', priority: 16 });
    expect(c.threadRole('fuchsia.media.audio.core.mixer')?.profile).toEqual({
      kind: 'deadline',
      capacityNs: 4_400_000,
      deadlineNs: 10_000_000,
      periodNs: 10_000_000,
    });
    expect(DEFAULT_ROLE_PROFILES).toContain('"scope": "builtin"');
  });

  it('parses comments, trailing commas, selectors, output parameters, affinity and durations', () => {
    const c = parseRoleConfig(
      `// a product file
      {
        scope: "product",
        profiles: {
          "test.a:input=foo,mode=2": { capacity: 500000, deadline: "1ms", period: "0.002s", affinity: [0, 2, 2],
                                      output_parameters: { n: 1, f: 2.5, s: "x" } },
        },
        memory: { "test.m": { priority: "HIGH" }, },
      }`,
      'product.profiles',
    );
    const r = c.threadRole('test.a', { mode: '2', input: 'foo' });
    expect(r).toMatchObject({ scope: 'product', source: 'product.profiles', affinity: 5 });
    expect(r?.profile).toEqual({ kind: 'deadline', capacityNs: 500_000, deadlineNs: 1_000_000, periodNs: 2_000_000 });
    expect(r?.outputParameters).toEqual([
      { key: 'n', value: { intValue: 1 } },
      { key: 'f', value: { floatValue: 2.5 } },
      { key: 's', value: { stringValue: 'x' } },
    ]);
    expect(c.threadRole('test.a')).toBeUndefined();
    expect(c.memoryRole('test.m')?.priority).toBe(MemoryPriority.HIGH);
  });

  it('reports syntax errors with file, line and column', () => {
    const e = configError(() => parseRoleConfig('{\n  "profiles": {,\n}', 'bad.profiles'));
    expect(e).toMatchObject({ code: 'SYNTAX', file: 'bad.profiles', jsonPath: '$', line: 2 });
    expect(e.message).toMatch(/^bad\.profiles:2:\d+: \$: not valid JSON5/);
  });

  it.each([
    ['[]', '$', /document must be an object/],
    ['{ scope: "galaxy" }', '$.scope', /must be one of builtin, bringup, core, product/],
    ['{ extra: 1 }', '$.extra', /unknown key/],
    ['{ profiles: [] }', '$.profiles', /must be an object of roles/],
    ['{ profiles: { "a.b": 3 } }', '$.profiles["a.b"]', /role must be an object/],
    ['{ profiles: { "a.b": {} } }', '$.profiles["a.b"]', /needs priority, or capacity/],
    ['{ profiles: { "a.b": { priority: 32 } } }', '$.profiles["a.b"].priority', /0\.\.31/],
    ['{ profiles: { "a.b": { priority: 3, period: "1ms" } } }', '$.profiles["a.b"]', /not both/],
    ['{ profiles: { "a.b": { capacity: "2ms", deadline: "1ms", period: "3ms" } } }', '$.profiles["a.b"]', /capacity <= deadline <= period/],
    ['{ profiles: { "a.b": { capacity: "1 fortnight", deadline: "1ms", period: "3ms" } } }', '$.profiles["a.b"].capacity', /duration/],
    ['{ profiles: { "a.b": { capacity: "1ms", period: "3ms" } } }', '$.profiles["a.b"].deadline', /missing/],
    ['{ profiles: { "a.b": { priority: 3, colour: 1 } } }', '$.profiles["a.b"].colour', /unknown key/],
    ['{ profiles: { "a.b:x": { priority: 3 } } }', '$.profiles["a.b:x"]', /key=value/],
    ['{ profiles: { "": { priority: 3 } } }', '$.profiles[""]', /empty role name/],
    ['{ profiles: { "a.b": { priority: 3, affinity: [99] } } }', '$.profiles["a.b"].affinity[0]', /CPU number/],
    ['{ profiles: { "a.b": { priority: 3, output_parameters: { k: [] } } } }', '$.profiles["a.b"].output_parameters.k', /number or a string/],
    ['{ memory: { "m": { priority: 20 } } }', '$.memory.m.priority', /16 or "DEFAULT", 24 or "HIGH"/],
    ['{ memory: { "m": {} } }', '$.memory.m.priority', /got nothing/],
    ['{ memory: { "m": { priority: 16, capacity: 1 } } }', '$.memory.m.capacity', /unknown key/],
  ])('rejects %s at %s', (text, path, detail) => {
    const e = configError(() => parseRoleConfig(text, 'f.profiles'));
    expect(e.code).toBe('SCHEMA');
    expect(e.file).toBe('f.profiles');
    expect(e.jsonPath).toBe(path);
    expect(e.detail).toMatch(detail);
    expect(e.message).toBe(`f.profiles: ${path}: ${e.detail}`);
  });

  it('rejects role names longer than 2048 bytes', () => {
    const e = configError(() => parseRoleConfig(JSON.stringify({ memory: { ['r'.repeat(2049)]: { priority: 16 } } })));
    expect(e.detail).toMatch(/2048/);
  });

  it('never throws anything but RoleConfigError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ profiles: { 'a.b': v } }))), (text) => {
        try {
          parseRoleConfig(text);
        } catch (e) {
          expect(e).toBeInstanceOf(RoleConfigError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('loads files and directories, merging by scope and refusing same-scope duplicates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roles-'));
    writeFileSync(join(dir, 'a-core.profiles'), '{ scope: "core", memory: { "x": { priority: 16 } }, profiles: { "t": { priority: 3 } } }');
    writeFileSync(join(dir, 'b-product.profiles'), '{ scope: "product", memory: { "x": { priority: 24 } } }');
    writeFileSync(join(dir, 'ignored.json'), 'not even json');
    const c = loadRoleConfigDir(dir);
    expect(c.memoryRole('x')?.priority).toBe(MemoryPriority.HIGH);
    expect(c.threadRole('t')?.profile).toEqual({ kind: 'priority', priority: 3 });
    expect(loadRoleConfigFile(join(dir, 'a-core.profiles')).memoryRole('x')?.priority).toBe(MemoryPriority.DEFAULT);
    writeFileSync(join(dir, 'c-core.profiles'), '{ scope: "core", memory: { "x": { priority: 24 } } }');
    const e = configError(() => RoleConfig.merge([loadRoleConfigFile(join(dir, 'a-core.profiles')), loadRoleConfigFile(join(dir, 'c-core.profiles'))]));
    expect(e).toMatchObject({ code: 'CONFLICT', jsonPath: '$.memory["x"]' });
    expect(e.detail).toContain('a-core.profiles');
    expect(configError(() => loadRoleConfigFile(join(dir, 'missing.profiles'))).code).toBe('IO');
    expect(configError(() => loadRoleConfigDir(join(dir, 'nope'))).code).toBe('IO');
  });
});

describe('selector keys named like Object members', () => {
  it('treats __proto__ and toString as plain keys', () => {
    const c = parseRoleConfig('{ profiles: { "a:toString=x": { priority: 1 }, "b:__proto__=y": { priority: 2 } } }');
    expect(c.threadRole('a', { toString: 'x' })?.selectors).toEqual({ toString: 'x' });
    expect(Object.keys(c.threadRole('b', JSON.parse('{"__proto__":"y"}') as Record<string, string>)?.selectors ?? {})).toEqual(['__proto__']);
  });
});
