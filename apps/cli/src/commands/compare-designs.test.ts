import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenarios } from '@memsim/conformance';
import { capture } from '../test-support/capture.js';
import { compareDesigns, formatComparison, type DesignComparison } from './compare-designs.js';
import { inspectScenario } from './inspect.js';

const trace = (name: string): string => fileURLToPath(new URL(`../../../../docs/traces/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'memsim-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('shows the Zircon calls each Linux call made in each design, counted around the call alone', async () => {
    const [scenario] = parseScenarios(YAML, 'x.yaml');
    const r = await compareDesigns(scenario);
    const [mmap, access, munmap] = r.steps;
    // 'single' maps its one VMO; 'per-mapping' makes a VMO for the mmap first.
    expect(mmap.single.zirconCalls).toEqual({ zx_vmar_map: 1 });
    expect(mmap.perMapping.zirconCalls).toMatchObject({ zx_vmo_create: 1, zx_vmar_map: 1 });
    // The hole: 'single' zeroes the page in its VMO; 'per-mapping' shrinks the VMO and maps a snapshot child above.
    expect(munmap.single.zirconCalls).toEqual({ zx_vmo_op_range: 1, zx_vmar_unmap: 1 });
    expect(munmap.perMapping.zirconCalls).toMatchObject({ zx_vmo_create_child: 1, zx_vmo_set_size: 1, zx_vmar_map: 1, zx_vmar_unmap: 1 });
    // The model's self-checks (validate) and the pictures of each state are not counted.
    expect(munmap.single.zirconCalls).not.toHaveProperty('zx_object_get_info');
    expect(access.userAccess).toBe(true);
    const text = formatComparison(r, plain);
    expect(text).toContain('    single       zx_vmo_op_range 1, zx_vmar_unmap 1\n');
    expect(text).toMatch(/\n {4}per-mapping {2}zx_vmo_create 1, [^\n]*zx_vmar_map 1/);
    expect(text).toContain('(a user access: on Fuchsia a page fault, no syscall');
  });

  it('compares a recorded trace as a scenario: every memory call, with its Zircon calls in each design', async () => {
    const { code, out } = await capture(['compare-designs', trace('sh-ls.trace'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as DesignComparison;
    expect(r.scenario).toMatch(/^trace sh -c 'ls >\/dev\/null' \(recorded on Linux /);
    expect(r.steps).toHaveLength(54);
    expect(r.perMapping.vmos).toBeGreaterThan(r.single.vmos);
    // A private anonymous mmap: a new VMO in 'per-mapping' only.
    const anon = r.steps.find((s) => /mmap\(0x0, 0x2000, 0x3, 0x22, -1, 0x0\)$/.test(s.label));
    expect(anon?.single.zirconCalls).toEqual({ zx_vmar_map: 1 });
    expect(anon?.perMapping.zirconCalls).toMatchObject({ zx_vmo_create: 1, zx_vmar_map: 1 });
    const text = await capture(['compare-designs', trace('sh-ls.trace')]);
    expect(text.out).toMatch(/\n +\d+ pid \d+ mprotect\([^\n]*\n {4}both {9}zx_vmar_protect 1\n/);
  });

  it('a trace takes neither --name nor --profile, and a malformed one is bad input: exit 2, one line', async () => {
    const name = await capture(['compare-designs', trace('sh-ls.trace'), '--name', 'x']);
    expect(name).toMatchObject({ code: 2, err: 'error: --name picks a scenario of a scenario file; a trace holds one program\n' });
    const profile = await capture(['compare-designs', trace('sh-ls.trace'), '--profile', 'linux-6.18-v1272']);
    expect(profile.code).toBe(2);
    expect(profile.err.split('\n')).toHaveLength(2);
    const truncated = join(dir, 'truncated.trace');
    writeFileSync(truncated, readFileSync(trace('sh-ls.trace'), 'utf8').split('\n').slice(0, 100).join('\n'));
    const bad = await capture(['compare-designs', truncated]);
    expect(bad).toMatchObject({ code: 2, err: `error: ${truncated}:100: the trace ends without its end record (truncated?)\n` });
  });

  it('inspect follows the anon_backing of the scenario', async () => {
    const [scenario] = parseScenarios(YAML, 'x.yaml');
    const s = await inspectScenario({ ...scenario, anonBacking: 'per-mapping' });
    expect(s.vmos.filter((v) => v.name === 'starnix-anon').length).toBe(3);
  });
});
