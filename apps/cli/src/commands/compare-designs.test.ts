import { describe, expect, it } from 'vitest';
import { parseScenarios } from '@memsim/conformance';
import { compareDesigns, formatComparison } from './compare-designs.js';
import { inspectScenario } from './inspect.js';

const plain = { bold: (s: string) => s, dim: (s: string) => s, cyan: (s: string) => s, yellow: (s: string) => s } as never;

const YAML = `name: unmap the middle page
suite: seeds
source: seed 004
steps:
  - linux: mmap
    args: {addr: 0x10000, length: 0x3000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
  - access: write
    args: {addr: 0x12000, fill: 0x43, length: 0x1000}
  - linux: munmap
    args: {addr: 0x11000, length: 0x1000}
`;

describe('compare-designs', () => {
  it("shows seed 004's example in both designs: one VMO against a resized VMO and its snapshot child", async () => {
    const [scenario] = parseScenarios(YAML, 'x.yaml');
    const r = await compareDesigns(scenario);
    expect(r.single).toMatchObject({ vmos: 1, deepestCloneChain: 0, committedBytes: 0x1000 });
    // The [stack], VMO A and the child.
    expect(r.perMapping).toMatchObject({ vmos: 3, deepestCloneChain: 1, committedBytes: 0x1000 });
    expect(r.steps.map((s) => [s.label, s.single.vmos, s.perMapping.vmos])).toEqual([
      ['linux mmap', 0, 1],
      ['access write', 0, 0],
      ['linux munmap', 0, 1],
    ]);
    expect(formatComparison(r, plain)).toContain('deepest clone chain  0       1');
  });

  it('inspect follows the anon_backing of the scenario', async () => {
    const [scenario] = parseScenarios(YAML, 'x.yaml');
    const s = await inspectScenario({ ...scenario, anonBacking: 'per-mapping' });
    expect(s.vmos.filter((v) => v.name === 'starnix-anon').length).toBe(3);
  });
});
