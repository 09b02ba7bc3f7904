import { RuntimeError, ok, err } from '@memsim/fuchsia-runtime';
import { createRoleManagerSyncProxyAndStream } from '@memsim/scheduler-roles';
import { MapsType, MemoryPriority, PressureLevel, Rights, VmOptions, Vmo, ZxStatus, type Vmar } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { ErrnoError, MEMORY_ROLE, ShadowProcess, fromStatusLikeFdio } from '../index.js';
import { recordingLogger, world } from '../test-support/world.js';

function shadowMappings(vmar: Vmar) {
  return vmar
    .mapsInfo()
    .records.filter((r) => r.type === MapsType.MAPPING)
    .map((r) => r.mapping!);
}

function errnoOf(f: () => unknown): ErrnoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ErrnoError);
    return e as ErrnoError;
  }
  throw new Error('expected an ErrnoError');
}

describe('ShadowProcess (the seed tests)', () => {
  it('create_without_role_manager_succeeds', () => {
    // No RoleManager in this namespace, as in the unit test environment.
    const { rt } = world({ roleManager: false });
    const logger = recordingLogger();
    using shadow = rt.run(() => ShadowProcess.create('noop', { logger }));
    expect(shadow.process.getName()).toBe('noop');
    expect(shadow.vmar().memoryPriority()).toBe(MemoryPriority.DEFAULT);
    expect(logger.entries).toEqual([
      { message: "Unable to set role for memory pin shadow process' vmar.", fields: { e: 'ZX_ERR_PEER_CLOSED', status: ZxStatus.PEER_CLOSED, name: 'noop' } },
    ]);
  });

  it('creation_sets_role (checked through a request stream)', () => {
    const { rt } = world({ roleManager: false });
    const { proxy, stream } = createRoleManagerSyncProxyAndStream();
    const seen: { vmarKoid: number | undefined; role: unknown }[] = [];
    // The server side is already waiting when the request comes: it answers while the creator blocks.
    stream.onRequest((req) => {
      const target = req.payload.target;
      seen.push({ vmarKoid: target !== undefined && 'vmar' in target ? target.vmar.koid() : undefined, role: req.payload.role });
      req.responder.send(ok({}));
    });
    const logger = recordingLogger();
    using shadow = ShadowProcess.fromRoleManager('role_manager_test', proxy, { runtime: rt, logger });
    expect(seen).toEqual([{ vmarKoid: shadow.vmar().koid(), role: { role: MEMORY_ROLE } }]);
    expect(logger.entries).toEqual([]);
    // The proxy was taken over and closed, so the stream ends.
    expect(stream.isTerminated).toBe(true);
  });

  it('vmo_is_mapped_in_shadow_vmar', () => {
    const { kernel, rt } = world({ roleManager: false });
    using shadow = rt.run(() => ShadowProcess.create('vmo_mapping_test', { logger: recordingLogger() }));
    expect(shadowMappings(shadow.vmar())).toEqual([]);
    using toMap = Vmo.create(kernel, 8192);
    toMap.write(new Uint8Array(8192).fill(1), 0);
    const pinned = shadow.pinPages(toMap, 0, 8192);
    const after = shadowMappings(shadow.vmar());
    expect(after).toHaveLength(1);
    expect(after[0]).toEqual({ mmuFlags: VmOptions.PERM_READ, vmoKoid: toMap.koid(), vmoOffset: 0, committedBytes: 8192, populatedBytes: 8192 });
    pinned[Symbol.dispose]();
    expect(shadowMappings(shadow.vmar())).toEqual([]);
  });
});

describe('ShadowProcess', () => {
  it('sets the pinned-memory role through a RoleManager in the namespace', () => {
    const { rt, server } = world({ roleManager: true });
    const logger = recordingLogger();
    using shadow = ShadowProcess.create('pins', { runtime: rt, logger });
    expect(shadow.vmar().memoryPriority()).toBe(MemoryPriority.HIGH);
    expect(server.history.map((h) => [h.role, h.targetKoid, h.result.ok])).toEqual([[MEMORY_ROLE, shadow.vmar().koid(), true]]);
    expect(logger.entries).toEqual([]);
  });

  it('logs and still succeeds when the RoleManager refuses or never answers', () => {
    const { rt } = world({ roleManager: false });
    const refusing = createRoleManagerSyncProxyAndStream();
    refusing.stream.onRequest((req) => req.responder.send(err(ZxStatus.NOT_FOUND)));
    const logger = recordingLogger();
    using a = ShadowProcess.fromRoleManager('a', refusing.proxy, { runtime: rt, logger });
    const silent = createRoleManagerSyncProxyAndStream();
    silent.stream.onRequest(() => undefined);
    using b = ShadowProcess.fromRoleManager('b', silent.proxy, { runtime: rt, logger });
    expect(logger.entries.map((e) => e.fields)).toEqual([
      { e: 'ZX_ERR_NOT_FOUND', status: ZxStatus.NOT_FOUND, name: 'a' },
      { e: 'ZX_ERR_TIMED_OUT', status: ZxStatus.TIMED_OUT, name: 'b' },
    ]);
    expect(a.process.valid && b.process.valid).toBe(true);
  });

  it('needs a process: outside any, create is a typed error', () => {
    expect(() => ShadowProcess.create('x', { logger: recordingLogger() })).toThrow(RuntimeError);
  });

  it('creates the process in the given job, truncates long names, and kills it on disposal', () => {
    const { rt } = world({ roleManager: true });
    const shadow = ShadowProcess.create('a-very-long-shadow-process-name-beyond-31-bytes', { runtime: rt });
    expect(shadow.process.getName()).toBe('a-very-long-shadow-process-name');
    expect(shadow.process.basicInfo().relatedKoid).toBe(rt.job.koid());
    const watcher = shadow.process.duplicate(Rights.BASIC | Rights.GET_PROPERTY);
    expect(watcher.terminated).toBe(false);
    shadow[Symbol.dispose]();
    shadow[Symbol.dispose]();
    expect(shadow.disposed).toBe(true);
    expect(watcher.terminated).toBe(true);
  });

  it('maps kernel errors to errnos like from_status_like_fdio', () => {
    const { kernel, rt } = world({ roleManager: true });
    const shadow = ShadowProcess.create('errs', { runtime: rt });
    using vmo = Vmo.create(kernel, 8192);
    const cases: [() => unknown, string][] = [
      [() => shadow.pinPages(vmo, 0, 0), 'EINVAL'],
      [() => shadow.pinPages(vmo, 100, 4096), 'EINVAL'],
      [() => shadow.pinPages(vmo.duplicate(Rights.BASIC | Rights.READ), 0, 4096), 'EACCES'],
      [() => shadow.pinPages(shadow.vmar() as unknown as Vmo, 0, 4096), 'EOPNOTSUPP'],
      [() => shadow.pinPages(vmo, 0, 2 ** 60), 'EINVAL'],
      // Larger than the whole (128 TiB) address space: INVALID_ARGS (vmar.cc AllocateUnsatisfiableTest).
      [() => shadow.pinPages(vmo, 0, 2 ** 47), 'EINVAL'],
    ];
    for (const [f, errno] of cases) {
      const e = errnoOf(f);
      expect(e.code).toBe(errno);
      expect(fromStatusLikeFdio(e.status!)).toBe(errno);
      expect(e.cause).toBeDefined();
    }
    const closed = vmo.duplicate();
    closed.close();
    expect(errnoOf(() => shadow.pinPages(closed, 0, 4096))).toMatchObject({ code: 'EBADF', errno: 9, status: ZxStatus.BAD_HANDLE });
    shadow[Symbol.dispose]();
    expect(errnoOf(() => shadow.pinPages(vmo, 0, 4096)).code).toBe('EBADF');
  });

  it('the point of it: pinned pages survive critical pressure, unpinned ones are compressed', () => {
    const { kernel, rt } = world({ roleManager: true });
    using shadow = ShadowProcess.create('pressure', { runtime: rt, logger: recordingLogger() });
    const size = 32 * 4096;
    using pinned = Vmo.create(kernel, size);
    using unpinned = Vmo.create(kernel, size);
    pinned.write(new Uint8Array(size).fill(7), 0);
    unpinned.write(new Uint8Array(size).fill(9), 0);
    using _pin = shadow.pinPages(pinned, 0, size);
    kernel.forcePressure(PressureLevel.Critical);
    const r = kernel.reclaim();
    expect(r.compressed).toBeGreaterThanOrEqual(size / 4096);
    for (let off = 0; off < size; off += 4096) {
      expect(pinned.pageState(off)).toBe('committed');
      expect(unpinned.pageState(off)).toBe('compressed');
    }
    expect(pinned.info().committedBytes).toBe(size);
    expect(unpinned.info().committedBytes).toBe(0);
    // The data is intact either way.
    expect(pinned.read(4, size - 4)).toEqual(new Uint8Array(4).fill(7));
    kernel.forcePressure(null);
  });

  it('without the role (no RoleManager), a pin protects nothing', () => {
    const { kernel, rt } = world({ roleManager: false });
    using shadow = ShadowProcess.create('no-role', { runtime: rt, logger: recordingLogger() });
    using vmo = Vmo.create(kernel, 4 * 4096);
    vmo.write(new Uint8Array(4 * 4096).fill(1), 0);
    using _pin = shadow.pinPages(vmo, 0, 4 * 4096);
    kernel.forcePressure(PressureLevel.Critical);
    kernel.reclaim();
    expect(vmo.pageState(0)).toBe('compressed');
    kernel.forcePressure(null);
  });

  it('rejects a bad RoleManager, name or options with typed errors', () => {
    const { rt } = world({ roleManager: true });
    const { proxy } = createRoleManagerSyncProxyAndStream();
    expect(() => ShadowProcess.fromRoleManager('x', {} as typeof proxy, { runtime: rt })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
    expect(() => ShadowProcess.fromRoleManager(3 as unknown as string, proxy, { runtime: rt })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
    expect(() => ShadowProcess.create('x', { runtime: rt, logger: {} as never })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
    expect(() => ShadowProcess.create('x', { runtime: rt, job: rt.rootVmar as never })).toThrow(expect.objectContaining({ status: ZxStatus.WRONG_TYPE }) as Error);
  });

  it('after unpinning, the same pages can be reclaimed', () => {
    const { kernel, rt } = world({ roleManager: true });
    using shadow = ShadowProcess.create('unpin', { runtime: rt, logger: recordingLogger() });
    using vmo = Vmo.create(kernel, 4 * 4096);
    vmo.write(new Uint8Array(4 * 4096).fill(1), 0);
    shadow.pinPages(vmo, 0, 4 * 4096)[Symbol.dispose]();
    kernel.forcePressure(PressureLevel.Critical);
    kernel.reclaim();
    expect(vmo.pageState(0)).toBe('compressed');
    kernel.forcePressure(null);
  });
});
