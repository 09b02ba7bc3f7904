import type { MemoryPriority } from '@memsim/zircon-objects';
import type { SchedulerProfile } from '@memsim/fuchsia-runtime';
import { RoleConfigError } from './errors.js';

/**
 * Where a configuration file comes from; a role defined in a higher scope overrides the same role in a lower one
 * (builtin, then bringup, core, product), as with Fuchsia's profile configs.
 * @public
 */
export type RoleScope = 'builtin' | 'bringup' | 'core' | 'product';

/** The scopes, lowest first. */
export const SCOPES: readonly RoleScope[] = ['builtin', 'bringup', 'core', 'product'];

/**
 * A parameter value (FIDL `ParameterValue`): exactly one of the three.
 * @public
 */
export type ParameterValue = { readonly floatValue: number } | { readonly intValue: number } | { readonly stringValue: string };

/**
 * A named parameter (FIDL `Parameter`).
 * @public
 */
export interface Parameter {
  readonly key: string;
  readonly value: ParameterValue;
}

/**
 * What every role has: its name, the selectors that pick this variant (`name:key=value,...` in the file) and the
 * output parameters SetRole answers with.
 * @public
 */
export interface RoleCommon {
  /** The role name without selectors. */
  readonly name: string;
  /** Selector key/value pairs the request's input parameters must match exactly (empty: no parameters). */
  readonly selectors: Readonly<Record<string, string>>;
  /** Returned by SetRole as `outputParameters`. */
  readonly outputParameters: readonly Parameter[];
  /** The scope of the file that defined it. */
  readonly scope: RoleScope;
  /** The file that defined it. */
  readonly source: string;
}

/**
 * A thread role: the scheduler profile SetRole applies to a thread target.
 * @public
 */
export interface ThreadRole extends RoleCommon {
  readonly kind: 'thread';
  readonly profile: SchedulerProfile;
  /** CPU affinity mask, if the file gives one (recorded, not modelled by the scheduler). */
  readonly affinity: number | undefined;
}

/**
 * A memory role: the memory priority SetRole applies to a VMAR target.
 * @public
 */
export interface MemoryRole extends RoleCommon {
  readonly kind: 'memory';
  readonly priority: MemoryPriority;
}

/** A lookup's name and parameters, checked: a TypeError names a wrong JavaScript type. */
function lookupKey(what: string, name: unknown, params: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`${what}: the role name must be a string, got ${typeof name}`);
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new TypeError(`${what}: the parameters must be an object of strings`);
  for (const v of Object.values(params)) if (typeof v !== 'string') throw new TypeError(`${what}: every parameter value must be a string, got ${typeof v}`);
  return `${name}:${selectorKey(params as Readonly<Record<string, string>>)}`;
}

/** Canonical text of a selector set, for keys. */
export function selectorKey(selectors: Readonly<Record<string, string>>): string {
  return Object.keys(selectors)
    .sort()
    .map((k) => `${k}=${selectors[k]}`)
    .join(',');
}

/**
 * A loaded role configuration: thread roles and memory roles by name (and selectors). Immutable.
 * @public
 */
export class RoleConfig {
  readonly #thread: Map<string, ThreadRole>;
  readonly #memory: Map<string, MemoryRole>;

  /** @internal Use the loaders or {@link RoleConfig.merge}. */
  constructor(thread: readonly ThreadRole[], memory: readonly MemoryRole[]) {
    this.#thread = new Map(thread.map((r) => [`${r.name}:${selectorKey(r.selectors)}`, r]));
    this.#memory = new Map(memory.map((r) => [`${r.name}:${selectorKey(r.selectors)}`, r]));
  }

  /** Every thread role. */
  threadRoles(): ThreadRole[] {
    return [...this.#thread.values()];
  }

  /** Every memory role. */
  memoryRoles(): MemoryRole[] {
    return [...this.#memory.values()];
  }

  /** The thread role `name` whose selectors equal `params` (none by default). */
  threadRole(name: string, params: Readonly<Record<string, string>> = {}): ThreadRole | undefined {
    return this.#thread.get(lookupKey('threadRole', name, params));
  }

  /** The memory role `name` whose selectors equal `params` (none by default). */
  memoryRole(name: string, params: Readonly<Record<string, string>> = {}): MemoryRole | undefined {
    return this.#memory.get(lookupKey('memoryRole', name, params));
  }

  /**
   * Combines configurations: for the same role (name and selectors) the higher scope wins; the same role twice in
   * one scope is a CONFLICT error naming both files. Anything but an array of configurations is a TypeError.
   */
  static merge(configs: readonly RoleConfig[]): RoleConfig {
    if (!Array.isArray(configs) || !configs.every((c) => c instanceof RoleConfig)) throw new TypeError('RoleConfig.merge needs an array of RoleConfig');
    const pick = <R extends ThreadRole | MemoryRole>(all: R[]): R[] => {
      const out = new Map<string, R>();
      for (const r of all) {
        const key = `${r.name}:${selectorKey(r.selectors)}`;
        const prev = out.get(key);
        if (prev === undefined || SCOPES.indexOf(r.scope) > SCOPES.indexOf(prev.scope)) out.set(key, r);
        else if (prev.scope === r.scope && prev !== r)
          throw new RoleConfigError(
            'CONFLICT',
            r.source,
            `$.${r.kind === 'thread' ? 'profiles' : 'memory'}[${JSON.stringify(key.endsWith(':') ? r.name : `${r.name}:${selectorKey(r.selectors)}`)}]`,
            `role already defined in ${prev.source} with the same scope (${r.scope})`,
          );
      }
      return [...out.values()];
    };
    return new RoleConfig(
      pick(configs.flatMap((c) => c.threadRoles())),
      pick(configs.flatMap((c) => c.memoryRoles())),
    );
  }
}
