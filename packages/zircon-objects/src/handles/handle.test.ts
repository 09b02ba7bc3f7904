import { describe, expect, it, vi } from 'vitest';
import { Handle, Job, Kernel, ObjType, Process, Rights, Signals, Thread, Vmo, ZxError, ZxStatus, statusName, type KernelContext } from '../index.js';
import { PAGE, expectStatus, setup } from '../test-support/util.js';

describe('handles and rights', () => {
  it('duplicate needs DUPLICATE and a subset of rights', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const same = vmo.duplicate(Rights.SAME_RIGHTS);
    expect(same.rights).toBe(vmo.rights);
    expect(same.koid()).toBe(vmo.koid());
    expect(vmo.duplicate(Rights.NONE).rights).toBe(0);
    expectStatus(() => vmo.duplicate((Rights.DEFAULT_VMO | Rights.EXECUTE) >>> 0), ZxStatus.INVALID_ARGS);
    const noDup = vmo.duplicate(Rights.READ);
    expectStatus(() => noDup.duplicate(Rights.READ), ZxStatus.ACCESS_DENIED);
    expect(same).toBeInstanceOf(Vmo);
  });

  it('replace always invalidates the original', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const weaker = vmo.duplicate(Rights.READ);
    const replaced = weaker.replace(Rights.READ);
    expect(weaker.valid).toBe(false);
    expect(replaced.rights).toBe(Rights.READ);
    const another = vmo.duplicate(Rights.READ);
    expectStatus(() => another.replace(Rights.WRITE), ZxStatus.INVALID_ARGS);
    expect(another.valid).toBe(false);
    expectStatus(() => another.rights, ZxStatus.BAD_HANDLE);
    // replace needs no right.
    const none = vmo.duplicate(Rights.NONE).replace(Rights.SAME_RIGHTS);
    expect(none.rights).toBe(0);
  });

  it('closed handles are BAD_HANDLE everywhere, and dispose never throws', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const h = vmo.duplicate();
    h.close();
    expectStatus(() => h.close(), ZxStatus.BAD_HANDLE);
    expectStatus(() => h.read(1, 0), ZxStatus.BAD_HANDLE);
    expectStatus(() => h.koid(), ZxStatus.BAD_HANDLE);
    expectStatus(() => h.duplicate(), ZxStatus.BAD_HANDLE);
    expect(() => h[Symbol.dispose]()).not.toThrow();
    {
      using scoped = vmo.duplicate();
      expect(scoped.valid).toBe(true);
    }
    expect(vmo.valid).toBe(true);
  });

  it('lookup precedence: BAD_HANDLE, then WRONG_TYPE, then ACCESS_DENIED', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const closedVmar = root.duplicate();
    closedVmar.close();
    // A closed handle of the wrong type is still BAD_HANDLE.
    expectStatus(() => root.map(1, 0, closedVmar as unknown as Vmo, 0, PAGE), ZxStatus.BAD_HANDLE);
    expectStatus(() => Process.create(root as never, 'x'), ZxStatus.WRONG_TYPE);
    expectStatus(() => Process.create(kernel.rootJob.duplicate(Rights.BASIC), 'x'), ZxStatus.ACCESS_DENIED);
    expectStatus(() => root.map(1, 0, vmo.duplicate(Rights.READ), 0, PAGE), ZxStatus.ACCESS_DENIED);
  });

  it('HANDLE_BASIC info', () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    expect(vmo.basicInfo()).toEqual({ koid: vmo.koid(), rights: Rights.DEFAULT_VMO, type: ObjType.VMO, relatedKoid: 0 });
    expect(root.basicInfo().type).toBe(ObjType.VMAR);
    expect(root.basicInfo().relatedKoid).toBe(process.koid());
    expect(process.basicInfo().relatedKoid).toBe(kernel.rootJob.koid());
    expect(process.type()).toBe(ObjType.PROCESS);
    expect(kernel.rootJob.type()).toBe(ObjType.JOB);
    expect(vmo).toBeInstanceOf(Handle);
  });

  it('koids start at 1024, grow, and are per kernel', () => {
    const a = new Kernel();
    const b = new Kernel();
    expect(a.rootJob.koid()).toBe(1024);
    expect(b.rootJob.koid()).toBe(1024);
    const v1 = Vmo.create(a, PAGE);
    const v2 = Vmo.create(a, PAGE);
    expect(v2.koid()).toBeGreaterThan(v1.koid());
    expect(Vmo.create(b, PAGE).koid()).toBe(1025);
  });

  it('statuses are a named enum; errors carry them', () => {
    expect(statusName(ZxStatus.NO_MEMORY)).toBe('ZX_ERR_NO_MEMORY');
    expect(statusName(ZxStatus.OK)).toBe('ZX_OK');
    expect(ZxStatus.ACCESS_DENIED).toBe(-30);
    expect(ZxStatus.IO_DATA_INTEGRITY).toBe(-42);
    const e = new ZxError(ZxStatus.BAD_STATE, 'why');
    expect(e.status).toBe(ZxStatus.BAD_STATE);
    expect(e.message).toContain('ZX_ERR_BAD_STATE');
  });

  it('waitAsync: Infinity and timeouts past 2^31-1 ms wait instead of firing after 1 ms', async () => {
    vi.useFakeTimers();
    try {
      const { kernel } = setup();
      const vmo = Vmo.create(kernel, PAGE);
      for (const t of [Number.POSITIVE_INFINITY, 2 ** 32, 2 ** 40]) {
        const child = vmo.createChild(1, 0, PAGE);
        let settled = false;
        const p = vmo.waitAsync(Signals.VMO_ZERO_CHILDREN, t).finally(() => (settled = true));
        await vi.advanceTimersByTimeAsync(1000);
        expect(settled).toBe(false);
        child.close();
        await vi.advanceTimersByTimeAsync(100);
        expect(await p).toBe(Signals.VMO_ZERO_CHILDREN);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('waitAsync: a timeout past 2^31-1 ms still fires, at its end', async () => {
    // Only setTimeout is faked: the close-poll interval would otherwise tick millions of times.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { kernel } = setup();
      const vmo = Vmo.create(kernel, PAGE);
      const child = vmo.createChild(1, 0, PAGE);
      let settled = false;
      const late = vmo.waitAsync(Signals.VMO_ZERO_CHILDREN, 2 ** 31 + 100).catch((e: unknown) => ((settled = true), e));
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(100);
      expect(await late).toMatchObject({ status: ZxStatus.TIMED_OUT });
      child.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits: polling with a past deadline times out; waitAsync resolves on the signal', async () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const child = vmo.createChild(1, 0, PAGE);
    expectStatus(() => vmo.waitOne(Signals.VMO_ZERO_CHILDREN, kernel.now() - 1), ZxStatus.TIMED_OUT);
    const p = vmo.waitAsync(Signals.VMO_ZERO_CHILDREN);
    child.close();
    expect(await p).toBe(Signals.VMO_ZERO_CHILDREN);
    const c2 = vmo.createChild(1, 0, PAGE);
    await expect(vmo.waitAsync(Signals.VMO_ZERO_CHILDREN, 5)).rejects.toMatchObject({ status: ZxStatus.TIMED_OUT });
    c2.close();
    // A timeout that is not a number is INVALID_ARGS, not a crash inside setTimeout.
    for (const bad of [-1n, Number.NaN, '5', null]) expectStatus(() => vmo.waitAsync(Signals.VMO_ZERO_CHILDREN, bad as never), ZxStatus.INVALID_ARGS);
    // VMAR handles have no WAIT right.
    expectStatus(() => setup().root.signals(), ZxStatus.ACCESS_DENIED);
  });

  it("every handle's kernel is the kernel that made it; Vmo, Vmar, Process and Thread type it as Kernel", () => {
    const { kernel, process, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const thread = Thread.create(process, 't');
    const job = Job.create(kernel.rootJob);
    // These assignments are the check: code that passed `vmar.kernel` where a Kernel is wanted still compiles.
    const typed: Kernel[] = [vmo.kernel, root.kernel, process.kernel, thread.kernel];
    const contexts: KernelContext[] = [kernel, job.kernel, kernel.rootJob.kernel, ...typed];
    for (const k of contexts) expect(k).toBe(kernel);
    // A Job's (or any Handle's) kernel is the contract; instanceof narrows it back.
    const h: Handle = job;
    expect(h.kernel instanceof Kernel && Vmo.create(h.kernel, PAGE).kernel).toBe(kernel);
    // Another kernel's handles keep their own.
    expect(Vmo.create(new Kernel(), PAGE).kernel).not.toBe(kernel);
  });

  it('bad JS arguments become statuses', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const calls: [() => unknown, ZxStatus][] = [
      [() => vmo.duplicate(1.5), ZxStatus.INVALID_ARGS],
      [() => vmo.duplicate(-1), ZxStatus.INVALID_ARGS],
      [() => vmo.read(NaN, 0), ZxStatus.INVALID_ARGS],
      [() => vmo.read(1, 2 ** 60), ZxStatus.INVALID_ARGS],
      [() => vmo.read(1, 2n ** 60n), ZxStatus.OUT_OF_RANGE],
      [() => vmo.read(1, 2n ** 64n), ZxStatus.INVALID_ARGS],
      [() => vmo.read(1, -1), ZxStatus.INVALID_ARGS],
      [() => vmo.read('1' as unknown as number, 0), ZxStatus.INVALID_ARGS],
      [() => vmo.setName(5 as unknown as string), ZxStatus.INVALID_ARGS],
      [() => Vmo.create({} as Kernel, PAGE), ZxStatus.INVALID_ARGS],
      [() => new Kernel({ seed: 1.5 }), ZxStatus.INVALID_ARGS],
      [() => new Kernel({ physicalMemoryBytes: -1 }), ZxStatus.INVALID_ARGS],
      [() => kernel.randomInt(0), ZxStatus.INVALID_ARGS],
    ];
    for (const [fn, status] of calls) {
      try {
        fn();
        expect.fail('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(ZxError);
        expect(statusName((e as ZxError).status)).toBe(statusName(status));
      }
    }
  });
});
