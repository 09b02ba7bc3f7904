import { Kernel, MapsType, PAGE_SIZE } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Runtime, type Thread } from '../index.js';

type Op = { kind: 'create'; pages: number } | { kind: 'start'; i: number } | { kind: 'join'; i: number } | { kind: 'detach'; i: number } | { kind: 'dispose'; i: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), pages: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constantFrom('start' as const, 'join' as const, 'detach' as const, 'dispose' as const), i: fc.nat(20) }),
);

describe('thread memory (property)', () => {
  it('every live thread holds exactly three child VMARs with one mapping each; released threads hold none', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const kernel = new Kernel({ seed: 7 });
        using rt = Runtime.create(kernel, { name: 'prop' });
        const threads: Thread[] = [];
        for (const o of ops) {
          if (o.kind === 'create') {
            threads.push(rt.createThread({ stackSize: o.pages * PAGE_SIZE }));
            continue;
          }
          const t = threads[o.i % Math.max(1, threads.length)];
          if (t === undefined) continue;
          try {
            if (o.kind === 'start') t.start(() => o.i);
            else if (o.kind === 'detach') t.detach();
            else if (o.kind === 'dispose') t[Symbol.dispose]();
            else await t.join();
          } catch {
            // State errors (join before start, start twice, ...) are part of the game; memory must stay right.
          }
          await Promise.resolve();
        }
        await new Promise((r) => setTimeout(r, 0));
        const recs = rt.rootVmar.mapsInfo().records;
        const holding = threads.filter((t) => t.regions.length > 0);
        expect(recs.filter((r) => r.depth === 1 && r.type === MapsType.VMAR)).toHaveLength(3 * holding.length);
        expect(recs.filter((r) => r.type === MapsType.MAPPING)).toHaveLength(3 * holding.length);
        for (const t of threads) expect(t.regions.length === 0).toBe(t.state === 'released');
        // Finishing every thread leaves the address space empty.
        for (const t of threads) {
          if (t.state === 'new') t[Symbol.dispose]();
          else if (!t.detached && t.state !== 'released') await t.join().catch(() => undefined);
        }
        expect(rt.rootVmar.mapsInfo().records).toHaveLength(1);
      }),
      { numRuns: 40 },
    );
  });
});
