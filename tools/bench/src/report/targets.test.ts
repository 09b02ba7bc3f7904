import { describe, expect, it } from 'vitest';
import type { Measurement, Side } from '../runner/measurement.js';
import { summarize } from '../stats/summary.js';
import type { RowResult } from '../suite.js';
import { renderDocs } from './docs.js';
import { renderCharts, renderTerminal } from './render.js';
import { evaluateTargets } from './targets.js';

const side = (ns: number): Measurement => ({ nsPerUnit: ns, summary: summarize([ns]), samplesNsPerUnit: [ns], unitsPerSample: 1 });
const cell = (row: string, n: number | null, memsim: Side, native: Side): RowResult => ({
  row,
  title: row,
  unit: 'op',
  n,
  memsim,
  native,
  ratio: 'nsPerUnit' in memsim && 'nsPerUnit' in native ? memsim.nsPerUnit / native.nsPerUnit : null,
});

const rows: RowResult[] = [
  cell('map_fixed', 1000, side(500), side(1000)),
  cell('map_fixed', 1_000_000, side(1500), { unavailable: 'vm.max_map_count is 65530 and the probe is not root' }),
  cell('fork_256mib_touched', null, side(1e5), side(3e7)),
  cell('uffd_roundtrip', null, side(5e4), side(1e4)),
  cell('kernel_read_64mib', null, side(4e7), side(1.5e7)),
  cell('kernel_write_64mib', null, side(1.2e7), side(1.5e7)),
  cell('uffd_copy', null, side(900), side(1000)),
  { ...cell('swap_out', null, side(4000), { unavailable: 'no native swap' }), codec: 'lz4', compressionRatio: 2.5 },
  { ...cell('swap_in', null, side(6000), { unavailable: 'no native swap' }), codec: 'lz4', compressionRatio: 2.5 },
];
const result = {
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 8, kernel: '6.0', node: 'v20.0.0', date: '2026-01-01T00:00:00Z', loadAverage: [1, 2, 3] },
  quick: false,
  ns: [1000, 1_000_000],
  rows,
  memcpy64MiB: side(1e7),
  memory: { vmas: 1000, heapBytesPerVma: 600, externalBytesPerVma: 0, pages: 10, heapBytesPerPage: 40, externalBytesPerPage: 4096, totalBytesPerPage: 4136 },
  fieldBuildMs: { '1000': 5 },
  durationS: 1,
};

describe('evaluateTargets', () => {
  const targets = evaluateTargets(result);
  const byId = (id: string) => targets.find((t) => t.id === id);

  it('never counts a missing native cell as met', () => {
    expect(byId('ratio:map_fixed')).toMatchObject({ met: null, measured: '1000: 0.50x, 1000000: n/a' });
    expect(byId('growth:map_fixed')).toMatchObject({ met: false, measured: '3.00x (1000 -> 1000000)' });
  });

  it('holds per-op growth from 1k to 1M VMAs to 1.5x, and judges none in a run at one N', () => {
    const grown = (ms: number) => ({
      ...result,
      rows: [cell('mremap_grow_shrink', 1000, side(1000), side(2000)), cell('mremap_grow_shrink', 1_000_000, side(ms), side(2000))],
    });
    expect(evaluateTargets(grown(1600)).find((t) => t.id === 'growth:mremap_grow_shrink')).toMatchObject({ met: false, measured: '1.60x (1000 -> 1000000)' });
    expect(evaluateTargets(grown(1400)).find((t) => t.id === 'growth:mremap_grow_shrink')?.met).toBe(true);
    const oneN = { ...result, ns: [1_000_000], rows: [cell('mremap_grow_shrink', 1_000_000, side(900), side(1000))] };
    expect(evaluateTargets(oneN).find((t) => t.id.startsWith('growth:'))).toBeUndefined();
    expect(evaluateTargets(oneN).find((t) => t.id === 'ratio:mremap_grow_shrink')?.met).toBe(true);
  });

  it('checks fork and the round trip against 0.1x native, and bandwidth against memcpy', () => {
    expect(byId('ratio:fork_256mib_touched')?.met).toBe(true);
    expect(byId('ratio:uffd_roundtrip')).toMatchObject({ met: false, measured: '5.00x' });
    expect(byId('bandwidth:kernel_read_64mib')).toMatchObject({ met: false, measured: '0.250x memcpy' });
  });

  it('holds bulk access to 0.8x memcpy, UFFDIO_COPY to 1.0x native, and swap to 5 µs a page with its codec', () => {
    expect(byId('bandwidth:kernel_write_64mib')).toMatchObject({ met: true, measured: '0.833x memcpy' });
    expect(byId('bandwidth:kernel_write_64mib')?.target).toContain('0.8x');
    expect(byId('ratio:uffd_copy')).toMatchObject({ met: true, measured: '0.90x' });
    expect(byId('time:swap_out')).toMatchObject({ met: true, measured: '4.00 µs per page, lz4 2.50:1' });
    expect(byId('time:swap_in')).toMatchObject({ met: false, measured: '6.00 µs per page, lz4 2.50:1' });
  });

  it('checks bytes per VMA and per touched page', () => {
    expect(byId('memory:vma')).toMatchObject({ met: false, measured: '600 B' });
    expect(byId('memory:page')?.met).toBe(true);
  });
});

describe('rendering a run', () => {
  it('puts every row, the unavailable reason and the machine into the outputs', () => {
    const term = renderTerminal(result);
    expect(term).toContain('map_fixed');
    expect(term).toContain('not root');
    expect(term).toContain('lz4 (2.50:1)');
    const docs = renderDocs(result, evaluateTargets(result));
    expect(docs).toContain('Test CPU, 2 cores');
    expect(docs).toContain('v20.0.0');
    expect(docs).toContain('2026-01-01T00:00:00Z');
    expect(docs).toContain('![map_fixed](benchmarks/map_fixed.svg)');
    expect(docs).toContain('Missed targets');
    expect([...renderCharts(result).keys()].sort()).toEqual(['map_fixed.svg', 'ratio-vs-n.svg']);
  });

  it('explains a missed fork target with its measured analysis', () => {
    const slow = { ...result, rows: result.rows.map((r) => (r.row === 'fork_256mib_touched' ? cell(r.row, null, side(5e6), side(3e7)) : r)) };
    const docs = renderDocs(slow, evaluateTargets(slow));
    const line = docs.split('\n').find((l) => l.startsWith('- **fork with 256 MiB touched'));
    expect(line).toContain('(0.17x)');
    expect(line).toContain('whether 1,024 or 65,536 pages were committed');
    expect(line).not.toContain('No analysis recorded');
  });
});

describe("the per-mapping design's rows", () => {
  // Beside each single row, a per-mapping one that would miss every target if it were judged.
  const pm = (r: RowResult): RowResult => ({ ...r, design: 'per-mapping' as const, memsim: side(1e9), ratio: 'nsPerUnit' in r.native ? 1e9 / r.native.nsPerUnit : null });
  const both = { ...result, rows: rows.flatMap((r) => (['map_fixed', 'fork_256mib_touched'].includes(r.row) ? [r, pm(r)] : [r])), fieldBuildMs: { '1000': 5, '1000 per-mapping': 6 } };
  const targets = evaluateTargets(both);

  it('leave the targets of the default design as they were, and are listed with no target', () => {
    const judged = targets.filter((t) => !t.noTarget);
    expect(judged).toEqual(evaluateTargets(result));
    const listed = targets.filter((t) => t.noTarget);
    expect(listed.map((t) => t.target)).toEqual([
      "map_fixed [per-mapping]: no target (targets apply to 'single')",
      "fork_256mib_touched [per-mapping]: no target (targets apply to 'single')",
    ]);
    expect(listed.every((t) => t.met === null)).toBe(true);
    expect(listed[0].measured).toBe('1000: 1000000x, 1000000: 1.00 s');
  });

  it('appear beside the single rows in the table, the charts and the docs', () => {
    const term = renderTerminal(both);
    expect(term).toMatch(/map_fixed\s+1k[^\n]*\nmap_fixed \[per-mapping\]\s+1k/);
    expect(term).toContain('map_fixed@1M, map_fixed [per-mapping]@1M: native: vm.max_map_count');
    const docs = renderDocs(both, targets);
    expect(docs).toContain("| map_fixed [per-mapping]: no target (targets apply to 'single') |");
    expect(docs).toContain('| no target |');
    expect(docs).toContain('1k (per-mapping): ');
    expect(docs).toContain('the per-mapping rows have none');
    expect(renderCharts(both).get('map_fixed.svg')).toContain('memsim per-mapping');
    expect(renderCharts(both).get('ratio-vs-n.svg')).toBe(renderCharts(result).get('ratio-vs-n.svg'));
  });
});
