import { describe, expect, it } from 'vitest';
import { Job, MapsType, ObjType, Process, Rights, Signals, TASK_RETCODE_SYSCALL_KILL, Thread, VmOptions, Vmo, ZxStatus } from '../index.js';
import { PAGE, expectStatus, setup } from '../test-support/util.js';

const U64_MAX = 2n ** 64n - 1n;

const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;

describe('object info core tests', () => {
  it('InfoVmarMapsUnstartedSucceeds', () => {
    const { root } = setup();
    const info = root.mapsInfo();
    expect(info.actual).toBe(1);
    expect(info.avail).toBe(1);
    expect(info.records[0]).toMatchObject({ depth: 0, type: MapsType.VMAR, base: root.info().base, size: root.info().len });
  });

  it('InfoVmarMapsProcessDestroyedFails', () => {
    const { process, root } = setup();
    process.kill();
    expectStatus(() => root.mapsInfo(), ZxStatus.BAD_STATE);
    expectStatus(() => process.mapsInfo(), ZxStatus.BAD_STATE);
  });

  it('InfoVmarMapsVmarDestroyedFails', () => {
    const { root } = setup();
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ, 0, 4 * PAGE);
    vmar.destroy();
    expectStatus(() => vmar.mapsInfo(), ZxStatus.BAD_STATE);
  });

  it('maps info is a depth-first pre-order walk with mapping details', () => {
    const { kernel, process, root } = setup({ aslr: false });
    const vmo = Vmo.create(kernel, 4 * PAGE);
    vmo.setName('data');
    vmo.write(new Uint8Array(PAGE), 0);
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 8 * PAGE);
    const inner = vmar.map(RW, 0, vmo, 0, 2 * PAGE);
    const outer = root.map(VmOptions.PERM_READ, 0, vmo, PAGE, 2 * PAGE);
    const info = root.mapsInfo();
    expect(info.avail).toBe(4);
    expect(info.records.map((r) => [r.depth, r.type])).toEqual([
      [0, MapsType.VMAR],
      [1, MapsType.VMAR],
      [2, MapsType.MAPPING],
      [1, MapsType.MAPPING],
    ]);
    expect(info.records[2]?.base).toBe(inner);
    expect(info.records[2]?.mapping).toEqual({ mmuFlags: RW, vmoKoid: vmo.koid(), vmoOffset: 0, committedBytes: PAGE, populatedBytes: PAGE });
    expect(info.records[3]?.base).toBe(outer);
    expect(info.records[3]?.mapping?.vmoOffset).toBe(PAGE);
    expect(info.records[3]?.name).toBe('data');
    // A short buffer still succeeds: actual < avail.
    const short = root.mapsInfo(2);
    expect([short.actual, short.avail, short.records.length]).toEqual([2, 4, 2]);
    // PROCESS_MAPS: depth 0 the address space, depth 1 the root VMAR.
    const pm = process.mapsInfo();
    // The record count is checked as VMAR_MAPS checks it: garbage is INVALID_ARGS, a negative size_t is huge.
    for (const bad of [0.5, Number.NaN, -1n, '2']) expectStatus(() => process.mapsInfo(bad as never), ZxStatus.INVALID_ARGS);
    expect(process.mapsInfo(U64_MAX).actual).toBe(pm.avail);
    expect(process.mapsInfo(2).actual).toBe(2);
    expect(pm.records.map((r) => [r.depth, r.type])).toEqual([
      [0, MapsType.ASPACE],
      [1, MapsType.VMAR],
      [2, MapsType.VMAR],
      [3, MapsType.MAPPING],
      [2, MapsType.MAPPING],
    ]);
    expectStatus(() => root.duplicate(Rights.DEFAULT_VMAR & ~Rights.INSPECT).mapsInfo(), ZxStatus.ACCESS_DENIED);
  });
});

describe('processes and jobs', () => {
  it('create returns the process and a root VMAR covering the user address space', () => {
    const { kernel, process, root } = setup();
    expect(root.info().base).toBe(0x200000);
    expect(root.info().base + root.info().len).toBe(2 ** 47 - PAGE);
    expect(root.rights).toBe((Rights.DEFAULT_VMAR | Rights.READ | Rights.WRITE | Rights.EXECUTE) >>> 0);
    expect(process.rights).toBe(Rights.DEFAULT_PROCESS);
    expectStatus(() => root.destroy(), ZxStatus.NOT_SUPPORTED);
    expectStatus(() => Process.create(kernel.rootJob, 'x', 2), ZxStatus.INVALID_ARGS);
    const long = Process.create(kernel.rootJob, 'n'.repeat(50)).process;
    expect(long.getName()).toHaveLength(31);
  });

  it('kill destroys the address space, then asserts TERMINATED', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(RW, 0, vmo, 0, PAGE);
    expectStatus(() => process.waitOne(Signals.TASK_TERMINATED, 0), ZxStatus.TIMED_OUT);
    expectStatus(() => process.duplicate(Rights.BASIC).kill(), ZxStatus.ACCESS_DENIED);
    process.kill();
    expect(process.waitOne(Signals.TASK_TERMINATED, 0)).toBe(Signals.TASK_TERMINATED);
    expect(process.returnCode()).toBe(TASK_RETCODE_SYSCALL_KILL);
    expect(vmo.info().numMappings).toBe(0);
    expect(process.addressSpace.read(a, new Uint8Array(1))).toEqual({ ok: false, fault: { kind: 'not-mapped', address: a, access: 'read' } });
    expectStatus(() => root.map(RW, 0, vmo, 0, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => root.allocate(VmOptions.CAN_MAP_READ, 0, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => root.unmap(a, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => root.protect(0, a, PAGE), ZxStatus.BAD_STATE);
  });

  it('closing the last process handle kills it', () => {
    const { kernel } = setup();
    const { process, rootVmar } = Process.create(kernel.rootJob, 'p');
    const vmo = Vmo.create(kernel, PAGE);
    rootVmar.map(RW, 0, vmo, 0, PAGE);
    const watcher = process.duplicate();
    process.close();
    expect(vmo.info().numMappings).toBe(1);
    watcher.close();
    expect(vmo.info().numMappings).toBe(0);
    expectStatus(() => rootVmar.mapsInfo(), ZxStatus.BAD_STATE);
  });

  it('jobs: children need MANAGE_JOB, a dead job refuses processes', () => {
    const { kernel } = setup();
    const job = Job.create(kernel.rootJob);
    const { process } = Process.create(job, 'child');
    expectStatus(() => Job.create(job.duplicate(Rights.BASIC)), ZxStatus.ACCESS_DENIED);
    job.kill();
    expect(process.terminated).toBe(true);
    expectStatus(() => Process.create(job, 'late'), ZxStatus.BAD_STATE);
  });

  it('jobs nest 32 levels below the root (max_height); deeper is OUT_OF_RANGE, and kill still works', () => {
    const { kernel } = setup();
    const top = Job.create(kernel.rootJob);
    let job = top;
    for (let level = 2; level <= 32; level++) job = Job.create(job);
    const { process } = Process.create(job, 'deep');
    expectStatus(() => Job.create(job), ZxStatus.OUT_OF_RANGE);
    top.kill();
    expect(process.terminated).toBe(true);
  });
});

describe('address-space access', () => {
  it('bulk accesses over many pages move the right bytes', () => {
    const { kernel, process, root } = setup();
    const pages = 256;
    const vmo = Vmo.create(kernel, pages * PAGE);
    const a = root.map(RW, 0, vmo, 0, pages * PAGE);
    const data = new Uint8Array(pages * PAGE - 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    expect(process.addressSpace.write(a + 3, data).ok).toBe(true);
    const back = new Uint8Array(data.length);
    expect(process.addressSpace.read(a + 3, back).ok).toBe(true);
    // Buffer comparison: deep equality over a megabyte is too slow for a unit test.
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    expect(vmo.info().committedBytes).toBe(pages * PAGE);
  });

  it('execute needs PERM_EXECUTE on an executable handle', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE).replaceAsExecutable();
    const a = root.map(VmOptions.PERM_READ | VmOptions.PERM_EXECUTE, 0, vmo, 0, PAGE);
    expect(process.addressSpace.execute(a).ok).toBe(true);
    expect(process.addressSpace.execute(a + PAGE).ok).toBe(false);
  });

  it('out of physical memory is a fault, not a crash', () => {
    const { process, root, kernel } = setup({ physicalMemoryBytes: 4 * PAGE });
    const vmo = Vmo.create(kernel, 8 * PAGE);
    const a = root.map(RW, 0, vmo, 0, 8 * PAGE);
    const r = process.addressSpace.write(a, new Uint8Array(8 * PAGE));
    expect(r).toEqual({ ok: false, fault: { kind: 'out-of-memory', address: a + 4 * PAGE, access: 'write' } });
    expectStatus(() => vmo.write(new Uint8Array(1), 5 * PAGE), ZxStatus.NO_MEMORY);
  });
});

describe('threads', () => {
  it('create needs MANAGE_THREAD; kill or process death asserts TASK_TERMINATED', async () => {
    const { kernel, process } = setup();
    const t = Thread.create(process, 'worker');
    expect(t.type()).toBe(ObjType.THREAD);
    expect(t.basicInfo().relatedKoid).toBe(process.koid());
    expect(t.rights).toBe(Rights.DEFAULT_THREAD);
    expect(t.koid()).toBeGreaterThan(process.koid());
    expectStatus(() => Thread.create(process.duplicate(Rights.BASIC), 'x'), ZxStatus.ACCESS_DENIED);
    expectStatus(() => Thread.create(process, 'x', 1), ZxStatus.INVALID_ARGS);
    expectStatus(() => Thread.create(kernel.rootJob as never, 'x'), ZxStatus.WRONG_TYPE);
    t.start();
    expectStatus(() => t.start(), ZxStatus.BAD_STATE);
    const other = Thread.create(process, 'other');
    const ended = other.waitAsync(Signals.TASK_TERMINATED);
    t.kill();
    expect(t.waitOne(Signals.TASK_TERMINATED, 0)).toBe(Signals.TASK_TERMINATED);
    process.kill();
    expect(await ended).toBe(Signals.TASK_TERMINATED);
    expect(other.state).toBe('dead');
    expectStatus(() => Thread.create(process, 'late'), ZxStatus.BAD_STATE);
  });
});
