import type { Scenario } from '@memsim/conformance';
import { bytes, hexAddr } from '../commands/format.js';
import type { ModelState, ProcessState, RegionState, VmoState } from '../model/state.js';
import { vmoForest } from '../model/vmo-forest.js';
import { BACKING_COLOR, COMMITTED_SHADE, COMPRESSED_SHADE, PERM_FILL } from './palette.js';
import { esc, n } from './svg-text.js';

const WIDTH = 1100;
const MARGIN = 20;
const ROW = 34;
const PAGE = 4096;

/**
 * What backs a mapping, for its colour stripe. For Linux, `mapsName` is the name /proc/pid/maps gives the range
 * (`[stack]`, `[heap]`, a path): the Zircon mapping under it is only named after starnix's VMO.
 */
export function backingOf(r: RegionState, vmos: ReadonlyMap<number, VmoState>, domain: ModelState['domain'], mapsName = ''): string {
  const v = r.vmoKoid !== undefined ? vmos.get(r.vmoKoid) : undefined;
  if (v?.flags.includes('IS_COW_CLONE')) return 'cow-clone';
  if (v?.flags.includes('SLICE')) return 'slice';
  if (domain === 'linux') {
    const name = mapsName || r.name;
    if (name.includes('[stack')) return 'stack';
    if (name.includes('[heap')) return 'heap';
    if (name.includes('memfd') || name.includes('SYSV') || name.startsWith('/dev/zero')) return 'shared';
    if (name.startsWith('/')) return 'file';
  }
  return 'anonymous';
}

/** The maps lines of a Linux process as ranges with names, to name the Zircon mappings under them. */
function mapsRanges(maps: string): Array<{ start: number; end: number; name: string }> {
  const out: Array<{ start: number; end: number; name: string }> = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+ *(.*)$/.exec(line);
    if (m) out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), name: (m[3] ?? '').trim() });
  }
  return out;
}

/** A label that fits `width` pixels at about 5.5 px per character: whole, or cut with an ellipsis. */
function fit(text: string, width: number): string {
  const max = Math.floor(width / 5.5);
  if (text.length <= max) return text;
  return max <= 1 ? '' : `${text.slice(0, max - 1)}…`;
}

/**
 * The address axis under a process: a tick at every region boundary, labelled where there is room (labels that
 * would overlap the previous one are left out; their address stays in the tick's tooltip).
 */
function axisSvg(regions: readonly RegionState[], x: (a: number) => number, x0: number, width: number, y: number): string {
  const ticks = [...new Set(regions.flatMap((r) => [r.base, r.base + r.size]))].sort((a, b) => a - b);
  const parts = [`<g class="axis" data-ticks="${ticks.length}">`, `<line x1="${n(x0)}" y1="${n(y)}" x2="${n(x0 + width)}" y2="${n(y)}" stroke="#333"/>`];
  let lastEnd = -Infinity;
  ticks.forEach((t, i) => {
    const tx = x(t);
    parts.push(`<line class="tick" data-addr="${hexAddr(t)}" x1="${n(tx)}" y1="${n(y)}" x2="${n(tx)}" y2="${n(y + 4)}" stroke="#333"><title>${hexAddr(t)}</title></line>`);
    const label = hexAddr(t);
    const w = label.length * 5.5;
    // The first label starts at its tick and the last ends at its tick, so both stay inside the picture.
    const anchor = i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle';
    const left = anchor === 'start' ? tx : anchor === 'end' ? tx - w : tx - w / 2;
    if (left > lastEnd + 4) {
      parts.push(`<text class="tick-label" x="${n(tx)}" y="${n(y + 14)}" font-size="9" font-family="monospace" text-anchor="${anchor}">${esc(label)}</text>`);
      lastEnd = left + w;
    }
  });
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * Lays out a process's address space on a piecewise scale: every boundary of every region becomes a tick, and each
 * interval between ticks gets a width that grows with the log of its size. A linear scale would show a 128 TiB
 * root VMAR with invisible mappings; this one keeps small mappings readable and still shows big gaps as wider.
 */
function layout(regions: readonly RegionState[], x0: number, width: number): (addr: number) => number {
  const ticks = [...new Set(regions.flatMap((r) => [r.base, r.base + r.size]))].sort((a, b) => a - b);
  if (ticks.length < 2) return () => x0;
  const maps = regions.filter((r) => r.kind === 'mapping');
  // Mapped stretches weigh more than free ones: the mappings are what a reader came to see.
  const weights = ticks.slice(1).map((t, i) => {
    const a = ticks[i];
    const lg = Math.log2(Math.max(1, (t - a) / PAGE));
    return maps.some((m) => m.base <= a && m.base + m.size >= t) ? 4 + lg : 1 + lg / 3;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const xs = [x0];
  for (const w of weights) xs.push(xs[xs.length - 1] + (w / total) * width);
  return (addr: number): number => {
    // Binary search for the tick; addresses between ticks interpolate linearly inside their interval.
    let lo = 0;
    let hi = ticks.length - 1;
    while (lo < hi - 1) {
      const mid = (lo + hi) >> 1;
      if (ticks[mid] <= addr) lo = mid;
      else hi = mid;
    }
    const a = ticks[lo];
    const b = ticks[hi];
    const f = b === a ? 0 : Math.min(1, Math.max(0, (addr - a) / (b - a)));
    return xs[lo] + f * (xs[hi] - xs[lo]);
  };
}

/** Unmapped stretches inside each VMAR (and the address space): guard gaps and free space. */
function gapsOf(regions: readonly RegionState[]): Array<{ base: number; size: number; depth: number }> {
  const out: Array<{ base: number; size: number; depth: number }> = [];
  regions.forEach((r, i) => {
    if (r.kind === 'mapping') return;
    const kids = regions.slice(i + 1).filter((k) => k.depth === r.depth + 1 && k.base >= r.base && k.base + k.size <= r.base + r.size);
    // Only the region's own children: stop at the next region of the same or lower depth.
    const end = regions.findIndex((k, j) => j > i && k.depth <= r.depth);
    const own = kids.filter((k) => end === -1 || regions.indexOf(k) < end);
    let at = r.base;
    for (const k of [...own].sort((a, b) => a.base - b.base)) {
      if (k.base > at) out.push({ base: at, size: k.base - at, depth: r.depth + 1 });
      at = Math.max(at, k.base + k.size);
    }
    if (own.length > 0 && at < r.base + r.size) out.push({ base: at, size: r.base + r.size - at, depth: r.depth + 1 });
  });
  return out;
}

function processSvg(p: ProcessState, s: ModelState, vmos: ReadonlyMap<number, VmoState>, y0: number): { svg: string; height: number } {
  const x0 = MARGIN;
  const w = WIDTH - 2 * MARGIN;
  const x = layout(p.regions, x0, w);
  const maxDepth = p.regions.reduce((m, r) => Math.max(m, r.depth), 0);
  const named = s.domain === 'linux' ? mapsRanges(p.maps) : [];
  const parts: string[] = [`<g class="process" data-name="${esc(p.name)}" data-koid="${p.koid}">`];
  parts.push(`<text class="title" x="${x0}" y="${y0 + 14}" font-weight="bold">process ${esc(p.name)} (koid ${p.koid})</text>`);
  const top = y0 + 22;
  for (const g of gapsOf(p.regions)) {
    const gx = x(g.base);
    const gw = Math.max(1, x(g.base + g.size) - gx);
    parts.push(
      `<rect class="gap" data-base="${hexAddr(g.base)}" data-size="${g.size}" x="${n(gx)}" y="${n(top + g.depth * ROW + 4)}" width="${n(gw)}" height="${ROW - 8}" fill="url(#hatch)" stroke="#bbb" stroke-dasharray="3 2"><title>unmapped ${hexAddr(g.base)}-${hexAddr(g.base + g.size)} (${bytes(g.size)})</title></rect>`,
    );
    if (gw > 50) parts.push(`<text x="${n(gx + gw / 2)}" y="${n(top + g.depth * ROW + 20)}" font-size="9" fill="#777" text-anchor="middle">${esc(bytes(g.size))} free</text>`);
  }
  for (const r of p.regions) {
    const rx = x(r.base);
    const rw = Math.max(2, x(r.base + r.size) - rx);
    const ry = top + r.depth * ROW;
    const range = `${hexAddr(r.base)}-${hexAddr(r.base + r.size)}`;
    if (r.kind !== 'mapping') {
      parts.push(
        `<rect class="${r.kind}" data-base="${hexAddr(r.base)}" data-size="${r.size}" x="${n(rx)}" y="${n(ry)}" width="${n(rw)}" height="${(maxDepth - r.depth + 1) * ROW}" fill="none" stroke="#333" stroke-width="1.2" rx="3"><title>${r.kind} ${esc(r.name)} ${range} (${bytes(r.size)})</title></rect>`,
      );
      const title = r.kind === 'aspace' ? 'aspace' : r.name || 'vmar';
      const shown = fit(title, rw - 6);
      if (shown) parts.push(`<text x="${n(rx + 3)}" y="${n(ry + 11)}" font-size="9" fill="#333">${esc(shown)}${shown !== title ? `<title>${esc(title)}</title>` : ''}</text>`);
      continue;
    }
    const mapsName = named.find((m) => m.start <= r.base && r.base < m.end)?.name ?? '';
    const backing = backingOf(r, vmos, s.domain, mapsName);
    const perms = r.perms ?? '---';
    parts.push(`<g class="mapping" data-perms="${perms}" data-backing="${backing}" data-vmo="${r.vmoKoid ?? ''}" data-base="${hexAddr(r.base)}" data-size="${r.size}" data-committed="${r.committedBytes ?? 0}">`);
    parts.push(
      `<rect x="${n(rx)}" y="${n(ry + 2)}" width="${n(rw)}" height="${ROW - 4}" fill="${PERM_FILL[perms] ?? '#ccc'}" stroke="#222" stroke-width="0.8"><title>${esc(mapsName ? `${mapsName} (${r.name})` : r.name)} ${range} ${perms} ${backing} vmo ${r.vmoKoid} committed ${bytes(r.committedBytes ?? 0)} of ${bytes(r.size)}</title></rect>`,
    );
    parts.push(`<rect class="backing" x="${n(rx)}" y="${n(ry + 2)}" width="${n(rw)}" height="4" fill="${BACKING_COLOR[backing] ?? '#000'}"/>`);
    // Committed pages shaded: per page when the VMO's residency is known, else as a fraction of the mapping.
    const v = r.vmoKoid !== undefined ? vmos.get(r.vmoKoid) : undefined;
    const pages = Math.ceil(r.size / PAGE);
    const first = Math.floor((r.vmoOffset ?? 0) / PAGE);
    if (v && v.pages.length > 0 && pages <= 256) {
      for (let i = 0; i < pages; i++) {
        const st = v.pages[first + i];
        if (st !== 'committed' && st !== 'compressed') continue;
        const px = x(r.base + i * PAGE);
        const pw = Math.max(1, x(r.base + (i + 1) * PAGE) - px);
        parts.push(`<rect class="page ${st}" x="${n(px)}" y="${n(ry + ROW - 12)}" width="${n(pw)}" height="8" fill="${st === 'committed' ? COMMITTED_SHADE : COMPRESSED_SHADE}"/>`);
      }
    } else if ((r.committedBytes ?? 0) > 0) {
      const f = Math.min(1, (r.committedBytes ?? 0) / r.size);
      parts.push(`<rect class="page committed" x="${n(rx)}" y="${n(ry + ROW - 12)}" width="${n(Math.max(1, rw * f))}" height="8" fill="${COMMITTED_SHADE}"/>`);
    }
    // The label is the whole name when it fits, else cut with an ellipsis; the full one is in its tooltip.
    const full = `${perms} ${mapsName || r.name || `vmo ${r.vmoKoid}`}`;
    const shown = fit(full, rw - 6);
    if (shown) parts.push(`<text class="label" x="${n(rx + 3)}" y="${n(ry + 17)}" font-size="9">${esc(shown)}<title>${esc(full)}</title></text>`);
    parts.push('</g>');
  }
  const axisY = top + (maxDepth + 1) * ROW + 4;
  parts.push(axisSvg(p.regions, x, x0, w, axisY));
  parts.push('</g>');
  return { svg: parts.join('\n'), height: 22 + (maxDepth + 1) * ROW + 36 };
}

function vmoTreeSvg(vmoList: readonly VmoState[], y0: number): { svg: string; height: number } {
  const { roots, children: kids } = vmoForest(vmoList);
  const BOX_W = 230;
  const BOX_H = 60;
  const GAP_X = 20;
  const GAP_Y = 34;
  const pos = new Map<number, { x: number; y: number }>();
  let col = 0;
  let maxDepth = 0;
  // A tidy-enough tree: leaves take consecutive columns, parents centre over their children.
  const place = (v: VmoState, depth: number): number => {
    maxDepth = Math.max(maxDepth, depth);
    const ch = kids.get(v.koid) ?? [];
    const cx = ch.length === 0 ? col++ : ch.map((c) => place(c, depth + 1)).reduce((a, b) => a + b, 0) / ch.length;
    pos.set(v.koid, { x: MARGIN + cx * (BOX_W + GAP_X), y: y0 + 24 + depth * (BOX_H + GAP_Y) });
    return cx;
  };
  for (const r of roots) place(r, 0);
  const parts = ['<g class="vmo-tree">', `<text class="title" x="${MARGIN}" y="${y0 + 14}" font-weight="bold">VMO clone tree</text>`];
  for (const v of vmoList) {
    const p = pos.get(v.koid)!;
    const parent = v.parentKoid !== 0 ? pos.get(v.parentKoid) : undefined;
    if (parent) {
      parts.push(`<line class="edge" data-from="${v.parentKoid}" data-to="${v.koid}" x1="${n(parent.x + BOX_W / 2)}" y1="${n(parent.y + BOX_H)}" x2="${n(p.x + BOX_W / 2)}" y2="${n(p.y)}" stroke="#555"/>`);
    }
  }
  for (const v of vmoList) {
    const p = pos.get(v.koid)!;
    const kind = v.flags.includes('IS_COW_CLONE') ? 'cow-clone' : v.flags.includes('SLICE') ? 'slice' : 'anonymous';
    parts.push(`<g class="vmo" data-koid="${v.koid}" data-parent="${v.parentKoid}" data-name="${esc(v.name)}" data-committed="${v.committedBytes}" data-populated="${v.populatedBytes}" data-shared="${v.sharedBytes}">`);
    parts.push(`<title>vmo ${v.koid}${v.name ? ` '${esc(v.name)}'` : ''} ${esc(bytes(v.sizeBytes))}</title>`);
    parts.push(`<rect x="${n(p.x)}" y="${n(p.y)}" width="${BOX_W}" height="${BOX_H}" rx="5" fill="#f7f7f7" stroke="${BACKING_COLOR[kind]}" stroke-width="2"${v.viaHandle ? '' : ' stroke-dasharray="4 3"'}/>`);
    // Koid and size first, then the name on a line of its own (cut with an ellipsis only past the box's width).
    parts.push(`<text x="${n(p.x + 6)}" y="${n(p.y + 13)}" font-size="11" font-weight="bold">vmo ${v.koid} · ${esc(bytes(v.sizeBytes))}</text>`);
    if (v.name) parts.push(`<text class="vmo-name" x="${n(p.x + 6)}" y="${n(p.y + 25)}" font-size="10">${esc(fit(`'${v.name}'`, BOX_W - 12))}</text>`);
    parts.push(`<text x="${n(p.x + 6)}" y="${n(p.y + 36)}" font-size="9">committed ${esc(bytes(v.committedBytes))} · populated ${esc(bytes(v.populatedBytes))} · shared ${esc(bytes(v.sharedBytes))}</text>`);
    const cells = v.pages.slice(0, 64);
    const cw = Math.min(12, (BOX_W - 12) / Math.max(1, cells.length));
    cells.forEach((st, i) => {
      const fill = st === 'committed' ? '#444' : st === 'compressed' ? '#999' : '#fff';
      parts.push(`<rect class="cell ${st}" x="${n(p.x + 6 + i * cw)}" y="${n(p.y + 42)}" width="${n(Math.max(1, cw - 1))}" height="12" fill="${fill}" stroke="#888" stroke-width="0.4"/>`);
    });
    parts.push('</g>');
  }
  parts.push('</g>');
  const height = vmoList.length === 0 ? 40 : 24 + (maxDepth + 1) * (BOX_H + GAP_Y);
  if (vmoList.length === 0) parts.splice(2, 0, `<text x="${MARGIN}" y="${y0 + 32}" font-size="10">(no VMOs)</text>`);
  return { svg: parts.join('\n'), height: Math.max(height, 24 + col * 0) };
}

function legend(y0: number): string {
  const items = [
    ...Object.entries(PERM_FILL).filter(([k]) => ['r--', 'rw-', 'r-x', 'rwx', '---'].includes(k)).map(([k, c]) => ({ label: k, color: c })),
    ...Object.entries(BACKING_COLOR).map(([k, c]) => ({ label: k, color: c })),
  ];
  const parts = ['<g class="legend">'];
  items.forEach((it, i) => {
    const x = MARGIN + i * 84;
    const stripe = i >= 5;
    parts.push(
      `<g class="legend-item" data-label="${esc(it.label)}"><rect x="${x}" y="${y0 + (stripe ? 4 : 0)}" width="12" height="${stripe ? 4 : 12}" fill="${it.color}" stroke="#333" stroke-width="0.5"/><text x="${x + 16}" y="${y0 + 10}" font-size="10">${esc(it.label)}</text></g>`,
    );
  });
  parts.push(`<text x="${MARGIN}" y="${y0 + 26}" font-size="9" fill="#555">fill: permissions · stripe: backing</text>`);
  parts.push(`<rect x="${MARGIN + 160}" y="${y0 + 18}" width="12" height="8" fill="${COMMITTED_SHADE}"/><text x="${MARGIN + 176}" y="${y0 + 26}" font-size="10">committed page</text>`);
  parts.push(`<rect x="${MARGIN + 280}" y="${y0 + 18}" width="24" height="8" fill="url(#hatch)" stroke="#bbb"/><text x="${MARGIN + 310}" y="${y0 + 26}" font-size="10">unmapped gap (guard)</text>`);
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * An SVG of one state: each process's address space (VMAR nesting, mappings coloured by permission with a stripe
 * for their backing, committed pages shaded, unmapped gaps hatched), then the VMO clone tree.
 * @public
 */
export function drawSvg(s: ModelState): string {
  const vmos = new Map(s.vmos.map((v) => [v.koid, v]));
  const parts: string[] = [];
  let y = MARGIN;
  const caption = s.step === 0 ? 'initial state' : `after step ${s.step}: ${s.label} -> ${s.outcome}`;
  parts.push(`<text class="caption" x="${MARGIN}" y="${y + 4}" font-size="12">${esc(caption.slice(0, 160))}</text>`);
  y += 14;
  parts.push(legend(y));
  y += 40;
  for (const p of s.processes) {
    const r = processSvg(p, s, vmos, y);
    parts.push(r.svg);
    y += r.height;
  }
  const t = vmoTreeSvg(s.vmos, y);
  parts.push(t.svg);
  y += t.height;
  const m = s.memory;
  parts.push(
    `<text class="memory" x="${MARGIN}" y="${y + 16}" font-size="11">kernel memory: total ${esc(bytes(m.totalBytes))}, committed ${esc(bytes(m.committedBytes))}, compressed ${esc(bytes(m.compressedBytes))}, free ${esc(bytes(m.freeBytes))}, pressure ${esc(m.pressure)}</text>`,
  );
  y += 30;
  const trees = s.vmos.length;
  const width = Math.max(WIDTH, MARGIN * 2 + trees * 250);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="memsim-state" data-step="${s.step}" width="${width}" height="${n(y)}" viewBox="0 0 ${width} ${n(y)}" font-family="sans-serif" font-size="11">`,
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" stroke-width="2"/></pattern></defs>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * A self-contained HTML page: every state's SVG, a step slider that redraws the picture, and `#step=N` in the
 * address to open at a step.
 * @public
 */
export function drawHtml(scenario: Scenario, states: readonly ModelState[]): string {
  const svgs = states.map(drawSvg);
  const labels = states.map((s) => (s.step === 0 ? 'initial state' : `step ${s.step}: ${s.label} -> ${s.outcome}`));
  // JSON inside <script>: escape '<' so no string can close the script element.
  const data = JSON.stringify({ svgs, labels }).replace(/</g, '\\u003c');
  const last = states.length - 1;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memsim: ${esc(scenario.name)}</title>
<style>body{font-family:sans-serif;margin:16px}#controls{display:flex;gap:12px;align-items:center;margin-bottom:8px}#slider{width:420px}#label{font-family:monospace}</style>
</head><body>
<h1>${esc(scenario.name)}</h1>
<p>${esc(scenario.source)} <small>(${esc(scenario.file)})</small></p>
<div id="controls"><input id="slider" type="range" min="0" max="${last}" value="${last}" step="1" aria-label="step"><span id="label"></span></div>
<div id="view"></div>
<script id="memsim-data" type="application/json">${data}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('memsim-data').textContent);
  var slider = document.getElementById('slider');
  var view = document.getElementById('view');
  var label = document.getElementById('label');
  function draw() {
    var i = Number(slider.value);
    view.innerHTML = d.svgs[i];
    label.textContent = d.labels[i];
    document.body.setAttribute('data-step', String(i));
  }
  slider.addEventListener('input', draw);
  function fromHash() {
    var m = /step=(\\d+)/.exec(location.hash);
    if (m) { slider.value = String(Math.min(Number(m[1]), ${last})); slider.dispatchEvent(new Event('input')); }
  }
  window.addEventListener('hashchange', fromHash);
  draw();
  fromHash();
})();
</script>
</body></html>
`;
}
