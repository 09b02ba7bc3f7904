import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SchedulerProfile } from '@memsim/fuchsia-runtime';
import { MemoryPriority } from '@memsim/zircon-objects';
import JSON5 from 'json5';
import { RoleConfigError } from './errors.js';
import { RoleConfig, SCOPES, type MemoryRole, type Parameter, type RoleScope, type ThreadRole } from './role-config.js';

/**
 * Longest role name SetRole accepts, in bytes (FIDL `RoleName.role` is `string:2048`).
 * @public
 */
export const MAX_ROLE_NAME = 2048;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (path: string, k: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Parses one role configuration document (JSON5: comments and trailing commas allowed, as in `.profiles` files).
 * `source` names the file in errors. Throws {@link RoleConfigError}.
 * @public
 */
export function parseRoleConfig(text: string, source = '<string>'): RoleConfig {
  if (typeof source !== 'string') throw new TypeError(`parseRoleConfig: source must be a string, got ${typeName(source)}`);
  if (typeof text !== 'string') throw new RoleConfigError('SCHEMA', source, '$', `expected the file's text, got ${typeName(text)}`);
  let doc: unknown;
  try {
    doc = JSON5.parse(text);
  } catch (e) {
    const err = e as { lineNumber?: number; columnNumber?: number; message?: string };
    const pos = err.lineNumber !== undefined && err.columnNumber !== undefined ? { line: err.lineNumber, column: err.columnNumber } : undefined;
    throw new RoleConfigError('SYNTAX', source, '$', `not valid JSON5: ${(err.message ?? String(e)).replace(/^JSON5: /, '')}`, pos);
  }
  return fromDocument(doc, source);
}

/** A path argument: a string (a number would be a file descriptor, a buffer another path type); no NUL bytes. */
function checkPath(what: string, path: unknown): string {
  if (typeof path !== 'string') throw new TypeError(`${what}: the path must be a string, got ${typeName(path)}`);
  if (path.length === 0 || path.includes('\0')) throw new RoleConfigError('IO', JSON.stringify(path), '$', 'not a usable path (empty, or contains a NUL byte)');
  return path;
}

/**
 * Reads and parses a role configuration file. Throws {@link RoleConfigError} (`IO` if it cannot be read), or a
 * TypeError if `path` is not a string.
 * @public
 */
export function loadRoleConfigFile(path: string): RoleConfig {
  checkPath('loadRoleConfigFile', path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RoleConfigError('IO', path, '$', `cannot read the file: ${(e as Error).message}`);
  }
  return parseRoleConfig(text, path);
}

/**
 * Loads every `*.profiles` file of a directory (in name order) and merges them by scope, as the role manager does
 * with its config directory. Throws {@link RoleConfigError}.
 * @public
 */
export function loadRoleConfigDir(dir: string): RoleConfig {
  checkPath('loadRoleConfigDir', dir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.profiles')).sort();
  } catch (e) {
    throw new RoleConfigError('IO', dir, '$', `cannot list the directory: ${(e as Error).message}`);
  }
  return RoleConfig.merge(names.map((n) => loadRoleConfigFile(join(dir, n))));
}

function fromDocument(doc: unknown, source: string): RoleConfig {
  const fail = (path: string, detail: string): never => {
    throw new RoleConfigError('SCHEMA', source, path, detail);
  };
  if (!isObj(doc)) return fail('$', `the document must be an object, got ${typeName(doc)}`);
  for (const k of Object.keys(doc)) if (!['scope', 'profiles', 'memory'].includes(k)) fail(key('$', k), 'unknown key (expected scope, profiles, memory)');
  let scope: RoleScope = 'core';
  if (doc.scope !== undefined) {
    if (typeof doc.scope !== 'string' || !(SCOPES as readonly string[]).includes(doc.scope))
      fail('$.scope', `must be one of ${SCOPES.join(', ')}, got ${JSON.stringify(doc.scope)}`);
    scope = doc.scope as RoleScope;
  }
  const thread: ThreadRole[] = [];
  const memory: MemoryRole[] = [];
  const section = (name: 'profiles' | 'memory'): [string, Obj, string][] => {
    const v = doc[name];
    if (v === undefined) return [];
    if (!isObj(v)) return fail(`$.${name}`, `must be an object of roles, got ${typeName(v)}`);
    return Object.entries(v).map(([k, entry]) => {
      const p = key(`$.${name}`, k);
      if (!isObj(entry)) fail(p, `a role must be an object, got ${typeName(entry)}`);
      return [k, entry as Obj, p];
    });
  };
  for (const [roleKey, e, p] of section('profiles')) {
    const { name, selectors } = parseRoleKey(roleKey, p, fail);
    for (const k of Object.keys(e))
      if (!['priority', 'capacity', 'deadline', 'period', 'affinity', 'output_parameters'].includes(k))
        fail(key(p, k), 'unknown key (expected priority, or capacity/deadline/period; affinity; output_parameters)');
    let profile: SchedulerProfile;
    const hasDeadline = e.capacity !== undefined || e.deadline !== undefined || e.period !== undefined;
    if (e.priority !== undefined) {
      if (hasDeadline) fail(p, 'give either priority or capacity/deadline/period, not both');
      const v = e.priority;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 31) fail(key(p, 'priority'), `must be an integer in 0..31, got ${JSON.stringify(v)}`);
      profile = { kind: 'priority', priority: v as number };
    } else if (hasDeadline) {
      const capacityNs = duration(e.capacity, key(p, 'capacity'), fail);
      const deadlineNs = duration(e.deadline, key(p, 'deadline'), fail);
      const periodNs = duration(e.period, key(p, 'period'), fail);
      if (!(capacityNs <= deadlineNs && deadlineNs <= periodNs)) fail(p, 'needs capacity <= deadline <= period');
      profile = { kind: 'deadline', capacityNs, deadlineNs, periodNs };
    } else return fail(p, 'a thread role needs priority, or capacity, deadline and period');
    let affinity: number | undefined;
    if (e.affinity !== undefined) affinity = parseAffinity(e.affinity, key(p, 'affinity'), fail);
    thread.push(
      Object.freeze({ kind: 'thread', name, selectors, profile, affinity, outputParameters: outputs(e.output_parameters, key(p, 'output_parameters'), fail), scope, source }),
    );
  }
  for (const [roleKey, e, p] of section('memory')) {
    const { name, selectors } = parseRoleKey(roleKey, p, fail);
    for (const k of Object.keys(e)) if (!['priority', 'output_parameters'].includes(k)) fail(key(p, k), 'unknown key (expected priority, output_parameters)');
    const v = e.priority;
    let priority: MemoryPriority;
    if (v === MemoryPriority.DEFAULT || v === 'DEFAULT') priority = MemoryPriority.DEFAULT;
    else if (v === MemoryPriority.HIGH || v === 'HIGH') priority = MemoryPriority.HIGH;
    else return fail(key(p, 'priority'), `must be 16 or "DEFAULT", 24 or "HIGH", got ${JSON.stringify(v) ?? 'nothing'}`);
    memory.push(Object.freeze({ kind: 'memory', name, selectors, priority, outputParameters: outputs(e.output_parameters, key(p, 'output_parameters'), fail), scope, source }));
  }
  return new RoleConfig(thread, memory);
}

type Fail = (path: string, detail: string) => never;

function parseRoleKey(k: string, p: string, fail: Fail): { name: string; selectors: Record<string, string> } {
  const colon = k.indexOf(':');
  const name = colon < 0 ? k : k.slice(0, colon);
  if (name.length === 0) fail(p, 'empty role name');
  if (new TextEncoder().encode(name).length > MAX_ROLE_NAME) fail(p, `role name longer than ${MAX_ROLE_NAME} bytes`);
  const selectors: Record<string, string> = Object.create(null) as Record<string, string>;
  if (colon >= 0) {
    for (const part of k.slice(colon + 1).split(',')) {
      const eq = part.indexOf('=');
      const sk = eq < 0 ? part : part.slice(0, eq);
      const sv = eq < 0 ? '' : part.slice(eq + 1);
      if (sk.length === 0 || sv.length === 0) fail(p, `selector ${JSON.stringify(part)} must be key=value`);
      if (sk in selectors) fail(p, `selector key ${JSON.stringify(sk)} given twice`);
      selectors[sk] = sv;
    }
  }
  return { name, selectors: Object.freeze(selectors) };
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** A duration: integer ns, or a string like "4400us", "2.5ms", "1s". */
function duration(v: unknown, p: string, fail: Fail): number {
  if (v === undefined) return fail(p, 'missing (capacity, deadline and period go together)');
  let ns: number;
  if (typeof v === 'number') ns = v;
  else if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s)$/.exec(v.trim());
    if (m === null) return fail(p, `must be a duration like "10ms", "4400us", "1s" or integer nanoseconds, got ${JSON.stringify(v)}`);
    ns = Math.round(Number(m[1]) * (UNITS[m[2] ?? 'ns'] ?? 1) * 1000) / 1000;
  } else return fail(p, `must be a duration string or integer nanoseconds, got ${typeName(v)}`);
  if (!Number.isSafeInteger(ns) || ns <= 0) fail(p, `must be a positive whole number of nanoseconds below 2^53, got ${JSON.stringify(v)}`);
  return ns;
}

function parseAffinity(v: unknown, p: string, fail: Fail): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v <= 0) fail(p, 'a mask must be a positive integer');
    return v;
  }
  if (Array.isArray(v) && v.length > 0) {
    const cpus = new Set<number>();
    v.forEach((cpu: unknown, i) => {
      if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0 || cpu > 52) fail(`${p}[${i}]`, 'a CPU number must be an integer in 0..52');
      cpus.add(cpu);
    });
    let mask = 0;
    for (const c of cpus) mask += 2 ** c;
    return mask;
  }
  return fail(p, 'must be a mask or a non-empty array of CPU numbers');
}

function outputs(v: unknown, p: string, fail: Fail): readonly Parameter[] {
  if (v === undefined) return Object.freeze([]);
  if (!isObj(v)) return fail(p, `must be an object of key: value, got ${typeName(v)}`);
  return Object.freeze(
    Object.entries(v).map(([k, x]): Parameter => {
      if (typeof x === 'string') return { key: k, value: { stringValue: x } };
      if (typeof x === 'number' && Number.isFinite(x)) return { key: k, value: Number.isInteger(x) ? { intValue: x } : { floatValue: x } };
      return fail(key(p, k), `must be a number or a string, got ${typeName(x)}`);
    }),
  );
}
