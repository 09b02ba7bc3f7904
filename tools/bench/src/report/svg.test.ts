import { describe, expect, it } from 'vitest';
import { renderLineChart } from './svg.js';

const chart = {
  title: 'a <b> & c',
  xLabel: 'N',
  yLabel: 'ns',
  logY: true,
  series: [
    { name: 'memsim', points: [{ x: 1000, y: 100 }, { x: 10_000, y: 1000 }, { x: 100_000, y: null }, { x: 1_000_000, y: 10_000 }] },
    { name: 'native', points: [{ x: 1000, y: 10 }, { x: 1_000_000, y: 20 }], dashed: true },
  ],
};

describe('renderLineChart', () => {
  it('produces a self-contained SVG with escaped text, a legend and one decade tick per power of ten', () => {
    const svg = renderLineChart(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg).not.toContain('<script');
    for (const tick of ['>1000<', '>10000<', '>100000<', '>1000000<']) expect(svg).toContain(tick);
    expect(svg).toContain('>memsim<');
    expect(svg).toContain('stroke-dasharray');
  });

  it('breaks a line at a missing point and places log-x points evenly', () => {
    const svg = renderLineChart(chart);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]);
    // memsim: 1k-10k joined, 1M alone (no line); native: one line.
    expect(lines).toHaveLength(2);
    const xs = (lines[0]).split(' ').map((p) => Number(p.split(',')[0]));
    const nat = (lines[1]).split(' ').map((p) => Number(p.split(',')[0]));
    const decade = (xs[1]) - (xs[0]);
    expect((nat[1]) - (nat[0])).toBeCloseTo(3 * decade, 0);
  });

  it('rejects non-positive values on log axes', () => {
    expect(() => renderLineChart({ ...chart, series: [{ name: 'x', points: [{ x: 0, y: 1 }] }] })).toThrow(RangeError);
    expect(() => renderLineChart({ ...chart, series: [{ name: 'x', points: [{ x: 1, y: 0 }] }] })).toThrow(RangeError);
  });
});
