import { MapsType, PAGE_SIZE, Vmo } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShadowProcess, type PinnedMapping } from '../index.js';
import { recordingLogger, world } from '../test-support/world.js';

type Op = { pin: true; page: number; pages: number } | { pin: false; i: number };

describe('pins (property)', () => {
  it('the shadow VMAR holds exactly the live pins, whatever the order of pins and (repeated) unpins', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ pin: fc.constant(true as const), page: fc.nat(15), pages: fc.integer({ min: 1, max: 4 }) }),
            fc.record({ pin: fc.constant(false as const), i: fc.nat(30) }),
          ),
          { maxLength: 40 },
        ),
        (ops: Op[]) => {
          const { kernel, rt } = world({ roleManager: true, kernel: { aslr: false } });
          using shadow = ShadowProcess.create('prop', { runtime: rt, logger: recordingLogger() });
          using vmo = Vmo.create(kernel, 20 * PAGE_SIZE);
          const pins: PinnedMapping[] = [];
          for (const o of ops) {
            if (o.pin) pins.push(shadow.pinPages(vmo, o.page * PAGE_SIZE, o.pages * PAGE_SIZE));
            else pins[o.i % Math.max(1, pins.length)]?.[Symbol.dispose]();
          }
          // Compared page by page: Zircon merges neighbouring mappings of the same VMO at contiguous offsets, so two
          // adjacent pins may show as one mapping.
          const pages = (ranges: number[][]): number[] =>
            ranges.flatMap(([base, len]) => Array.from({ length: len / PAGE_SIZE }, (_, k) => base + k * PAGE_SIZE)).sort((a, b) => a - b);
          const live = pins.filter((p) => !p.released).map((p) => [p.base, p.length]);
          const mapped = shadow
            .vmar()
            .mapsInfo()
            .records.filter((r) => r.type === MapsType.MAPPING)
            .map((r) => [r.base, r.size]);
          expect(pages(mapped)).toEqual(pages(live));
        },
      ),
      { numRuns: 60 },
    );
  });
});
