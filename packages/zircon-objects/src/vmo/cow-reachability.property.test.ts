import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internals } from '../kernel/kernel-state.js';
import { PressureLevel, Vmo, VmoChildOptions, VmoOp, VmoOptions, ZxError } from '../index.js';
import { PAGE, setup } from '../test-support/util.js';
import { auditCowPages } from './cow-audit.js';

const PAGES = 4;

/** The model of a VMO's bytes: slices view a window of their parent's content; references share it whole. */
interface Content {
  bytes: Uint8Array;
}

interface Live {
  vmo: Vmo;
  content: Content;
  /** Window into `content` (slices); the rest view it whole. */
  offset: number;
  length: number | null;
  kind: 'root' | 'snapshot' | 'slice' | 'reference';
  resizable: boolean;
}

const view = (l: Live): Uint8Array => (l.length === null ? l.content.bytes : l.content.bytes.subarray(l.offset, l.offset + l.length));

const op = fc.oneof(
  { weight: 1, arbitrary: fc.record({ t: fc.constant('create' as const), resizable: fc.boolean(), pages: fc.integer({ min: 1, max: PAGES }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('write' as const), who: fc.nat(15), page: fc.nat(2 * PAGES), len: fc.integer({ min: 1, max: 2 * PAGE }), v: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('zero' as const), who: fc.nat(15), page: fc.nat(2 * PAGES), pages: fc.integer({ min: 1, max: 3 }), partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('decommit' as const), who: fc.nat(15), page: fc.nat(2 * PAGES), pages: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('commit' as const), who: fc.nat(15) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('snapshot' as const), who: fc.nat(15), page: fc.nat(PAGES), pages: fc.integer({ min: 1, max: PAGES }), resizable: fc.boolean(), flavour: fc.constantFrom(VmoChildOptions.SNAPSHOT, VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE, VmoChildOptions.SNAPSHOT_MODIFIED) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('slice' as const), who: fc.nat(15), page: fc.nat(PAGES), pages: fc.integer({ min: 1, max: PAGES }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reference' as const), who: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resize' as const), who: fc.nat(15), pages: fc.nat(2 * PAGES) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('close' as const), who: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compress' as const) }) },
);

describe('copy-on-write reachability over random operation sequences', () => {
  it('after every step the kernel holds exactly the pages some live VMO can reach, and contents match a model', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const { kernel } = setup();
        const state = internals(kernel);
        const all: Live[] = [{ vmo: Vmo.create(kernel, PAGES * PAGE), content: { bytes: new Uint8Array(PAGES * PAGE) }, offset: 0, length: null, kind: 'root', resizable: false }];
        const check = (): void => {
          for (const l of all) {
            const want = view(l);
            // Buffer comparison: deep-equality on typed arrays is too slow for a property run.
            if (!Buffer.from(l.vmo.read(want.length, 0)).equals(Buffer.from(want))) expect.fail(`contents of a ${l.kind} VMO diverged from the model`);
          }
          const problems = auditCowPages(state);
          if (problems.length > 0) expect.fail(problems.join('; '));
        };
        for (const o of ops) {
          if (o.t === 'create') {
            const vmo = Vmo.create(kernel, o.pages * PAGE, o.resizable ? VmoOptions.RESIZABLE : 0);
            all.push({ vmo, content: { bytes: new Uint8Array(o.pages * PAGE) }, offset: 0, length: null, kind: 'root', resizable: o.resizable });
            check();
            continue;
          }
          if (o.t === 'compress') {
            kernel.forcePressure(PressureLevel.Critical);
            kernel.reclaim();
            kernel.forcePressure(null);
            check();
            continue;
          }
          if (all.length === 0) continue;
          const l = all[o.who % all.length];
          const size = view(l).length;
          try {
            switch (o.t) {
              case 'write': {
                const off = Math.min(o.page * PAGE + (o.v % 7) * 100, size);
                const len = Math.min(o.len, size - off);
                if (len <= 0) break;
                l.vmo.write(new Uint8Array(len).fill(o.v), off);
                view(l).fill(o.v, off, off + len);
                break;
              }
              case 'zero':
              case 'decommit': {
                const off = Math.min(o.page * PAGE + (o.t === 'zero' && o.partial ? 123 : 0), size);
                const len = Math.min(o.pages * PAGE - (o.t === 'zero' && o.partial ? 200 : 0), size - off);
                if (o.t === 'decommit') {
                  if (l.kind === 'snapshot' || len <= 0) break;
                  l.vmo.opRange(VmoOp.DECOMMIT, off, len);
                } else l.vmo.opRange(VmoOp.ZERO, off, len);
                view(l).fill(0, off, off + len);
                break;
              }
              case 'commit':
                l.vmo.opRange(VmoOp.COMMIT, 0, size);
                break;
              case 'snapshot': {
                const off = o.page * PAGE;
                const child = l.vmo.createChild(o.flavour | (o.resizable ? VmoChildOptions.RESIZABLE : 0), off, o.pages * PAGE);
                const bytes = new Uint8Array(o.pages * PAGE);
                if (off < size) bytes.set(view(l).subarray(off, Math.min(size, off + o.pages * PAGE)));
                all.push({ vmo: child, content: { bytes }, offset: 0, length: null, kind: 'snapshot', resizable: o.resizable });
                break;
              }
              case 'slice': {
                if (l.resizable || o.page * PAGE + o.pages * PAGE > size) break;
                const child = l.vmo.createChild(VmoChildOptions.SLICE, o.page * PAGE, o.pages * PAGE);
                all.push({ vmo: child, content: l.content, offset: l.offset + o.page * PAGE, length: o.pages * PAGE, kind: 'slice', resizable: false });
                break;
              }
              case 'reference': {
                const child = l.vmo.createChild(VmoChildOptions.REFERENCE, 0, 0);
                all.push({ vmo: child, content: l.content, offset: l.offset, length: l.length, kind: 'reference', resizable: l.resizable });
                break;
              }
              case 'resize': {
                if (!l.resizable) break;
                l.vmo.setSize(o.pages * PAGE);
                // Slices of resizable VMOs do not exist, so l and its references view the content whole.
                const bytes = new Uint8Array(o.pages * PAGE);
                bytes.set(l.content.bytes.subarray(0, Math.min(l.content.bytes.length, bytes.length)));
                l.content.bytes = bytes;
                break;
              }
              case 'close':
                l.vmo.close();
                all.splice(all.indexOf(l), 1);
                break;
            }
          } catch (e) {
            // A refusal must leave everything unchanged; check() below verifies that.
            if (!(e instanceof ZxError)) throw e;
          }
          check();
        }
        while (all.length > 0) {
          (all.pop() as Live).vmo.close();
          check();
        }
        expect(kernel.memory.pageCount()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
