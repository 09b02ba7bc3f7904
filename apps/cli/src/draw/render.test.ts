import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectScenario, statesOf } from '../commands/inspect.js';
import { loadScenario } from '../model/open.js';
import { capture } from '../test-support/capture.js';
import { fixture } from '../test-support/fixtures.js';
import { allElements, parseXml, type XmlElement } from '../test-support/xml.js';
import { drawHtml, drawSvg } from './render.js';

const scenario = loadScenario(fixture('clone-space.yaml'));
const dir = mkdtempSync(join(tmpdir(), 'memsim-draw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function byClass(root: XmlElement, cls: string): XmlElement[] {
  return allElements(root).filter((e) => (e.attrs['class'] ?? '').split(' ').includes(cls));
}

// Stepping gives the event loop turns, so the states are computed up front.
const state8 = await inspectScenario(scenario, 8);
const state0 = await inspectScenario(scenario, 0);
const allStates = await statesOf(scenario);

describe('memsim draw: SVG', () => {
  const svg = parseXml(drawSvg(state8));

  it('is well-formed SVG of the state after the step', () => {
    expect(svg.name).toBe('svg');
    expect(svg.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(svg.attrs['data-step']).toBe('8');
  });

  it('nests VMARs and places the mappings inside the sub-VMAR, coloured by permission and backing', () => {
    const proc = byClass(svg, 'process');
    expect(proc.map((p) => p.attrs['data-name'])).toEqual(['proc']);
    const vmars = byClass(svg, 'vmar');
    const sub = vmars.find((v) => v.attrs['data-base'] === '0x200000' && v.attrs['data-size'] === String(0x10000))!;
    const maps = byClass(svg, 'mapping');
    expect(maps.map((m) => [m.attrs['data-base'], m.attrs['data-perms'], m.attrs['data-backing']])).toEqual([
      ['0x200000', 'rw-', 'anonymous'],
      ['0x208000', 'r--', 'cow-clone'],
    ]);
    const x = (e: XmlElement): number => Number(e.attrs['x']);
    const w = (e: XmlElement): number => Number(e.attrs['width']);
    for (const m of maps) {
      const r = m.children.find((c) => c.name === 'rect')!;
      expect(x(r)).toBeGreaterThanOrEqual(x(sub) - 0.1);
      expect(x(r) + w(r)).toBeLessThanOrEqual(x(sub) + w(sub) + 0.1);
    }
    // Different permissions, different fills.
    const fills = maps.map((m) => m.children[0].attrs['fill']);
    expect(new Set(fills).size).toBe(2);
  });

  it('shades committed pages and shows the guard gap between the mappings', () => {
    const maps = byClass(svg, 'mapping');
    // The parent mapping has pages 0 and 1 committed; so does the clone (shared through the hidden node).
    expect(maps.map((m) => m.children.filter((c) => (c.attrs['class'] ?? '').startsWith('page')).length)).toEqual([2, 2]);
    const gaps = byClass(svg, 'gap');
    expect(gaps.some((g) => g.attrs['data-base'] === '0x204000' && g.attrs['data-size'] === String(0x4000))).toBe(true);
  });

  it('draws the clone tree with an edge from parent to clone', () => {
    const vmos = byClass(svg, 'vmo');
    expect(vmos).toHaveLength(2);
    const [heap, snap] = vmos;
    expect(snap.attrs['data-parent']).toBe(heap.attrs['data-koid']);
    expect(snap.attrs['data-shared']).toBe('4096');
    const edges = byClass(svg, 'edge');
    expect(edges.map((e) => [e.attrs['data-from'], e.attrs['data-to']])).toEqual([[heap.attrs['data-koid'], snap.attrs['data-koid']]]);
    expect(byClass(heap, 'cell').map((c) => c.attrs['class'])).toEqual(['cell committed', 'cell committed', 'cell absent', 'cell absent']);
  });

  it('escapes scenario text', () => {
    const text = drawSvg({ ...state0, step: 1, label: 'zx <&"evil">', outcome: 'ok' });
    expect(() => parseXml(text)).not.toThrow();
    expect(text).toContain('zx &lt;&amp;&quot;evil&quot;&gt;');
  });

  it('writes .svg and .html files and refuses other extensions', async () => {
    const out = join(dir, 'a.svg');
    const r = await capture(['draw', fixture('clone-space.yaml'), '-o', out, '--step', '2']);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const bad = await capture(['draw', fixture('clone-space.yaml'), '-o', join(dir, 'a.png')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--output must end in .svg or .html');
    const unwritable = await capture(['draw', fixture('clone-space.yaml'), '-o', join(dir, 'no', 'such', 'dir.svg')]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/^error: cannot write .*dir\.svg: ENOENT\n$/);
  });
});

describe('memsim draw: HTML', () => {
  const states = allStates;
  const html = drawHtml(scenario, states);

  it('is one self-contained page with a slider over every step', () => {
    expect(html).toContain(`<input id="slider" type="range" min="0" max="${states.length - 1}"`);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    const data = /<script id="memsim-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1];
    const parsed = JSON.parse(data) as { svgs: string[] };
    expect(parsed.svgs).toHaveLength(states.length);
    for (const s of parsed.svgs) expect(() => parseXml(s)).not.toThrow();
  });

  it('redraws when the slider moves and opens at #step=N (page script run in jsdom)', () => {
    const open = (hash: string): JSDOM => new JSDOM(html, { runScripts: 'dangerously', url: `https://memsim.invalid/page.html${hash}` });
    const svgStep = (d: JSDOM): string | null => d.window.document.querySelector('#view svg')?.getAttribute('data-step') ?? null;
    const mappings = (d: JSDOM): number => d.window.document.querySelectorAll('#view .mapping').length;
    // Without a hash the page shows the last step.
    const last = open('');
    expect(last.window.document.body.getAttribute('data-step')).toBe(String(states.length - 1));
    const at2 = open('#step=2');
    const doc = at2.window.document;
    expect(doc.body.getAttribute('data-step')).toBe('2');
    expect(svgStep(at2)).toBe('2');
    expect(doc.getElementById('label')?.textContent).toContain('step 2: zx vmar_allocate');
    expect(mappings(at2)).toBe(0);
    // Moving the slider redraws.
    const slider = doc.getElementById('slider') as HTMLInputElement;
    slider.value = '8';
    slider.dispatchEvent(new at2.window.Event('input'));
    expect(svgStep(at2)).toBe('8');
    expect(mappings(at2)).toBe(2);
    // A step past the end is clamped to the last one.
    expect(open('#step=999').window.document.body.getAttribute('data-step')).toBe(String(states.length - 1));
  });
});
