// The page's two views as HTML: Linux (maps, smaps totals, per process) beside Zircon (VMAR trees, VMOs, handles),
// with what changed since the previous step marked. Pure functions of the model's plain-data state.
import { bytes, hexAddr, vmoForest, type HandleView, type ModelState, type ProcessState, type VmoState } from '@memsim/cli/web';
import { ObjType, Rights } from '@memsim/zircon-objects';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The maps text of a state, what `window.memsim.linuxMaps()` returns: each process's `/proc/PID/maps` (for a Zircon
 * scenario, the CLI's maps-style listing of its mappings) under a `# process NAME` line.
 */
export function mapsText(s: ModelState): string {
  return s.processes.map((p) => `# process ${p.name}\n${p.maps.trimEnd()}${p.maps.trim() ? '\n' : ''}`).join('');
}

const SMAPS_FIELDS = ['Rss', 'Pss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Anonymous', 'Swap', 'Locked'];

/** The smaps fields summed over every VMA (kB), as smaps_rollup would give them. */
export function smapsTotals(p: ProcessState): Record<string, number> | undefined {
  if (p.smaps === undefined) return undefined;
  const out: Record<string, number> = Object.fromEntries(SMAPS_FIELDS.map((f) => [f, 0]));
  for (const line of p.smaps.split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m && m[1] in out) out[m[1]] += Number(m[2]);
  }
  return out;
}

/** Names of the rights bits set in `r`. */
export function rightsNames(r: number): string[] {
  return Object.entries(Rights)
    .filter(([, bit]) => typeof bit === 'number' && bit !== 0 && (bit & (bit - 1)) === 0 && (r & bit) !== 0)
    .map(([name]) => name);
}

function typeName(t: number): string {
  return (ObjType as unknown as Record<number, string>)[t] ?? String(t);
}

/** The Zircon view as plain JSON: what `window.memsim.zirconView()` returns. */
export function zirconView(s: ModelState, handles: readonly HandleView[]): unknown {
  return {
    step: s.step,
    processes: s.processes.map((p) => ({ name: p.name, koid: p.koid, vmars: p.regions })),
    vmos: s.vmos.map((v) => ({
      koid: v.koid,
      name: v.name,
      sizeBytes: v.sizeBytes,
      committedBytes: v.committedBytes,
      populatedBytes: v.populatedBytes,
      parentKoid: v.parentKoid,
      flags: v.flags,
      viaHandle: v.viaHandle,
    })),
    handles: handles.map((h) => ({ ...h, typeName: h.closed ? 'closed' : typeName(h.type), rightsNames: rightsNames(h.rights) })),
    memory: s.memory,
  };
}

const mark = (changed: boolean): string => (changed ? ' class="changed"' : '');

/** The Linux side: each process's maps (lines new since `prev` marked) and its smaps totals. */
export function linuxHtml(s: ModelState, prev: ModelState | undefined): string {
  if (s.domain !== 'linux') return '<p class="note">A Zircon scenario has no Linux view; its mappings are listed on the Zircon side.</p>';
  return s.processes
    .map((p) => {
      const before = new Set(prev?.processes.find((q) => q.name === p.name)?.maps.split('\n') ?? []);
      const fresh = prev !== undefined && !prev.processes.some((q) => q.name === p.name);
      const lines = p.maps.trimEnd().split('\n').filter(Boolean);
      const maps = lines.length
        ? lines.map((l) => `<span${mark(prev !== undefined && !before.has(l))}>${esc(l)}</span>`).join('\n')
        : '(no mappings)';
      const t = smapsTotals(p);
      const totals = t
        ? `<table class="totals"><tr>${Object.keys(t).map((k) => `<th>${k}</th>`).join('')}</tr><tr>${Object.values(t).map((v) => `<td>${v} kB</td>`).join('')}</tr></table>`
        : '';
      return `<section class="proc"><h3${mark(fresh)}>process ${esc(p.name)}</h3><div class="sub">/proc/self/maps</div><pre class="maps">${maps}</pre><div class="sub">smaps totals</div>${totals}</section>`;
    })
    .join('');
}

function vmoChanged(v: VmoState, prev: ModelState | undefined): boolean {
  if (!prev) return false;
  const o = prev.vmos.find((x) => x.koid === v.koid);
  return !o || o.sizeBytes !== v.sizeBytes || o.committedBytes !== v.committedBytes || o.populatedBytes !== v.populatedBytes || o.numChildren !== v.numChildren;
}

/** The Zircon side: VMAR trees, the VMOs as a clone forest, handles and rights. */
export function zirconHtml(s: ModelState, prev: ModelState | undefined, handles: readonly HandleView[]): string {
  const parts: string[] = [];
  for (const p of s.processes) {
    const before = prev?.processes.find((q) => q.name === p.name);
    const key = (r: (typeof p.regions)[number]): string => `${r.kind} ${r.base} ${r.size} ${r.perms ?? ''} ${r.vmoKoid ?? ''} ${r.committedBytes ?? ''}`;
    const old = new Set(before?.regions.map(key) ?? []);
    const rows = p.regions.map((r) => {
      const pad = '  '.repeat(r.depth);
      const range = `${hexAddr(r.base)}-${hexAddr(r.base + r.size)}`;
      const what =
        r.kind === 'mapping'
          ? `map ${range} ${r.perms ?? ''} vmo ${r.vmoKoid ?? '?'} @${hexAddr(r.vmoOffset ?? 0)} committed ${bytes(r.committedBytes ?? 0)}`
          : `${r.kind} ${range} (${bytes(r.size)})`;
      return `<span${mark(prev !== undefined && !old.has(key(r)))}>${esc(pad + what + (r.name ? ` ${r.name}` : ''))}</span>`;
    });
    parts.push(`<section class="proc"><h3>process ${esc(p.name)} <small>koid ${p.koid}</small></h3><div class="sub">VMAR tree</div><pre class="vmars">${rows.join('\n') || '(process terminated)'}</pre></section>`);
  }
  const { roots, children } = vmoForest(s.vmos);
  const rows: string[] = [];
  const walk = (v: VmoState, depth: number): void => {
    rows.push(
      `<tr${mark(vmoChanged(v, prev))}><td>${'&nbsp;&nbsp;'.repeat(depth)}${v.koid}</td><td>${esc(v.name)}</td><td>${bytes(v.sizeBytes)}</td><td>${bytes(v.committedBytes)}</td><td>${v.parentKoid || ''}</td><td>${esc(v.flags.join('|'))}${v.viaHandle ? '' : ' (mapped, no handle)'}</td></tr>`,
    );
    for (const c of children.get(v.koid) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  parts.push(
    `<div class="sub">VMOs (clone children under their parent)</div><table class="vmos"><tr><th>koid</th><th>name</th><th>size</th><th>committed</th><th>clone parent</th><th>flags</th></tr>${rows.join('') || '<tr><td colspan="6">(no VMOs)</td></tr>'}</table>`,
  );
  if (handles.length) {
    const hs = handles.map(
      (h) => `<tr><td>${esc(h.name)}</td><td>${h.closed ? 'closed' : h.koid}</td><td>${h.closed ? '' : typeName(h.type)}</td><td>${esc(rightsNames(h.rights).join(' '))}</td></tr>`,
    );
    parts.push(`<div class="sub">handles</div><table class="handles"><tr><th>bound to</th><th>koid</th><th>type</th><th>rights</th></tr>${hs.join('')}</table>`);
  }
  const m = s.memory;
  parts.push(`<div class="sub">kernel memory: committed ${bytes(m.committedBytes)}, compressed ${bytes(m.compressedBytes)}, pressure ${esc(m.pressure)}</div>`);
  return parts.join('');
}
