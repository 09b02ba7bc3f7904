import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel, Process, VmOptions, Vmo, ZxError } from '@memsim/zircon-objects';
import { memoryOf, processState } from '../model/snapshot.js';
import type { ModelState } from '../model/state.js';
import { allElements, parseXml, type XmlElement } from '../test-support/xml.js';
import { drawSvg } from './render.js';

const PAGE = 4096;

interface VmarSpec {
  readonly vmarPages: number;
  readonly maps: readonly { readonly pages: number; readonly offsetPages: number; readonly writable: boolean; readonly touch: boolean }[];
}

/** Random address spaces: sub-VMARs with mappings of random sizes, permissions and positions. */
const spaceArb: fc.Arbitrary<VmarSpec[]> = fc.array(
  fc.record({
    vmarPages: fc.integer({ min: 4, max: 4096 }),
    maps: fc.array(fc.record({ pages: fc.integer({ min: 1, max: 64 }), offsetPages: fc.nat(4096), writable: fc.boolean(), touch: fc.boolean() }), { maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 3 },
);

function build(spec: readonly VmarSpec[]): ModelState {
  const kernel = new Kernel({ seed: 3, aslr: false });
  const { process, rootVmar } = Process.create(kernel.rootJob, 'p');
  for (const v of spec) {
    const { vmar } = rootVmar.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC, 0, v.vmarPages * PAGE);
    for (const m of v.maps) {
      const vmo = Vmo.create(kernel, m.pages * PAGE);
      const perms = VmOptions.PERM_READ | (m.writable ? VmOptions.PERM_WRITE : 0);
      try {
        const addr = vmar.map(perms | VmOptions.SPECIFIC, (m.offsetPages % v.vmarPages) * PAGE, vmo, 0, m.pages * PAGE);
        if (m.touch && m.writable) process.addressSpace.write(addr, new Uint8Array([1]));
      } catch (e) {
        // Overlapping or out-of-range placements are refused by the kernel: the drawing shows what exists.
        if (!(e instanceof ZxError)) throw e;
      }
    }
  }
  return { domain: 'zircon', step: 1, label: 'x', outcome: 'ok', processes: [processState('p', process)], vmos: [], memory: memoryOf(kernel) };
}

const num = (e: XmlElement, a: string): number => Number(e.attrs[a]);
const rectOf = (g: XmlElement): XmlElement => g.children.find((c) => c.name === 'rect')!;

describe('address-space layout', () => {
  it('keeps every mapping inside its VMAR, in address order, without overlaps', () => {
    let drawn = 0;
    fc.assert(
      fc.property(spaceArb, (spec) => {
        const state = build(spec);
        const svg = parseXml(drawSvg(state));
        const all = allElements(svg);
        const vmars = all.filter((e) => e.attrs['class'] === 'vmar');
        const maps = all.filter((e) => e.attrs['class'] === 'mapping');
        const regions = state.processes[0].regions;
        expect(maps).toHaveLength(regions.filter((r) => r.kind === 'mapping').length);
        drawn += maps.length;
        let lastEnd = -Infinity;
        for (const g of maps) {
          const base = Number(g.attrs['data-base']);
          const size = Number(g.attrs['data-size']);
          const r = rectOf(g);
          // Its innermost enclosing VMAR (the smallest one containing it).
          const parent = vmars
            .filter((v) => Number(v.attrs['data-base']) <= base && Number(v.attrs['data-base']) + Number(v.attrs['data-size']) >= base + size)
            .sort((a, b) => Number(a.attrs['data-size']) - Number(b.attrs['data-size']))[0];
          expect(num(r, 'x')).toBeGreaterThanOrEqual(num(parent, 'x') - 0.11);
          expect(num(r, 'x') + num(r, 'width')).toBeLessThanOrEqual(num(parent, 'x') + num(parent, 'width') + 0.11);
          expect(num(r, 'x')).toBeGreaterThanOrEqual(lastEnd - 0.11);
          lastEnd = num(r, 'x') + num(r, 'width');
          // A touched page is shaded; an untouched mapping has none.
          const shaded = g.children.filter((c) => (c.attrs['class'] ?? '').startsWith('page')).length > 0;
          expect(shaded).toBe(Number(g.attrs['data-committed']) > 0);
        }
      }),
      { numRuns: 40 },
    );
    expect(drawn).toBeGreaterThan(20);
  });
});
