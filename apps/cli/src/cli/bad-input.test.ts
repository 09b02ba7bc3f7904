/**
 * Issue 24 point 4 for `memsim`: every command answers bad input (unknown flags, missing and extra arguments,
 * wrong-typed and out-of-range values, numbers past 2^53 and 2^64, nonexistent and malformed files: invalid YAML and
 * JSON, the wrong schema, empty) with exit status 2 and exactly one line on stderr, no stack trace. The cases are
 * generated from the CLI's own command table, so a new command, argument or option is covered without editing
 * this file; the samples below only say what a valid value looks like for the known ones.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../test-support/capture.js';
import { fixture } from '../test-support/fixtures.js';
import { commandTable } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'memsim-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
mkdirSync(join(dir, 'empty-dir'));

/** Files no command accepts, by kind. */
const BAD_FILES: Record<string, string> = {
  nonexistent: join(dir, 'does-not-exist.yaml'),
  'invalid YAML': file('invalid.yaml', 'name: [1, 2\n  steps: }\n'),
  'invalid JSON': file('invalid.json', '{"name": '),
  'wrong schema (YAML list)': file('list.yaml', '- 1\n- 2\n'),
  'wrong schema (JSON object)': file('object.json', '{"foo": 1}\n'),
  empty: file('empty.yaml', ''),
  binary: file('binary.bin', '\u0000\u0001\u0002\uffff'),
};

/** Option values no numeric option accepts. */
const BAD_NUMBERS = ['abc', '', '-1', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '9007199254740993', '18446744073709551616', '-9223372036854775809'];

/** Values that are out of range for the options that have a range (checked in the command's action). */
const OUT_OF_RANGE: Record<string, string> = { '--step': '99999', '--pages': '99999999', '--accesses': '999999999', '--seed': '4294967296', '--at': '99999999', '--pid': '4294967295' };

/** Free-form options that name a file to read: they also get every bad file. */
const READ_OPTIONS = ['--profile'];

const swapTrace = file('swap.trace', 'pages 4\nw 0\nw 1\nr 0\n');
const recorded = fileURLToPath(new URL('../../../../docs/traces/sh-ls.trace', import.meta.url));

/** A valid value for an argument or option, by command path and name (else by name; else a scenario file). */
function valid(path: string, name: string): string[] {
  const byPath: Record<string, string[]> = {
    'swap trace': [swapTrace],
    'trace replay trace': [recorded],
    'trace inspect trace': [recorded],
    'trace draw trace': [recorded],
    // Recording runs a program: the base case names one that does not exist, so nothing is ever recorded here.
    'trace record command': ['--', join(dir, 'no-such-program')],
    'profile name|file': ['linux-6.18-v1272'],
    'trace draw --output': [join(dir, 'out.svg')],
    'draw --output': [join(dir, 'out.svg')],
  };
  const byName: Record<string, string[]> = { '--output': [join(dir, 'out.txt')], '--profile': ['linux-6.18-v1272'], '--name': ['clone space'] };
  return byPath[`${path} ${name}`] ?? byName[name] ?? [fixture('clone-space.yaml')];
}

interface Case {
  readonly what: string;
  readonly argv: readonly string[];
}

const pathOf = (cmd: Command): string[] => (cmd.parent ? [...pathOf(cmd.parent), cmd.name()] : []);
const allCommands = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(allCommands)];
const takesValue = (o: Option): boolean => o.required || o.optional;

/** The cases of one command: its valid base with one thing made wrong. */
function casesOf(cmd: Command): Case[] {
  const path = pathOf(cmd);
  const p = path.join(' ');
  const out: Case[] = [];
  if (cmd.commands.length > 0) {
    out.push({ what: 'no subcommand', argv: path }, { what: 'unknown subcommand', argv: [...path, 'frobnicate'] });
    if (path.length > 0) return out;
  }
  const args = cmd.registeredArguments;
  const mandatory = cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long ?? o.short ?? '', ...valid(p, o.long ?? '')]);
  const argValues = (over?: { index: number; value: string }): string[] =>
    args.flatMap((a, i) => (over?.index === i ? [over.value] : a.required || a.variadic || i < (over?.index ?? -1) ? valid(p, a.name()) : []));
  // Options go before the arguments: a variadic argument after `--` would swallow them.
  const base = (opts: string[] = [], over?: { index: number; value: string }): string[] => [...path, ...mandatory, ...opts, ...argValues(over)];
  out.push({ what: 'unknown flag', argv: [...path, '--no-such-flag', ...argValues()] });
  out.push({ what: 'unknown short flag', argv: [...path, '-Z', ...argValues()] });
  if (args.some((a) => a.required)) out.push({ what: 'missing arguments', argv: [...path, ...mandatory] });
  if (!args.some((a) => a.variadic)) out.push({ what: 'extra arguments', argv: [...base(), 'extra-1', 'extra-2'] });
  for (const o of cmd.options.filter((x) => x.mandatory)) {
    const flag = o.long ?? o.short ?? '';
    out.push({ what: `missing ${flag}`, argv: [...path, ...argValues()] });
  }
  args.forEach((a, index) => {
    if (p === 'trace record' || path.length === 0) return;
    for (const [kind, f] of Object.entries(BAD_FILES)) out.push({ what: `argument ${a.name()}: ${kind}`, argv: base([], { index, value: f }) });
  });
  for (const o of cmd.options.filter(takesValue)) {
    const flag = o.long ?? o.short ?? '';
    const rest = mandatory.filter((_, i, xs) => xs[i - (i % 2)] !== flag);
    // Last on the line, so nothing after it can be taken as its value (alone when an argument is variadic).
    out.push({ what: `${flag} without its value`, argv: args.some((a) => a.variadic) ? [...path, flag] : [...path, ...rest, ...argValues(), flag] });
    const numeric = o.parseArg !== undefined && o.argChoices === undefined;
    const values = o.argChoices
      ? ['bogus', '', '1']
      : numeric
        ? [...BAD_NUMBERS, ...(OUT_OF_RANGE[flag] ? [OUT_OF_RANGE[flag]] : [])]
        : [join(dir, 'no-such-dir', 'x.svg'), ...(READ_OPTIONS.includes(flag) ? Object.values(BAD_FILES) : [])];
    for (const v of values) out.push({ what: `${flag} ${JSON.stringify(v)}`, argv: [...path, ...rest, `${flag}=${v}`, ...argValues()] });
  }
  return out;
}

const CASES = allCommands(commandTable()).flatMap((cmd) => casesOf(cmd).map((c): [string, Case] => [`${['memsim', ...pathOf(cmd)].join(' ')}: ${c.what}`, c]));

describe('memsim: bad input exits 2 with one line on stderr', () => {
  it('covers every command of the table', () => {
    const names = allCommands(commandTable()).map((c) => pathOf(c).join(' '));
    for (const n of ['run', 'inspect', 'profile', 'draw', 'swap', 'swap-trace generate', 'trace record', 'trace replay', 'trace inspect', 'trace draw']) expect(names).toContain(n);
    expect(CASES.length).toBeGreaterThan(200);
  });

  it.each(CASES)('%s', async (_name, c) => {
    const r = await capture([...c.argv]);
    expect({ code: r.code, err: r.err }, c.argv.join(' ')).toEqual({ code: 2, err: expect.stringMatching(/^[^\n]+\n$/) as string });
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
