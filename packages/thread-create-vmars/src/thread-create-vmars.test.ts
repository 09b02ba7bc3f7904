import {
  Runtime,
  RuntimeError,
  type Thread,
  thrdGetZxCreateHandles,
  thrdSetZxCreateHandles,
} from '@memsim/fuchsia-runtime';
import { Kernel, MapsType, type Vmar } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { CompactVmarNotEmptyError, GrowableVmars, ThreadCreateVmars, VmarPoolOptionsError } from './index.js';
import { thrown } from './test-support/process.js';

const MiB = 1024 * 1024;

/** True when `[base, base + size)` lies inside `vmar`. */
function inside(vmar: Vmar, base: number, size: number): boolean {
  const { base: b, len } = vmar.info();
  return base >= b && base + size <= b + len;
}

describe('ThreadCreateVmars as fuchsia-runtime thread creation handles', () => {
  it('threads created through the pools land inside them', () => {
    using runtime = Runtime.create(new Kernel({ seed: 7 }), { name: 'starnix' });
    using tcv = new ThreadCreateVmars({ runtime });
    const threads: Thread[] = [];
    runtime.run(() => {
      for (let i = 0; i < 3; i++) {
        const old = thrdSetZxCreateHandles(tcv.probe());
        if (i === 0) expect(old.machineStackVmar).toBe(runtime.rootVmar);
        threads.push(runtime.createThread({ name: `t${i}` }));
      }
      expect(thrdGetZxCreateHandles().threadBlockVmar).toBe(tcv.threadBlock.vmars[0]?.vmar);
    });
    const pools = { 'machine-stack': tcv.machineStack, 'security-stack': tcv.securityStack, 'thread-block': tcv.threadBlock };
    for (const thread of threads) {
      expect(thread.regions).toHaveLength(3);
      for (const region of thread.regions) {
        const pool = pools[region.kind];
        expect(pool.vmars.map((v) => v.vmar)).toContain(region.parent);
        expect(inside(region.parent, region.base, region.size)).toBe(true);
      }
    }
    // Each pool VMAR holds one child VMAR with one mapping per thread (avail = 1 + 2 per thread).
    for (const pool of Object.values(pools)) {
      expect(pool.size).toBe(1);
      expect(pool.vmars[0]?.records()).toBe(1 + 2 * threads.length);
    }
    // Compact placement keeps the stacks dense: consecutive threads sit next to each other.
    const stacks = threads.map((t) => t.regions.find((r) => r.kind === 'machine-stack')!);
    const sorted = stacks.map((r) => [r.base, r.size] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i][0]).toBe(sorted[i - 1][0] + sorted[i - 1][1]);

    // While threads live, their pools refuse to be destroyed; once they are gone the pools dispose cleanly.
    expect(() => tcv.machineStack[Symbol.dispose]()).toThrow(CompactVmarNotEmptyError);
    for (const thread of threads) thread[Symbol.dispose]();
    tcv[Symbol.dispose]();
    expect(runtime.rootVmar.mapsInfo().records.filter((r) => r.depth === 1)).toEqual([]);
  });

  it('a pool grows when its VMAR is full of thread stacks', () => {
    // 16 MiB stacks (plus a guard page): 62 fit before less than the 32 MiB probe is left in a 1 GiB VMAR.
    using runtime = Runtime.create(new Kernel({ seed: 8 }), { name: 'many-threads', defaultStackSize: 16 * MiB });
    using tcv = new ThreadCreateVmars({ runtime });
    const threads: Thread[] = [];
    runtime.run(() => {
      for (let i = 0; i < 64; i++) {
        thrdSetZxCreateHandles(tcv.probe());
        threads.push(runtime.createThread());
      }
    });
    expect(tcv.machineStack.size).toBe(2);
    expect(tcv.securityStack.size).toBe(2);
    expect(tcv.threadBlock.size).toBe(1);
    const [newer, older] = tcv.machineStack.vmars;
    const stackParents = threads.map((t) => t.regions.find((r) => r.kind === 'machine-stack')!.parent);
    expect(stackParents.filter((p) => p === older.vmar)).toHaveLength(62);
    expect(stackParents.filter((p) => p === newer.vmar)).toHaveLength(2);
    for (const thread of threads) thread[Symbol.dispose]();
  });

  it('finds its process and root VMAR from the ambient runtime, or says what is missing', () => {
    using runtime = Runtime.create(new Kernel({ seed: 9 }), { name: 'ambient' });
    const tcv = runtime.run(() => new ThreadCreateVmars());
    expect(tcv.process).toBe(runtime.process);
    const handles = tcv.probe();
    const maps = runtime.rootVmar.mapsInfo().records.filter((r) => r.depth === 1 && r.type === MapsType.VMAR);
    expect(maps.map((r) => r.base).sort()).toEqual(
      [handles.machineStackVmar, handles.securityStackVmar, handles.threadBlockVmar].map((v) => v.info().base).sort(),
    );
    tcv[Symbol.dispose]();

    expect(thrown(() => new ThreadCreateVmars())).toBeInstanceOf(RuntimeError);
    expect(() => new ThreadCreateVmars({ rootVmar: runtime.rootVmar })).toThrow(VmarPoolOptionsError);
    expect(() => new GrowableVmars({ runtime: {} as Runtime })).toThrow(VmarPoolOptionsError);
    expect(() => new ThreadCreateVmars({ runtime, process: runtime.rootVmar as never })).toThrow(VmarPoolOptionsError);
    expect(new GrowableVmars({ runtime }).size).toBe(0);
  });
});
