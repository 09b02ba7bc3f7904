import { Namespace, Runtime, err, ok } from '@memsim/fuchsia-runtime';
import { Kernel, MemoryPriority, Thread as ZxThread, Vmo, VmOptions, ZxStatus, type Vmar } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import {
  RoleManagerServer,
  connectToRoleManager,
  connectToRoleManagerSync,
  createRoleManagerProxyAndStream,
  createRoleManagerSyncProxyAndStream,
  parseRoleConfig,
  type RoleManagerSetRoleRequest,
} from '../index.js';

const status = (s: ZxStatus): Error => expect.objectContaining({ status: s }) as Error;

function world(): { kernel: Kernel; rt: Runtime; server: RoleManagerServer; child: Vmar } {
  const kernel = new Kernel();
  const ns = new Namespace();
  const server = new RoleManagerServer();
  server.offerIn(ns);
  const rt = Runtime.create(kernel, { name: 'client', namespace: ns });
  const child = rt.rootVmar.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 1 << 20).vmar;
  return { kernel, rt, server, child };
}

describe('RoleManager server', () => {
  it('applies a memory role to a VMAR through the namespace, closing the transferred handle', () => {
    const { rt, server, child } = world();
    const rm = connectToRoleManagerSync(rt);
    const dup = child.duplicate();
    expect(rm.setRole({ target: { vmar: dup }, role: { role: 'fuchsia.starnix.pinned_memory' } })).toEqual(ok({ outputParameters: [] }));
    expect(child.memoryPriority()).toBe(MemoryPriority.HIGH);
    expect(dup.valid).toBe(false);
    expect(rm.setRole({ target: { vmar: child.duplicate() }, role: { role: 'fuchsia.default' } }).ok).toBe(true);
    expect(child.memoryPriority()).toBe(MemoryPriority.DEFAULT);
    expect(server.history.map((h) => [h.role, h.targetKind, h.targetKoid])).toEqual([
      ['fuchsia.starnix.pinned_memory', 'vmar', child.koid()],
      ['fuchsia.default', 'vmar', child.koid()],
    ]);
    rt[Symbol.dispose]();
  });

  it('applies a thread role to a thread, with the ambient connection', async () => {
    const { rt } = world();
    using t = rt.createThread({ stackSize: 4096 });
    const r = rt.run(() => connectToRoleManagerSync().setRole({ target: { thread: t }, role: { role: 'fuchsia.media.audio.core.mixer' } }));
    expect(r.ok).toBe(true);
    expect(t.schedulerProfile).toEqual({ kind: 'deadline', capacityNs: 4_400_000, deadlineNs: 10_000_000, periodNs: 10_000_000 });
    const a = await rt.run(() => connectToRoleManager().setRole({ target: { thread: t }, role: { role: 'fuchsia.default' } }));
    expect(a.ok).toBe(true);
    expect(t.schedulerProfile).toEqual({ kind: 'priority', priority: 16 });
    rt[Symbol.dispose]();
  });

  it('applies a thread role to a kernel thread handle, which it remembers by koid', () => {
    const { rt, server } = world();
    const zx = ZxThread.create(rt.process, 'kernel-thread');
    const koid = zx.koid();
    const watcher = zx.duplicate();
    const rm = connectToRoleManagerSync(rt);
    expect(rm.setRole({ target: { thread: zx }, role: { role: 'fuchsia.default' } }).ok).toBe(true);
    expect(server.threadProfile(koid)).toEqual({ kind: 'priority', priority: 16 });
    expect(zx.valid).toBe(false);
    watcher.kill();
    expect(rm.setRole({ target: { thread: watcher.duplicate() }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.BAD_STATE));
    rt[Symbol.dispose]();
  });

  it('answers errors as the protocol result', () => {
    const { kernel, rt, child } = world();
    using t = rt.createThread({ stackSize: 4096 });
    const rm = connectToRoleManagerSync(rt);
    const call = (req: unknown): unknown => rm.setRole(req as RoleManagerSetRoleRequest);
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 'no.such.role' } })).toEqual(err(ZxStatus.NOT_FOUND));
    // A memory-only role on a thread, and a thread-only role on a VMAR, are unknown there.
    expect(call({ target: { thread: t }, role: { role: 'fuchsia.starnix.mlock' } })).toEqual(err(ZxStatus.NOT_FOUND));
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 'fuchsia.media.audio.core.mixer' } })).toEqual(err(ZxStatus.NOT_FOUND));
    expect(call({ target: { vmar: Vmo.create(kernel, 0) }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.WRONG_TYPE));
    expect(call({ target: { vmar: t }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.WRONG_TYPE));
    expect(call({ target: { thread: child.duplicate() }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.WRONG_TYPE));
    expect(call({ role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: { vmar: child.duplicate() } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: {}, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: { vmar: child.duplicate(), thread: t }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 7 } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 'r'.repeat(2049) } })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 'fuchsia.default' }, inputParameters: 'x' })).toEqual(err(ZxStatus.INVALID_ARGS));
    expect(call(null)).toEqual(err(ZxStatus.INVALID_ARGS));
    // 2048 bytes is fine (and unknown).
    expect(call({ target: { vmar: child.duplicate() }, role: { role: 'r'.repeat(2048) } })).toEqual(err(ZxStatus.NOT_FOUND));
    // A destroyed VMAR: the kernel's status.
    const dead = child.duplicate();
    child.destroy();
    expect(call({ target: { vmar: dead }, role: { role: 'fuchsia.default' } })).toEqual(err(ZxStatus.BAD_STATE));
    rt[Symbol.dispose]();
  });

  it('picks role variants by input parameters and returns output parameters', () => {
    const kernel = new Kernel();
    const config = parseRoleConfig(`{ memory: {
      "test.m:input=foo": { priority: 24, output_parameters: { chosen: "foo" } },
      "test.m:input=bar,n=2": { priority: 16, output_parameters: { chosen: "bar", weight: 0.5 } },
    } }`);
    const server = new RoleManagerServer(config);
    const { process, rootVmar } = (() => {
      const rt = Runtime.create(kernel, { name: 'p' });
      return { process: rt.process, rootVmar: rt.rootVmar };
    })();
    expect(process.valid).toBe(true);
    const foo = server.setRole({ target: { vmar: rootVmar.duplicate() }, role: { role: 'test.m' }, inputParameters: [{ key: 'input', value: { stringValue: 'foo' } }] });
    expect(foo).toEqual(ok({ outputParameters: [{ key: 'chosen', value: { stringValue: 'foo' } }] }));
    expect(rootVmar.memoryPriority()).toBe(MemoryPriority.HIGH);
    const bar = server.setRole({
      target: { vmar: rootVmar.duplicate() },
      role: { role: 'test.m' },
      inputParameters: [
        { key: 'n', value: { intValue: 2 } },
        { key: 'input', value: { stringValue: 'bar' } },
      ],
    });
    expect(bar.ok && bar.value.outputParameters).toEqual([
      { key: 'chosen', value: { stringValue: 'bar' } },
      { key: 'weight', value: { floatValue: 0.5 } },
    ]);
    expect(server.setRole({ target: { vmar: rootVmar.duplicate() }, role: { role: 'test.m' } })).toEqual(err(ZxStatus.NOT_FOUND));
  });
});

describe('RoleManager clients', () => {
  it('fail with PEER_CLOSED when no RoleManager is offered', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'lonely' });
    const req = { target: { vmar: rt.rootVmar.duplicate() }, role: { role: 'fuchsia.default' } };
    expect(() => connectToRoleManagerSync(rt).setRole(req)).toThrow(status(ZxStatus.PEER_CLOSED));
    await expect(connectToRoleManager(rt).setRole({ target: { vmar: rt.rootVmar.duplicate() }, role: { role: 'x' } })).rejects.toThrow(
      status(ZxStatus.PEER_CLOSED),
    );
  });

  it('sync proxy: a server that never replies gives TIMED_OUT; one that replies with an error gives the error', () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    const silent = createRoleManagerSyncProxyAndStream();
    silent.stream.onRequest(() => undefined);
    expect(() => silent.proxy.setRole({ target: { vmar: rt.rootVmar.duplicate() }, role: { role: 'a' } }, 50)).toThrow(status(ZxStatus.TIMED_OUT));
    const failing = createRoleManagerSyncProxyAndStream();
    failing.stream.onRequest((req) => req.responder.send(err(ZxStatus.ACCESS_DENIED)));
    expect(failing.proxy.setRole({ target: { vmar: rt.rootVmar.duplicate() }, role: { role: 'a' } })).toEqual(err(ZxStatus.ACCESS_DENIED));
  });

  it('async proxy and request stream: the test plays the server and inspects the request', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    const { proxy, stream } = createRoleManagerProxyAndStream();
    const vmar = rt.rootVmar.duplicate();
    const pending = proxy.setRole({ target: { vmar }, role: { role: 'fuchsia.starnix.mlock' } });
    const { value: req } = await stream.next();
    expect(req?.method).toBe('SetRole');
    const target = req!.payload.target;
    expect(target !== undefined && 'vmar' in target && target.vmar.koid()).toBe(rt.rootVmar.koid());
    expect(req!.payload.role).toEqual({ role: 'fuchsia.starnix.mlock' });
    req!.responder.send(ok({ outputParameters: [] }));
    await expect(pending).resolves.toEqual(ok({ outputParameters: [] }));
    await expect(proxy.setRole({ target: { vmar: rt.rootVmar.duplicate() }, role: { role: 'x' } }, { timeoutMs: 5 })).rejects.toThrow(status(ZxStatus.TIMED_OUT));
  });
});
