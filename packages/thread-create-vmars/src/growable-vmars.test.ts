import { MapsType, PAGE_SIZE, type Vmar, Vmo, VmOptions, ZxStatus } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPACT_VMAR_SIZE,
  GrowableVmars,
  PROBE_SIZE,
  ThreadCreateVmars,
  VmarPoolError,
  VmarPoolOptionsError,
} from './index.js';
import { fillVmar, newProcess, thrown } from './test-support/process.js';

const GiB = 1024 * 1024 * 1024;

describe('GrowableVmars (the seed tests)', () => {
  it('ThreadCreateVmars: each pool probes successfully', () => {
    const { rootVmar, process } = newProcess();
    using tcv = new ThreadCreateVmars({ rootVmar, process });
    const machine = tcv.machineStack.probe();
    const security = tcv.securityStack.probe();
    const block = tcv.threadBlock.probe();
    expect(new Set([machine.koid(), security.koid(), block.koid()]).size).toBe(3);
    for (const vmar of [machine, security, block]) expect(vmar.info().len).toBe(COMPACT_VMAR_SIZE);
    const children = rootVmar.mapsInfo().records.filter((r) => r.depth === 1 && r.type === MapsType.VMAR);
    expect(children.map((r) => r.size)).toEqual([GiB, GiB, GiB]);
  });

  it('grows when full and rotates the first VMAR with room to the front: [h1, h3, h2]', () => {
    const { rootVmar } = newProcess();
    using vmars = new GrowableVmars({ rootVmar });

    const h1 = vmars.probe();
    const allocs1 = fillVmar(h1, PROBE_SIZE);
    expect(allocs1.count).toBe(COMPACT_VMAR_SIZE / PROBE_SIZE);

    const h2 = vmars.probe();
    expect(h2).not.toBe(h1);
    expect(vmars.size).toBe(2);
    // h1 was full and h2 is new: [h2, h1].
    expect(vmars.vmars.map((v) => v.vmar)).toEqual([h2, h1]);

    const allocs2 = fillVmar(h2, PROBE_SIZE);
    const h3 = vmars.probe();
    expect(h3).not.toBe(h1);
    expect(h3).not.toBe(h2);
    expect(vmars.size).toBe(3);
    expect(vmars.vmars[0]?.vmar).toBe(h3);

    const allocs3 = fillVmar(h3, PROBE_SIZE);
    allocs1.release();

    // Searching [h3, h2, h1] finds h1 last; rotating it to the front gives [h1, h3, h2], and nothing new is made.
    const rotated = vmars.probe();
    expect(rotated).toBe(h1);
    expect(vmars.vmars.map((v) => v.vmar.koid())).toEqual([h1.koid(), h3.koid(), h2.koid()]);

    allocs2.release();
    allocs3.release();
  });
});

describe('GrowableVmars exhaustion', () => {
  it('gives ENOMEM when the address space has no room for another VMAR', () => {
    const { rootVmar } = newProcess();
    // A 3 GiB region stands in for a small root VMAR, so exhausting it takes three VMARs, not 128 Ki of them.
    // COMPACT packs them densely; with ASLR placement only two 1 GiB VMARs would be sure to fit.
    const small = rootVmar.allocate(
      VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC | VmOptions.COMPACT,
      0,
      3 * GiB,
    ).vmar;
    using vmars = new GrowableVmars({ rootVmar: small });
    const fills = [];
    for (let i = 0; i < 3; i++) fills.push(fillVmar(vmars.probe(), PROBE_SIZE));
    const error = thrown(() => vmars.probe());
    expect(error).toBeInstanceOf(VmarPoolError);
    expect((error as VmarPoolError).code).toBe('ENOMEM');
    expect((error as VmarPoolError).errno).toBe(12);
    expect((error as VmarPoolError).cause.status).toBe(ZxStatus.NO_RESOURCES);
    expect(vmars.size).toBe(3);
    // Freeing room anywhere makes the pool usable again without growing.
    fills[1]?.release();
    expect(vmars.probe().koid()).toBe(vmars.vmars[0]?.vmar.koid());
    expect(vmars.size).toBe(3);
    fills[0]?.release();
    fills[2]?.release();
  });

  it('gives ENOMEM when the root VMAR is gone', () => {
    const { rootVmar, process } = newProcess();
    const vmars = new GrowableVmars({ rootVmar });
    process.kill();
    expect((thrown(() => vmars.probe()) as VmarPoolError).cause.status).toBe(ZxStatus.BAD_STATE);
  });
});

describe('GrowableVmars disposal', () => {
  it('destroys every empty VMAR and keeps (and reports) a non-empty one', () => {
    const { rootVmar } = newProcess();
    const vmars = new GrowableVmars({ rootVmar });
    const h1 = vmars.probe();
    const fill = fillVmar(h1, PROBE_SIZE);
    const h2 = vmars.probe();
    expect(() => vmars[Symbol.dispose]()).toThrow(/unexpected allocations/);
    // h2 was empty and is gone; h1 stays in the pool and in the address space.
    expect(vmars.vmars.map((v) => v.vmar)).toEqual([h1]);
    expect(h2.valid).toBe(false);
    fill.release();
    vmars[Symbol.dispose]();
    expect(vmars.size).toBe(0);
    expect(rootVmar.mapsInfo().avail).toBe(1);
  });
});

describe('GrowableVmars search order (model-based)', () => {
  // Small VMARs (8 pages, probe 2 pages) keep the runs fast; the order logic does not depend on the sizes.
  const vmarSize = 8 * PAGE_SIZE;
  const probeSize = 2 * PAGE_SIZE;
  type Op = { kind: 'probe' } | { kind: 'fill'; at: number } | { kind: 'free'; at: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'probe' }),
    fc.nat(7).map<Op>((at) => ({ kind: 'fill', at })),
    fc.nat(7).map<Op>((at) => ({ kind: 'free', at })),
  );

  it('matches the rotate-left / push-front model', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const { rootVmar } = newProcess();
        const vmars = new GrowableVmars({ rootVmar, vmarSize, probeSize });
        // Model: koids in search order, and which VMARs are full.
        let order: number[] = [];
        const full = new Set<number>();
        const fills = new Map<number, () => void>();
        for (const o of ops) {
          if (o.kind === 'probe') {
            const got = vmars.probe().koid();
            const index = order.findIndex((k) => !full.has(k));
            if (index >= 0) order = [...order.slice(index), ...order.slice(0, index)];
            else order = [got, ...order];
            expect(got).toBe(order[0]);
          } else if (order.length > 0) {
            const koid = order[o.at % order.length];
            const vmar = vmars.vmars.find((v) => v.vmar.koid() === koid)!.vmar;
            if (o.kind === 'fill' && !full.has(koid)) {
              fills.set(koid, fillVmar(vmar, probeSize).release);
              full.add(koid);
            } else if (o.kind === 'free' && full.has(koid)) {
              fills.get(koid)!();
              full.delete(koid);
            }
          }
          expect(vmars.vmars.map((v) => v.vmar.koid())).toEqual(order);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('GrowableVmars argument checks', () => {
  it('refuses malformed sizes up front', () => {
    const { rootVmar } = newProcess();
    for (const bad of [0, -PAGE_SIZE, 100, 1.5 * PAGE_SIZE, 2 ** 60, '4096', Number.NaN]) {
      expect(() => new GrowableVmars({ rootVmar, vmarSize: bad as number })).toThrow(VmarPoolOptionsError);
      expect(() => new GrowableVmars({ rootVmar, probeSize: bad as number })).toThrow(VmarPoolOptionsError);
    }
    expect(() => new GrowableVmars({ rootVmar, vmarSize: PAGE_SIZE, probeSize: 2 * PAGE_SIZE })).toThrow(
      VmarPoolOptionsError,
    );
  });

  it('reports a root that is not a VMAR as the kernel would, through ENOMEM', () => {
    const { kernel } = newProcess();
    const notVmar = Vmo.create(kernel, PAGE_SIZE);
    const pool = new GrowableVmars({ rootVmar: notVmar as unknown as Vmar });
    expect((thrown(() => pool.probe()) as VmarPoolError).cause.status).toBe(ZxStatus.WRONG_TYPE);
  });
});
