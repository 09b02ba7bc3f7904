/**
 * Issue 24 point 4 for `memsim-conformance`: bad input (unknown flags, wrong-typed and out-of-range option values,
 * numbers past 2^53 and 2^64, options that need another, nonexistent and malformed scenario files: invalid YAML and
 * JSON, the wrong schema, empty) exits 2 with exactly one line on stderr, no stack trace. The cases are generated
 * from the CLI's own option table, so a new option is covered without editing this file.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSING, cli, scenarioDir } from '../test-support/io.js';
import { commandTable } from './main.js';

const ok = scenarioDir({ 'ok.yaml': PASSING });
const dir = scenarioDir({});
afterAll(() => {
  rmSync(ok, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
mkdirSync(join(dir, 'a-directory'));

const BAD_FILES: Record<string, string> = {
  nonexistent: join(dir, 'does-not-exist.yaml'),
  'invalid YAML': file('invalid.yaml', 'name: [1, 2\n  steps: }\n'),
  'invalid JSON': file('invalid.json', '{"name": '),
  'wrong schema (YAML list)': file('list.yaml', '- 1\n- 2\n'),
  'wrong schema (JSON object)': file('object.json', '{"foo": 1}\n'),
  'wrong schema (every key missing)': file('keys.yaml', 'foo: 1\n'),
  'wrong step': file('step.yaml', 'name: x\nsuite: demo\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n    colour: red\n'),
  empty: file('empty.yaml', ''),
};

const BAD_NUMBERS = ['abc', '', '0', '-1', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '9007199254740993', '18446744073709551616', '-9223372036854775809'];

/** Options that only mean something with another: given alone they are bad usage. */
const NEEDS: Record<string, string[]> = { '--seed': ['--fuzz=1'] };

/** Free-form options that name a file to read: they also get every bad file. */
const READ_OPTIONS = ['--profile'];

const base = [ok, '--backend=model'];
const takesValue = (o: Option): boolean => o.required || o.optional;

function cases(): [string, string[]][] {
  const out: [string, string[]][] = [
    ['unknown flag', [...base, '--no-such-flag']],
    ['unknown short flag', [...base, '-Z']],
    ['misspelt flag', [...base, '--sute', 'zircon']],
  ];
  for (const [kind, f] of Object.entries(BAD_FILES)) out.push([`scenario path: ${kind}`, [f, '--backend=model']]);
  out.push(['several malformed files', [BAD_FILES['invalid YAML'], BAD_FILES['wrong schema (every key missing)'], BAD_FILES['wrong step'], '--backend=model']]);
  for (const o of commandTable().options.filter(takesValue)) {
    const flag = o.long ?? o.short ?? '';
    out.push([`${flag} without its value`, [...base, flag]]);
    const values = o.argChoices
      ? ['bogus', '', '1']
      : o.parseArg
        ? BAD_NUMBERS
        : [join(dir, 'no-such-dir', 'x'), join(dir, 'a-directory'), ...(READ_OPTIONS.includes(flag) ? Object.values(BAD_FILES) : [])];
    for (const v of values) out.push([`${flag} ${JSON.stringify(v)}`, [...base, ...(NEEDS[flag] ?? []), `${flag}=${v}`]]);
  }
  out.push(['--seed without --fuzz', [...base, '--seed=3']], ['--fuzz-out without --fuzz', [...base, `--fuzz-out=${dir}`]]);
  return out;
}

describe('memsim-conformance: bad input exits 2 with one line on stderr', () => {
  it('the base case is good input', async () => {
    expect((await cli(base)).code).toBe(0);
  });

  it.each(cases())('%s', async (_name, argv) => {
    const r = await cli(argv);
    expect({ code: r.code, err: r.err }, argv.join(' ')).toEqual({ code: 2, err: expect.stringMatching(/^[^\n]+\n$/) as string });
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
