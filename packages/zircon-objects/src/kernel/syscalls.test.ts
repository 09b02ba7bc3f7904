import { describe, expect, it } from 'vitest';
import { Job, Kernel, Process, Rights, Thread, Vmo, VmoChildOptions, VmoOp, VmOptions, ZX_SYSCALLS, ZxError, ZxStatus, type ZxSyscall, type ZxSyscallCounts } from '../index.js';

/** The non-zero entries of `after - before`. */
function made(before: ZxSyscallCounts, after: ZxSyscallCounts): Partial<Record<ZxSyscall, number>> {
  const out: Partial<Record<ZxSyscall, number>> = {};
  for (const name of ZX_SYSCALLS) if (after[name] !== before[name]) out[name] = after[name] - before[name];
  return out;
}

function status(f: () => unknown): ZxStatus | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ZxError) return e.status;
    throw e;
  }
  return undefined;
}

describe('Kernel.syscallCounts', () => {
  it('starts at zero for every syscall, and is a frozen snapshot that later calls do not change', () => {
    const k = new Kernel();
    const c = k.syscallCounts();
    expect(Object.keys(c)).toEqual([...ZX_SYSCALLS]);
    expect(Object.values(c).every((n) => n === 0)).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    Vmo.create(k, 4096);
    expect(c.zx_vmo_create).toBe(0);
    expect(k.syscallCounts().zx_vmo_create).toBe(1);
  });

  it('counts what a create, map, write, snapshot, unmap and close make, by Zircon name', () => {
    const k = new Kernel({ aslr: false });
    const { rootVmar } = Process.create(k.rootJob, 'p');
    const before = k.syscallCounts();
    const vmo = Vmo.create(k, 4 * 4096);
    const addr = rootVmar.map(VmOptions.PERM_READ | VmOptions.PERM_WRITE, 0, vmo, 0, 4 * 4096);
    vmo.write(new Uint8Array([1, 2, 3]), 0);
    vmo.readInto(new Uint8Array(3), 0);
    vmo.read(3, 0);
    const child = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, 4096);
    child.opRange(VmoOp.COMMIT, 0, 4096);
    rootVmar.protect(VmOptions.PERM_READ, addr, 4096);
    rootVmar.unmap(addr, 4 * 4096);
    child.close();
    vmo.info();
    vmo.getSize();
    expect(made(before, k.syscallCounts())).toEqual({
      zx_vmo_create: 1,
      zx_vmar_map: 1,
      zx_vmo_write: 1,
      zx_vmo_read: 2,
      zx_vmo_create_child: 1,
      zx_vmo_op_range: 1,
      zx_vmar_protect: 1,
      zx_vmar_unmap: 1,
      zx_handle_close: 1,
      zx_object_get_info: 1,
      zx_vmo_get_size: 1,
    });
  });

  it('counts a failing call once, at its entry, whatever check fails', () => {
    const k = new Kernel();
    const vmo = Vmo.create(k, 4096);
    const before = k.syscallCounts();
    expect(status(() => vmo.read(1, 8192))).toBe(ZxStatus.OUT_OF_RANGE);
    expect(status(() => vmo.setSize(8192))).toBe(ZxStatus.UNAVAILABLE);
    expect(status(() => Vmo.create(k, 1, 0xffff))).toBe(ZxStatus.INVALID_ARGS);
    vmo.close();
    expect(status(() => vmo.write(new Uint8Array(1), 0))).toBe(ZxStatus.BAD_HANDLE);
    expect(status(() => vmo.close())).toBe(ZxStatus.BAD_HANDLE);
    expect(made(before, k.syscallCounts())).toEqual({ zx_vmo_read: 1, zx_vmo_set_size: 1, zx_vmo_create: 1, zx_vmo_write: 1, zx_handle_close: 2 });
  });

  it('a replace is one zx_handle_replace (no close), a disposal of an open handle one zx_handle_close', () => {
    const k = new Kernel();
    const before = k.syscallCounts();
    {
      using vmo = Vmo.create(k, 4096);
      const dup = vmo.duplicate(Rights.READ | Rights.DUPLICATE);
      dup.replace(Rights.READ).close();
      expect(status(() => vmo.replace(Rights.EXECUTE))).toBe(ZxStatus.INVALID_ARGS);
      expect(vmo.valid).toBe(false);
    }
    expect(made(before, k.syscallCounts())).toEqual({ zx_vmo_create: 1, zx_handle_duplicate: 1, zx_handle_replace: 2, zx_handle_close: 1 });
  });

  it('counts task, property and VMAR calls', () => {
    const k = new Kernel();
    const before = k.syscallCounts();
    const job = Job.create(k.rootJob);
    const { process, rootVmar } = Process.create(job, 'p');
    const t = Thread.create(process, 't');
    t.start();
    t.getName();
    const { vmar } = rootVmar.allocate(VmOptions.CAN_MAP_READ, 0, 1 << 20);
    vmar.info();
    vmar.destroy();
    process.mapsInfo();
    process.kill();
    expect(made(before, k.syscallCounts())).toEqual({
      zx_job_create: 1,
      zx_process_create: 1,
      zx_thread_create: 1,
      zx_thread_start: 1,
      zx_object_get_property: 1,
      zx_vmar_allocate: 1,
      zx_object_get_info: 2,
      zx_vmar_destroy: 1,
      zx_task_kill: 1,
    });
  });

  it('keeps each kernel its own count', () => {
    const a = new Kernel();
    const b = new Kernel();
    Vmo.create(a, 4096);
    expect(a.syscallCounts().zx_vmo_create).toBe(1);
    expect(b.syscallCounts().zx_vmo_create).toBe(0);
  });

  it('does not count memsim extensions or accessors', () => {
    const k = new Kernel();
    const vmo = Vmo.create(k, 4096);
    const before = k.syscallCounts();
    vmo.pageState(0);
    vmo.presentPages(0, 4096);
    vmo.firstAbsentPage(0, 4096);
    vmo.koid();
    void vmo.rights;
    expect(made(before, k.syscallCounts())).toEqual({});
  });

  it('uncountedSyscalls leaves the counts as they were, nested, through a throw, and passes the result on', () => {
    const k = new Kernel();
    const vmo = Vmo.create(k, 4096);
    const before = k.syscallCounts();
    const n = k.uncountedSyscalls(() => {
      vmo.info();
      k.uncountedSyscalls(() => vmo.getSize());
      vmo.info();
      return 7;
    });
    expect(n).toBe(7);
    expect(() =>
      k.uncountedSyscalls(() => {
        vmo.read(1, 8192);
      }),
    ).toThrow(ZxError);
    expect(made(before, k.syscallCounts())).toEqual({});
    vmo.info();
    expect(made(before, k.syscallCounts())).toEqual({ zx_object_get_info: 1 });
    expect(status(() => k.uncountedSyscalls(42 as never))).toBe(ZxStatus.INVALID_ARGS);
  });
});
