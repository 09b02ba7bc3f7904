import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MapsType, PressureLevel, VmOptions, Vmo, VmoChildOptions, VmoOp, ZxError, type Vmar } from './index.js';
import { PAGE, setup } from './test-support/util.js';

const PAGES = 4;

interface Live {
  vmo: Vmo;
  /** Model of the contents: a slice shares its parent's buffer. */
  bytes: Uint8Array;
  kind: 'root' | 'snapshot' | 'slice';
  slices: Live[];
}

const vmoOp = fc.oneof(
  fc.record({ t: fc.constant('create' as const) }),
  fc.record({ t: fc.constant('write' as const), who: fc.nat(), off: fc.nat(PAGES * PAGE - 1), len: fc.integer({ min: 1, max: 2 * PAGE }), v: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ t: fc.constant('snapshot' as const), who: fc.nat(), page: fc.nat(PAGES), flavour: fc.constantFrom(VmoChildOptions.SNAPSHOT, VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE, VmoChildOptions.SNAPSHOT_MODIFIED) }),
  fc.record({ t: fc.constant('slice' as const), who: fc.nat(), page: fc.nat(PAGES - 1) }),
  fc.record({ t: fc.constant('zero' as const), who: fc.nat(), off: fc.nat(PAGES * PAGE - 1), len: fc.integer({ min: 1, max: 2 * PAGE }) }),
  fc.record({ t: fc.constant('commit' as const), who: fc.nat() }),
  fc.record({ t: fc.constant('close' as const), who: fc.nat() }),
  fc.record({ t: fc.constant('compress' as const) }),
);

function checkContents(all: Live[]): void {
  for (const l of all) {
    const got = l.vmo.read(l.bytes.length, 0);
    // Buffer comparison: deep-equality on typed arrays is too slow for a property run.
    if (!Buffer.from(got).equals(Buffer.from(l.bytes))) expect.fail(`contents of a ${l.kind} VMO diverged from the model`);
  }
}

describe('properties over random operation sequences', () => {
  it('copy-on-write isolation, committed bytes equal pages held, closing everything frees every page', () => {
    fc.assert(
      fc.property(fc.array(vmoOp, { minLength: 1, maxLength: 40 }), (ops) => {
        const { kernel } = setup();
        const all: Live[] = [];
        const pick = (n: number): Live | undefined => (all.length === 0 ? undefined : all[n % all.length]);
        const close = (l: Live): void => {
          for (const s of [...l.slices]) close(s);
          l.vmo.close();
          all.splice(all.indexOf(l), 1);
          for (const o of all) o.slices = o.slices.filter((s) => s !== l);
        };
        for (const op of ops) {
          if (op.t === 'create') {
            all.push({ vmo: Vmo.create(kernel, PAGES * PAGE), bytes: new Uint8Array(PAGES * PAGE), kind: 'root', slices: [] });
            continue;
          }
          if (op.t === 'compress') {
            kernel.forcePressure(PressureLevel.Critical);
            kernel.reclaim();
            kernel.forcePressure(null);
            continue;
          }
          const l = pick(op.who);
          if (l === undefined) continue;
          const size = l.bytes.length;
          switch (op.t) {
            case 'write': {
              const off = op.off % Math.max(1, size);
              const len = Math.min(op.len, size - off);
              if (len <= 0) break;
              l.vmo.write(new Uint8Array(len).fill(op.v), off);
              l.bytes.fill(op.v, off, off + len);
              break;
            }
            case 'zero': {
              const off = op.off % Math.max(1, size);
              const len = Math.min(op.len, size - off);
              if (len <= 0) break;
              l.vmo.opRange(VmoOp.ZERO, off, len);
              l.bytes.fill(0, off, off + len);
              break;
            }
            case 'commit':
              l.vmo.opRange(VmoOp.COMMIT, 0, size);
              break;
            case 'snapshot': {
              const off = op.page * PAGE;
              const child = l.vmo.createChild(op.flavour, off, PAGES * PAGE);
              const model = new Uint8Array(PAGES * PAGE);
              if (off < size) model.set(l.bytes.subarray(off, Math.min(size, off + PAGES * PAGE)));
              all.push({ vmo: child, bytes: model, kind: 'snapshot', slices: [] });
              break;
            }
            case 'slice': {
              if (size < PAGE) break;
              const off = (op.page % (size / PAGE)) * PAGE;
              const child = l.vmo.createChild(VmoChildOptions.SLICE, off, size - off);
              const s: Live = { vmo: child, bytes: l.bytes.subarray(off, size), kind: 'slice', slices: [] };
              l.slices.push(s);
              all.push(s);
              break;
            }
            case 'close':
              close(l);
              break;
          }
          checkContents(all);
          // Every held page is attributed to exactly one owning VMO (slices view their parent's pages).
          const attributed = all.filter((x) => x.kind !== 'slice').reduce((sum, x) => sum + x.vmo.info().populatedBytes, 0);
          expect(attributed).toBe(kernel.memory.pageCount() * PAGE);
        }
        while (all.length > 0) close(all[all.length - 1]);
        expect(kernel.memory.pageCount()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  const vmarOp = fc.oneof(
    fc.record({ t: fc.constant('map' as const), page: fc.nat(63), len: fc.integer({ min: 1, max: 8 }), mode: fc.constantFrom('any', 'specific', 'overwrite'), perms: fc.constantFrom(1, 3) }),
    fc.record({ t: fc.constant('unmap' as const), page: fc.nat(63), len: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ t: fc.constant('protect' as const), page: fc.nat(63), len: fc.integer({ min: 1, max: 12 }), perms: fc.constantFrom(0, 1, 3) }),
    fc.record({ t: fc.constant('write' as const), page: fc.nat(63), v: fc.integer({ min: 1, max: 255 }) }),
  );

  it('sibling mappings never overlap and match a page-level model of the region', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(vmarOp, { minLength: 1, maxLength: 60 }), (aslr, ops) => {
        const { kernel, process, root } = setup({ aslr });
        const { vmar, address: base } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, 64 * PAGE);
        const vmo = Vmo.create(kernel, 16 * PAGE);
        // Model: page -> [vmo page, perms]; contents live in the single VMO.
        const model = new Map<number, [number, number]>();
        const content = new Uint8Array(16);
        for (const op of ops) {
          try {
            if (op.t === 'map') {
              const opts = op.perms | (op.mode === 'specific' ? VmOptions.SPECIFIC : op.mode === 'overwrite' ? VmOptions.SPECIFIC_OVERWRITE : 0);
              const len = Math.min(op.len, 64 - op.page);
              const a = vmar.map(opts, op.mode === 'any' ? 0 : op.page * PAGE, vmo, 0, len * PAGE);
              const first = (a - base) / PAGE;
              for (let i = 0; i < len; i++) {
                if (op.mode !== 'overwrite') expect(model.has(first + i)).toBe(false);
                model.set(first + i, [i, op.perms]);
              }
            } else if (op.t === 'unmap') {
              vmar.unmap(base + op.page * PAGE, op.len * PAGE);
              for (let i = op.page; i < op.page + op.len; i++) model.delete(i);
            } else if (op.t === 'protect') {
              const pages = Array.from({ length: op.len }, (_, i) => op.page + i);
              const covered = pages.every((p) => model.has(p));
              try {
                vmar.protect(op.perms, base + op.page * PAGE, op.len * PAGE);
                expect(covered).toBe(true);
                for (const p of pages) (model.get(p) as [number, number])[1] = op.perms;
              } catch (e) {
                expect(covered).toBe(false);
                throw e;
              }
            } else {
              const m = model.get(op.page);
              const r = process.addressSpace.write(base + op.page * PAGE, Uint8Array.of(op.v));
              expect(r.ok).toBe(m !== undefined && m[1] === 3);
              if (r.ok && m !== undefined) content[m[0]] = op.v;
            }
          } catch (e) {
            if (!(e instanceof ZxError)) throw e;
          }
          const recs = vmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);
          for (let i = 1; i < recs.length; i++) {
            const prev = recs[i - 1];
            expect(prev.base + prev.size).toBeLessThanOrEqual(recs[i].base);
          }
          const seen = new Map<number, [number, number]>();
          for (const r of recs) {
            for (let off = 0; off < r.size; off += PAGE) seen.set((r.base - base + off) / PAGE, [(r.mapping!.vmoOffset + off) / PAGE, r.mapping!.mmuFlags]);
          }
          expect(new Map([...seen].sort((x, y) => x[0] - y[0]))).toEqual(new Map([...model].sort((x, y) => x[0] - y[0])));
        }
        for (let p = 0; p < 16; p++) expect(vmo.read(1, p * PAGE)[0]).toBe(content[p]);
        closeAll(vmar);
        vmo.close();
        process.kill();
        expect(kernel.memory.pageCount()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('nested regions', () => {
  const op = fc.oneof(
    fc.record({ t: fc.constant('allocate' as const), who: fc.nat(), pages: fc.integer({ min: 1, max: 64 }), align: fc.constantFrom(0, 13, 16), compact: fc.boolean() }),
    fc.record({ t: fc.constant('map' as const), who: fc.nat(), pages: fc.integer({ min: 1, max: 16 }), align: fc.constantFrom(0, 14) }),
    fc.record({ t: fc.constant('destroy' as const), who: fc.nat() }),
    fc.record({ t: fc.constant('unmap' as const), who: fc.nat(), page: fc.nat(255), pages: fc.integer({ min: 1, max: 32 }) }),
  );

  it('siblings never overlap and every child lies inside its parent, at any depth', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer(), fc.array(op, { minLength: 1, maxLength: 50 }), (aslr, seed, ops) => {
        const { kernel, process, root } = setup({ aslr, seed });
        const top = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 256 * PAGE).vmar;
        const regions: Vmar[] = [top];
        const vmo = Vmo.create(kernel, 16 * PAGE);
        for (const o of ops) {
          const v = regions[o.who % regions.length];
          try {
            if (o.t === 'allocate') {
              const opts = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | (o.compact ? VmOptions.COMPACT : 0) | (o.align ? o.align * 2 ** 24 : 0);
              regions.push(v.allocate(opts, 0, o.pages * PAGE).vmar);
            } else if (o.t === 'map') v.map(VmOptions.PERM_READ | (o.align ? o.align * 2 ** 24 : 0), 0, vmo, 0, o.pages * PAGE);
            else if (o.t === 'destroy') {
              if (v !== top) v.destroy();
            } else v.unmap(v.info().base + o.page * PAGE, o.pages * PAGE);
          } catch (e) {
            if (!(e instanceof ZxError)) throw e;
          }
          const recs = top.mapsInfo().records;
          // Pre-order with depths: a stack of open parents checks containment; siblings are in address order.
          const stack: { end: number; base: number; lastEnd: number }[] = [];
          for (const r of recs) {
            while (stack.length > r.depth) stack.pop();
            const parent = stack[stack.length - 1];
            if (parent !== undefined) {
              expect(r.base).toBeGreaterThanOrEqual(parent.base);
              expect(r.base + r.size).toBeLessThanOrEqual(parent.end);
              expect(r.base).toBeGreaterThanOrEqual(parent.lastEnd);
              parent.lastEnd = r.base + r.size;
            }
            if (r.type === MapsType.VMAR) stack.push({ base: r.base, end: r.base + r.size, lastEnd: r.base });
          }
        }
        process.kill();
        vmo.close();
        expect(kernel.memory.pageCount()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});

function closeAll(v: Vmar): void {
  v.destroy();
}
