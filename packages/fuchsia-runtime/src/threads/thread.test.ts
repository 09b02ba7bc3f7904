import type { ZxError} from '@memsim/zircon-objects';
import { Kernel, MapsType, PAGE_SIZE, Rights, VmOptions, ZxStatus, type Vmar } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import {
  Runtime,
  RuntimeError,
  currentThread,
  processSelf,
  thrdGetZxCreateHandles,
  thrdSetZxCreateHandles,
  type ThreadCreateHandles,
} from '../index.js';

const status = (s: ZxStatus): Error => expect.objectContaining({ status: s }) as Error;

/** Child VMARs and mappings directly under `vmar` (depth 1 and 2 of its maps records). */
function layout(vmar: Vmar): { vmars: { base: number; size: number }[]; maps: { base: number; size: number; flags: number }[] } {
  const recs = vmar.mapsInfo().records;
  return {
    vmars: recs.filter((r) => r.depth === 1 && r.type === MapsType.VMAR).map((r) => ({ base: r.base, size: r.size })),
    maps: recs.filter((r) => r.type === MapsType.MAPPING).map((r) => ({ base: r.base, size: r.size, flags: r.mapping!.mmuFlags })),
  };
}

function sub(rt: Runtime, size: number): Vmar {
  return rt.rootVmar.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, size).vmar;
}

describe('thread creation', () => {
  it('allocates three guarded blocks in the root VMAR by default (x86-64 layout) and unmaps them on join', async () => {
    const kernel = new Kernel({ aslr: false });
    using rt = Runtime.create(kernel, { name: 'p' });
    const stack = 64 * 1024;
    const t = rt.createThread({ name: 'worker', stackSize: stack });
    const [ms, ss, tb] = t.regions;
    expect(t.regions.map((r) => r.kind)).toEqual(['machine-stack', 'security-stack', 'thread-block']);
    expect(ms).toMatchObject({ size: stack + PAGE_SIZE, guardBelow: PAGE_SIZE, guardAbove: 0, mappingSize: stack });
    expect(ms.mappingBase).toBe(ms.base + PAGE_SIZE);
    expect(ss).toMatchObject({ size: stack + PAGE_SIZE, guardBelow: PAGE_SIZE, guardAbove: 0 });
    expect(tb).toMatchObject({ size: 3 * PAGE_SIZE, guardBelow: PAGE_SIZE, guardAbove: PAGE_SIZE, mappingSize: PAGE_SIZE });
    expect(tb.mappingBase).toBe(tb.base + PAGE_SIZE);
    for (const r of t.regions) expect(r.parent).toBe(rt.rootVmar);
    const l = layout(rt.rootVmar);
    expect(l.vmars).toEqual(t.regions.map((r) => ({ base: r.base, size: r.size })).sort((a, b) => a.base - b.base));
    expect(l.maps).toHaveLength(3);
    for (const m of l.maps) expect(m.flags).toBe(VmOptions.PERM_READ | VmOptions.PERM_WRITE);
    t.start(() => 42);
    expect(t.state).toBe('running');
    await expect(t.join()).resolves.toBe(42);
    expect(t.state).toBe('released');
    expect(t.regions).toEqual([]);
    expect(layout(rt.rootVmar)).toEqual({ vmars: [], maps: [] });
  });

  it('puts the arm64 shadow call stack guard above', () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p', arch: 'arm64' });
    using t = rt.createThread({ stackSize: 8192 });
    const ss = t.regions[1];
    expect(ss).toMatchObject({ kind: 'security-stack', guardBelow: 0, guardAbove: PAGE_SIZE, mappingSize: 8192 });
    expect(ss.mappingBase).toBe(ss.base);
  });

  it('runs the body in the thread context and releases memory at exit when detached', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    let seen: unknown;
    const t = rt.spawnThread(async () => {
      await Promise.resolve();
      seen = [currentThread(), processSelf()];
    });
    t.detach();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([t, rt.process]);
    expect(t.state).toBe('released');
    expect(layout(rt.rootVmar).vmars).toEqual([]);
    await expect(t.join()).rejects.toThrow(RuntimeError);
  });

  it('rethrows what the body threw at join, still unmapping', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    const t = rt.spawnThread(() => {
      throw new Error('body failed');
    });
    await expect(t.join()).rejects.toThrow('body failed');
    expect(layout(rt.rootVmar).vmars).toEqual([]);
  });

  it('sets creation handles per thread, returns the old ones, and new threads inherit', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    using a = sub(rt, 16 * 1024 * 1024);
    using b = sub(rt, 16 * 1024 * 1024);
    const mine: ThreadCreateHandles = { process: rt.process, machineStackVmar: a, securityStackVmar: b, threadBlockVmar: a };
    const old = rt.run(() => thrdSetZxCreateHandles(mine));
    expect(old.machineStackVmar).toBe(rt.rootVmar);
    expect(old.securityStackVmar).toBe(rt.rootVmar);
    expect(old.threadBlockVmar).toBe(rt.rootVmar);
    const child = rt.run(() => rt.spawnThread(() => {
      // The child inherited its creator's handles; a grandchild created here lands in them too.
      const inherited = thrdGetZxCreateHandles();
      const grandchild = rt.createThread({ stackSize: PAGE_SIZE });
      const where = grandchild.regions.map((r) => r.parent);
      grandchild[Symbol.dispose]();
      return { inherited, where };
    }, { stackSize: PAGE_SIZE }));
    expect(child.regions.map((r) => r.parent)).toEqual([a, b, a]);
    const { inherited, where } = await child.join();
    expect(inherited.machineStackVmar).toBe(a);
    expect(where).toEqual([a, b, a]);
    // Regions really sit inside the chosen VMARs.
    const inside = (v: Vmar, addr: number): boolean => addr >= v.info().base && addr < v.info().base + v.info().len;
    const t = rt.run(() => rt.createThread({ stackSize: PAGE_SIZE }));
    expect(inside(a, t.regions[0].base) && inside(b, t.regions[1].base) && inside(a, t.regions[2].base)).toBe(true);
    t[Symbol.dispose]();
    expect(layout(a).vmars).toEqual([]);
    // The initial thread's values changed; a thread created outside run() uses them as well.
    expect(rt.mainThread.createHandles().machineStackVmar).toBe(a);
  });

  it('reports a full VMAR with the kernel status and leaves nothing allocated', () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    using tiny = sub(rt, 4 * PAGE_SIZE);
    rt.mainThread.setCreateHandles({ process: rt.process, machineStackVmar: rt.rootVmar, securityStackVmar: tiny, threadBlockVmar: rt.rootVmar });
    let kernelStatus: ZxStatus | undefined;
    try {
      tiny.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, 64 * 1024 + PAGE_SIZE);
    } catch (e) {
      kernelStatus = (e as ZxError).status;
    }
    expect(kernelStatus).toBeDefined();
    expect(() => rt.createThread({ stackSize: 64 * 1024 })).toThrow(status(kernelStatus!));
    expect(layout(rt.rootVmar).maps).toEqual([]);
  });

  it('rejects bad handles, sizes and states with typed errors', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    expect(() => rt.mainThread.setCreateHandles({ process: rt.process } as ThreadCreateHandles)).toThrow(status(ZxStatus.WRONG_TYPE));
    expect(() => rt.createThread({ stackSize: 0 })).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => rt.createThread({ stackSize: 2 ** 60 })).toThrow(status(ZxStatus.INVALID_ARGS));
    const t = rt.createThread({ stackSize: PAGE_SIZE });
    await expect(t.join()).rejects.toThrow(RuntimeError);
    t.start(() => undefined);
    expect(() => t.start(() => undefined)).toThrow(RuntimeError);
    await t.join();
    expect(() => t.setSchedulerProfile({ kind: 'priority', priority: 20 })).toThrow(status(ZxStatus.BAD_STATE));
  });

  it('validates and records scheduler profiles', () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    using t = rt.createThread({ stackSize: PAGE_SIZE });
    expect(t.schedulerProfile).toBeNull();
    t.setSchedulerProfile({ kind: 'deadline', capacityNs: 1, deadlineNs: 2, periodNs: 3 });
    expect(t.schedulerProfile).toEqual({ kind: 'deadline', capacityNs: 1, deadlineNs: 2, periodNs: 3 });
    expect(() => t.setSchedulerProfile({ kind: 'priority', priority: 32 })).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => t.setSchedulerProfile({ kind: 'deadline', capacityNs: 3, deadlineNs: 2, periodNs: 3 })).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(t.koid).toBeGreaterThan(0);
    expect(t.koid).not.toBe(rt.mainThread.koid);
  });

  it('backs each thread with a kernel thread: created, started, dead at exit, killed with its process', async () => {
    const kernel = new Kernel();
    const rt = Runtime.create(kernel, { name: 'p' });
    expect(rt.mainThread.handle.state).toBe('running');
    const t = rt.createThread({ name: 'worker', stackSize: PAGE_SIZE });
    expect(t.koid).toBe(t.handle.koid());
    expect(t.handle.basicInfo().relatedKoid).toBe(rt.process.koid());
    expect(t.handle.getName()).toBe('worker');
    expect(t.handle.state).toBe('new');
    const watcher = t.handle.duplicate();
    t.start(() => watcher.state);
    expect(await t.join()).toBe('running');
    expect(watcher.state).toBe('dead');
    expect(t.handle.valid).toBe(false);
    const u = rt.createThread({ stackSize: PAGE_SIZE });
    rt[Symbol.dispose]();
    expect(u.handle.state).toBe('dead');
  });

  it('needs MANAGE_THREAD on the creation process, leaving nothing allocated otherwise', () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'p' });
    using weak = rt.process.duplicate(Rights.BASIC);
    rt.mainThread.setCreateHandles({ ...rt.mainThread.createHandles(), process: weak });
    expect(() => rt.createThread({ stackSize: PAGE_SIZE })).toThrow(status(ZxStatus.ACCESS_DENIED));
    expect(layout(rt.rootVmar)).toEqual({ vmars: [], maps: [] });
  });

  it('cannot create threads in a dead process; killing the process takes thread memory with it', async () => {
    const kernel = new Kernel();
    const rt = Runtime.create(kernel, { name: 'p' });
    const t = rt.spawnThread(() => 1, { stackSize: PAGE_SIZE });
    rt[Symbol.dispose]();
    expect(() => rt.createThread()).toThrow(status(ZxStatus.BAD_STATE));
    await expect(t.join()).resolves.toBe(1);
  });
});
