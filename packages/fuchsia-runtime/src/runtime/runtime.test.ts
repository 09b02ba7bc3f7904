import { Kernel, Job, ObjType, ZxStatus } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { Runtime, RuntimeError, currentRuntime, jobDefault, processSelf, vmarRootSelf } from '../index.js';

describe('Runtime', () => {
  it('binds a process, root VMAR and default job, explicitly and ambiently', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'app' });
    expect(rt.process.type()).toBe(ObjType.PROCESS);
    expect(rt.process.getName()).toBe('app');
    expect(rt.vmarRootSelf()).toBe(rt.rootVmar);
    expect(rt.processSelf()).toBe(rt.process);
    expect(rt.jobDefault().koid()).toBe(rt.process.basicInfo().relatedKoid);
    rt.run(() => {
      expect(vmarRootSelf()).toBe(rt.rootVmar);
      expect(jobDefault()).toBe(rt.job);
      expect(processSelf()).toBe(rt.process);
    });
    // Async continuations keep the ambient process.
    const koid = await rt.run(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return processSelf().koid();
    });
    expect(koid).toBe(rt.process.koid());
  });

  it('keeps two runtimes apart', () => {
    const kernel = new Kernel();
    using a = Runtime.create(kernel, { name: 'a' });
    using b = Runtime.create(kernel, { name: 'b' });
    a.run(() => {
      expect(currentRuntime()).toBe(a);
      b.run(() => expect(processSelf()).toBe(b.process));
      expect(processSelf()).toBe(a.process);
    });
  });

  it('throws a typed error outside any process', () => {
    for (const f of [vmarRootSelf, jobDefault, processSelf, currentRuntime]) {
      expect(f).toThrow(RuntimeError);
      try {
        f();
      } catch (e) {
        expect((e as RuntimeError).code).toBe('NO_AMBIENT_RUNTIME');
      }
    }
  });

  it('uses a given job and kills its process on disposal', () => {
    const kernel = new Kernel();
    using job = Job.create(kernel.rootJob);
    const rt = Runtime.create(kernel, { name: 'p', job });
    expect(rt.jobDefault()).toBe(job);
    const p = rt.process.duplicate();
    rt[Symbol.dispose]();
    expect(p.terminated).toBe(true);
    expect(job.valid).toBe(true);
    p.close();
  });

  it('rejects bad options with typed errors', () => {
    const kernel = new Kernel();
    expect(() => Runtime.create(kernel, { name: 3 as unknown as string })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
    expect(() => Runtime.create({} as Kernel, { name: 'x' })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
    expect(() => Runtime.create(kernel, { name: 'x', arch: 'mips' as 'arm64' })).toThrow(expect.objectContaining({ status: ZxStatus.INVALID_ARGS }) as Error);
  });
});
