/**
 * Issue 24 point 4 for scheduler-roles: the exported functions, a role configuration, the server and the clients
 * (sync and async, served and unserved), called with random and boundary arguments (and with well-formed and
 * malformed requests, documents and handles), return or throw a RoleConfigError, a ZxError (a client's transport
 * failure, a server bound to something that is not a RoleManager server end), fuchsia-runtime's NO_AMBIENT_RUNTIME
 * (an ambient connect outside any process) or a TypeError / RangeError naming a wrong JavaScript type, never
 * anything else. SetRole's own failures
 * are results (`{ ok: false, error }`), not throws. A fixed-seed slice.
 */
import { Namespace, Runtime, RuntimeError } from '@memsim/fuchsia-runtime';
import { fuzzMethods, isArgumentError } from '@memsim/test-support';
import { Kernel, Thread as ZxThread, VmOptions, Vmo, ZxError, mulberry32 } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROLE_PROFILES,
  RoleConfig,
  RoleConfigError,
  RoleManagerProxy,
  RoleManagerServer,
  RoleManagerSynchronousProxy,
  connectToRoleManager,
  connectToRoleManagerSync,
  createRoleManagerProxyAndStream,
  createRoleManagerSyncProxyAndStream,
  defaultRoleConfig,
  loadRoleConfigDir,
  loadRoleConfigFile,
  parseRoleConfig,
} from './index.js';

/** Documents near the format's edges: each parses or throws a RoleConfigError. */
const DOCUMENTS: readonly string[] = [
  DEFAULT_ROLE_PROFILES,
  '{}',
  '',
  '[]',
  'null',
  '{ profiles: { a: { priority: 2e308 } } }',
  '{ profiles: { a: { priority: -0 } } }',
  '{ profiles: { a: { capacity: "1e3ms", deadline: 1, period: 1 } } }',
  '{ profiles: { a: { capacity: 9007199254740993, deadline: 9007199254740993, period: 9007199254740993 } } }',
  '{ profiles: { a: { capacity: "99999999999999999999s", deadline: "1s", period: "1s" } } }',
  '{ profiles: { a: { capacity: NaN, deadline: Infinity, period: -1 } } }',
  '{ profiles: { a: { priority: 1, affinity: [52, 52, 0] } } }',
  '{ profiles: { a: { priority: 1, affinity: [53] } } }',
  '{ profiles: { a: { priority: 1, affinity: 18446744073709551616 } } }',
  '{ profiles: { "a:k=v,k=w": { priority: 1 } } }',
  '{ profiles: { "a:": { priority: 1 } } }',
  '{ profiles: { ":k=v": { priority: 1 } } }',
  '{ profiles: { "__proto__": { priority: 1 } } }',
  '{ profiles: { "a:__proto__=x": { priority: 1 } } }',
  '{ profiles: { "a:toString=x": { priority: 1 } } }',
  '{ profiles: { a: { priority: 1, output_parameters: { x: NaN } } } }',
  '{ profiles: { a: { priority: 1, output_parameters: { __proto__: 1 } } } }',
  '{ memory: { a: { priority: 24.5 } } }',
  '{ memory: { a: { priority: "HIGH", output_parameters: [] } } }',
  '{ memory: { "constructor": { priority: 16 } } }',
  '{ scope: "toString" }',
  '{ scope: ["core"] }',
  '{ profiles: null }',
  '{ profiles: { a: ',
  '\u0000',
  '{ "profiles": { "a": { "priority": 1, } }, }',
];

const PARAMS: readonly unknown[] = [
  [],
  [{ key: 'k', value: { intValue: 2 ** 53 } }],
  [{ key: 'k', value: { intValue: 2n ** 63n } }],
  [{ key: 'k', value: { floatValue: Number.NaN } }],
  [{ key: 'k', value: { stringValue: 'v' } }, { key: 'k', value: { stringValue: 'w' } }],
  [{ key: '__proto__', value: { stringValue: 'v' } }],
  [{ key: 'toString', value: { stringValue: 'v' } }],
  [{ key: 'k', value: { stringValue: 'v', intValue: 1 } }],
  [null],
  { length: 1 },
  'k=v',
];

function requests(kernel: Kernel, rt: Runtime): unknown[] {
  const child = (): unknown => rt.rootVmar.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 1 << 16).vmar;
  const thread = rt.createThread({ stackSize: 4096 });
  const zx = ZxThread.create(rt.process, 'fuzz');
  const names = ['fuchsia.default', 'fuchsia.starnix.pinned_memory', 'fuchsia.media.audio.core.mixer', 'nope', '', 'x'.repeat(2049), 'é'.repeat(1025)];
  const out: unknown[] = [];
  for (const role of names) {
    out.push({ target: { vmar: child() }, role: { role } });
    out.push({ target: { thread }, role: { role } });
    out.push({ target: { thread: zx.duplicate() }, role: { role } });
  }
  for (const inputParameters of PARAMS) out.push({ target: { vmar: child() }, role: { role: 'fuchsia.default' }, inputParameters });
  out.push(
    { target: { vmar: Vmo.create(kernel, 4096) }, role: { role: 'fuchsia.default' } },
    { target: { thread: child() }, role: { role: 'fuchsia.default' } },
    { target: { vmar: child(), thread }, role: { role: 'fuchsia.default' } },
    { target: {}, role: { role: 'fuchsia.default' } },
    { target: { vmar: child() }, role: 'fuchsia.default' },
    { target: { vmar: child() }, role: { role: 2n ** 64n } },
    { target: { vmar: 4096 }, role: { role: 'fuchsia.default' } },
    { target: { thread: Number.NaN }, role: { role: 'fuchsia.default' } },
    { target: null, role: null },
    Object.create(null) as object,
  );
  return out;
}

describe('public API fuzz', () => {
  it('seeds 1-30, 250 calls each: only the typed errors', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const kernel = new Kernel({ seed });
      const namespace = new Namespace();
      const server = new RoleManagerServer();
      server.offerIn(namespace);
      const rt = Runtime.create(kernel, { name: 'fuzz', namespace });
      const unserved = createRoleManagerSyncProxyAndStream();
      const unservedAsync = createRoleManagerProxyAndStream();
      const functions = {
        parseRoleConfig,
        loadRoleConfigFile,
        loadRoleConfigDir,
        defaultRoleConfig,
        connectToRoleManagerSync,
        connectToRoleManager,
        merge: (...cs: unknown[]) => RoleConfig.merge(cs as RoleConfig[]),
        mergeAny: (cs: unknown) => RoleConfig.merge(cs as RoleConfig[]),
        newServer: (c: unknown) => new RoleManagerServer(c as RoleConfig),
      };
      const roots = [
        functions,
        defaultRoleConfig(),
        parseRoleConfig('{ profiles: { "a:k=v": { priority: 3 } }, memory: { "a:k=v": { priority: "HIGH" } } }'),
        server,
        connectToRoleManagerSync(rt),
        connectToRoleManager(rt),
        unserved.proxy,
        unservedAsync.proxy,
      ];
      const r = await fuzzMethods({
        random: mulberry32(seed),
        calls: 250,
        roots,
        // The ambient connect outside any process is the runtime's usage error, passed through as documented.
        allowed: (e) => e instanceof RoleConfigError || e instanceof ZxError || (e instanceof RuntimeError && e.code === 'NO_AMBIENT_RUNTIME') || isArgumentError(e),
        keep: (v) => v instanceof RoleConfig || v instanceof RoleManagerServer || v instanceof RoleManagerSynchronousProxy || v instanceof RoleManagerProxy,
        values: [...DOCUMENTS, ...requests(kernel, rt), ...PARAMS, rt, namespace, { role: 'fuchsia.default' }, { k: 'v' }, { k: 1 }],
        ints: [0, 1, 3, 16, 24, 31, 32, 2048, 2049],
        // The raw proxies underneath (`proxy` getters) belong to fuchsia-runtime and are fuzzed there.
        skip: ['proxy'],
      });
      expect(r.failure, `seed ${seed}`).toBeUndefined();
      rt[Symbol.dispose]();
    }
  }, 120_000);
});
