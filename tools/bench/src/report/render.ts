import { measured, type Side } from '../runner/measurement.js';
import type { BundleSize } from '../rows/playground-rows.js';
import type { RowResult, SuiteResult } from '../suite.js';
import { formatBytes, formatCount, formatNs, formatRatio, formatSpread } from './format.js';
import { renderLineChart, type ChartSeries } from './svg.js';
import { renderMarkdownTable, renderTable, type Align } from './table.js';

const HEADERS = ['row', 'N', 'per', 'memsim', 'spread', 'native', 'spread', 'memsim/native', 'codec (ratio)'];
const ALIGN: Align[] = ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'left'];

function sideCells(s: Side): [string, string] {
  if (!measured(s)) return ['n/a', ''];
  return [formatNs(s.nsPerUnit), formatSpread(s.summary.relSpread)];
}

/** The codec of a row that compresses, with its compression ratio (plaintext over stored bytes). */
function codecCell(r: RowResult): string {
  if (r.codec === undefined) return '';
  return r.compressionRatio === undefined ? r.codec : `${r.codec} (${r.compressionRatio.toFixed(2)}:1)`;
}

/** The table cells of each row result (time per unit; spread is half the interquartile range over the median). */
/** A row's name in tables and notes: `[per-mapping]` marks the per-mapping design's rows. */
export function rowLabel(r: Pick<RowResult, 'row' | 'design'>): string {
  return r.design === 'per-mapping' ? `${r.row} [per-mapping]` : r.row;
}

export function tableCells(rows: readonly RowResult[]): string[][] {
  return rows.map((r) => [rowLabel(r), r.n === null ? '' : formatCount(r.n), r.unit, ...sideCells(r.memsim), ...sideCells(r.native), formatRatio(r.ratio), codecCell(r)]);
}

/** The terminal table, followed by the reasons for unavailable cells. */
export function renderTerminal(result: SuiteResult): string {
  let out = renderTable(HEADERS, tableCells(result.rows), ALIGN);
  const notes = unavailableNotes(result.rows);
  if (notes.length > 0) out += '\n' + notes.map((n) => `note: ${n}`).join('\n') + '\n';
  const m = result.memory;
  if (!('unavailable' in m)) {
    out += `\nmemory: ${formatBytes(m.heapBytesPerVma + m.externalBytesPerVma)} per VMA (${formatCount(m.vmas)} VMAs); `;
    out += `${formatBytes(m.totalBytesPerPage)} per touched page (heap ${formatBytes(m.heapBytesPerPage)} + page data ${formatBytes(m.externalBytesPerPage)})\n`;
  }
  const b = result.playgroundBundle;
  if (b) out += `\nplayground bundle: ${bundleText(b)}\n`;
  return out;
}

/** The playground's bundle size in a sentence. */
export function bundleText(b: BundleSize): string {
  if ('unavailable' in b) return `not measured: ${b.unavailable}`;
  return `${formatBytes(b.initialBytes)} loaded before the page shows (${formatBytes(b.initialGzipBytes)} gzipped); ${formatBytes(b.totalBytes)} in ${b.files} files with the example scenarios and traces, loaded when opened`;
}

/** One line per distinct reason a side was not measured. */
export function unavailableNotes(rows: readonly RowResult[]): string[] {
  const seen = new Map<string, string[]>();
  for (const r of rows) {
    for (const [side, s] of [['memsim', r.memsim], ['native', r.native]] as const) {
      if (measured(s)) continue;
      const key = `${side}: ${s.unavailable}`;
      const list = seen.get(key) ?? [];
      list.push(r.n === null ? rowLabel(r) : `${rowLabel(r)}@${formatCount(r.n)}`);
      seen.set(key, list);
    }
  }
  return [...seen].map(([reason, where]) => `${where.join(', ')}: ${reason}`);
}

/** The Markdown table of a run. */
export function renderMarkdownResults(rows: readonly RowResult[]): string {
  return renderMarkdownTable(HEADERS, tableCells(rows), ALIGN);
}

const rowIds = (rows: readonly RowResult[]): string[] => [...new Set(rows.filter((r) => r.n !== null && r.design === undefined).map((r) => r.row))];

/** One SVG per per-N row (memsim and native ns per unit vs N), plus one of memsim/native ratios vs N. */
export function renderCharts(result: Pick<SuiteResult, 'rows'>): Map<string, string> {
  const charts = new Map<string, string>();
  const ids = rowIds(result.rows);
  const pointsOf = (id: string, pick: (r: RowResult) => number | null, design?: 'per-mapping'): ChartSeries['points'] =>
    result.rows.filter((r) => r.row === id && r.n !== null && r.design === design).map((r) => ({ x: r.n as number, y: pick(r) }));
  const ns = (s: Side): number | null => (measured(s) && s.nsPerUnit > 0 ? s.nsPerUnit : null);
  for (const id of ids) {
    const unit = result.rows.find((r) => r.row === id)?.unit ?? 'op';
    charts.set(
      `${id}.svg`,
      renderLineChart({
        title: `${id}: time per ${unit} vs VMAs`,
        xLabel: 'VMAs in the address space (N)',
        yLabel: `time per ${unit}`,
        logY: true,
        formatX: formatCount,
        formatY: (y) => formatNs(y),
        series: [
          { name: 'memsim', points: pointsOf(id, (r) => ns(r.memsim)) },
          ...(result.rows.some((r) => r.row === id && r.design === 'per-mapping')
            ? [{ name: 'memsim per-mapping', points: pointsOf(id, (r) => ns(r.memsim), 'per-mapping') }]
            : []),
          { name: 'native Linux', points: pointsOf(id, (r) => ns(r.native)), dashed: true },
        ],
      }),
    );
  }
  if (ids.length > 0) {
    charts.set(
      'ratio-vs-n.svg',
      renderLineChart({
        title: 'memsim / native vs VMAs',
        xLabel: 'VMAs in the address space (N)',
        yLabel: 'memsim time / native time',
        logY: true,
        formatX: formatCount,
        formatY: (y) => `${y}x`,
        series: ids.map((id) => ({ name: id, points: pointsOf(id, (r) => (r.ratio !== null && r.ratio > 0 ? r.ratio : null)) })),
      }),
    );
  }
  return charts;
}
