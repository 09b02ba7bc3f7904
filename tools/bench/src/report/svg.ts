/** One line of a chart. Points with a null y are gaps (e.g. a native cell that could not run). */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
  /** Dashed line (used for native series). */
  readonly dashed?: boolean;
}

/** A line chart with a logarithmic x axis (and optionally y axis). */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly logY?: boolean;
  /** Formats a y tick label. */
  readonly formatY?: (y: number) => string;
  /** Formats an x tick label. */
  readonly formatX?: (x: number) => string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const W = 640;
const H = 360;
const M = { left: 70, right: 180, top: 36, bottom: 48 };

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * Renders a self-contained SVG (no scripts, no external fonts). The x axis is log10 and must be positive; ticks
 * sit at powers of ten. Throws RangeError for non-positive x (or y on a log y axis).
 */
export function renderLineChart(chart: LineChart): string {
  const pts = chart.series.flatMap((s) => s.points.filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y)));
  for (const p of chart.series.flatMap((s) => s.points)) if (!(p.x > 0)) throw new RangeError(`x must be positive on a log axis: ${p.x}`);
  if (chart.logY) for (const p of pts) if (!(p.y > 0)) throw new RangeError(`y must be positive on a log axis: ${p.y}`);
  const fx = chart.formatX ?? ((x: number) => String(x));
  const fy = chart.formatY ?? ((y: number) => String(y));
  const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const lx = (x: number): number => Math.log10(x);
  const xMin = xs.length ? Math.floor(lx(Math.min(...xs))) : 0;
  let xMax = xs.length ? Math.ceil(lx(Math.max(...xs))) : 1;
  if (xMax === xMin) xMax = xMin + 1;
  const ty = (y: number): number => (chart.logY ? Math.log10(y) : y);
  let yMin: number;
  let yMax: number;
  if (pts.length === 0) {
    yMin = 0;
    yMax = 1;
  } else if (chart.logY) {
    yMin = Math.floor(Math.min(...pts.map((p) => ty(p.y))));
    yMax = Math.ceil(Math.max(...pts.map((p) => ty(p.y))));
    if (yMax === yMin) yMax = yMin + 1;
  } else {
    yMin = 0;
    yMax = Math.max(...pts.map((p) => p.y)) * 1.1 || 1;
  }
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number): number => M.left + ((lx(x) - xMin) / (xMax - xMin)) * pw;
  const py = (y: number): number => M.top + ph - ((ty(y) - yMin) / (yMax - yMin)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`);
  // Grid and ticks.
  for (let e = xMin; e <= xMax; e++) {
    const x = M.left + ((e - xMin) / (xMax - xMin)) * pw;
    out.push(`<line x1="${num(x)}" y1="${M.top}" x2="${num(x)}" y2="${M.top + ph}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${num(x)}" y="${M.top + ph + 16}" text-anchor="middle">${escapeXml(fx(10 ** e))}</text>`);
  }
  const yTicks: number[] = [];
  if (chart.logY) for (let e = yMin; e <= yMax; e++) yTicks.push(10 ** e);
  else for (let k = 0; k <= 5; k++) yTicks.push(yMin + ((yMax - yMin) * k) / 5);
  for (const t of yTicks) {
    const y = py(t);
    out.push(`<line x1="${M.left}" y1="${num(y)}" x2="${M.left + pw}" y2="${num(y)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${M.left - 6}" y="${num(y + 4)}" text-anchor="end">${escapeXml(fy(t))}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);
  // Series: consecutive present points are joined; a null breaks the line.
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${run.join(' ')}"/>`);
      run = [];
    };
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y)) {
        flush();
        continue;
      }
      const c = `${num(px(p.x))},${num(py(p.y))}`;
      run.push(c);
      out.push(`<circle cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="3" fill="${color}"/>`);
    }
    flush();
    const ly = M.top + 10 + i * 18;
    const lx0 = W - M.right + 12;
    out.push(`<line x1="${lx0}" y1="${ly}" x2="${lx0 + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx0 + 28}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
