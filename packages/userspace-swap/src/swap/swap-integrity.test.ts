import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SwapManager, UffdFeature, UffdRegisterMode, UserfaultFD, VirtualClock } from '../index.js';
import { ReferenceSpace } from '../test-support/reference-space.js';

const P = 4096;
const BASE = 0x40_0000;
const PAGES = 32;
const REGION = 8 * P;

type Op =
  | { kind: 'swap'; region: number }
  | { kind: 'write'; page: number; offset: number; value: number }
  | { kind: 'read'; page: number }
  | { kind: 'madvise'; page: number; count: number }
  | { kind: 'remap' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('swap' as const), region: fc.integer({ min: 0, max: PAGES / 8 - 1 }) }),
  fc.record({
    kind: fc.constant('write' as const),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
    offset: fc.integer({ min: 0, max: P - 16 }),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('read' as const), page: fc.integer({ min: 0, max: PAGES - 1 }) }),
  fc.record({ kind: fc.constant('madvise' as const), page: fc.integer({ min: 0, max: PAGES - 1 }), count: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ kind: 'remap' as const }),
);
const ALT = 0x80_0000;

describe('swap data integrity (model-based)', () => {
  it('every read returns what was last written, through swap-outs, swap-ins, madvise and mremap moves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'usw-int-'));
        const clock = new VirtualClock();
        const space = new ReferenceSpace();
        space.mmap(BASE, PAGES * P);
        const model: Uint8Array[] = Array.from({ length: PAGES }, (_, i) => new Uint8Array(P).fill(i + 1));
        for (let i = 0; i < PAGES; i++) space.populate(BASE + i * P, model[i]);
        const uffd = UserfaultFD.open(space, UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP, { clock });
        uffd.registerRange(BASE, PAGES * P, UffdRegisterMode.MISSING);
        const manager = new SwapManager({ directory: dir, clock, freeDiskBytes: () => 2 ** 40 });
        const renderer = manager.addRenderer('r', uffd);
        let base = BASE;
        try {
          for (const o of ops) {
            if (o.kind === 'swap') {
              renderer.swapOut([{ start: base + o.region * REGION, length: REGION }]);
            } else if (o.kind === 'write') {
              const data = new Uint8Array(16).fill(o.value);
              await space.write(space.task(), base + o.page * P + o.offset, data);
              model[o.page].set(data, o.offset);
            } else if (o.kind === 'read') {
              const got = await space.read(space.task(), base + o.page * P, P);
              expect(Buffer.compare(got, model[o.page])).toBe(0);
            } else if (o.kind === 'remap') {
              base = await space.mremap(space.task(), base, PAGES * P, PAGES * P, { mayMove: true, fixed: base === BASE ? ALT : BASE });
            } else {
              const count = Math.min(o.count, PAGES - o.page);
              await space.madvise(space.task(), base + o.page * P, count * P);
              for (let i = o.page; i < o.page + count; i++) model[i] = new Uint8Array(P);
            }
            expect(renderer.storedPages + space.presentPages(base, PAGES * P)).toBeLessThanOrEqual(PAGES);
          }
          for (let i = 0; i < PAGES; i++) {
            expect(Buffer.compare(await space.read(space.task(), base + i * P, P), model[i])).toBe(0);
          }
          expect(renderer.storedPages).toBe(0);
          expect(manager.metrics().bytesUsed).toBe(0);
          expect(manager.errors()).toEqual([]);
        } finally {
          manager.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
