import { LINUX_WINDOW_BASE } from '@memsim/conformance';
import { PROBE_WINDOW_SIZE } from '@memsim/linux-probe';
import type { ModelState, ProcessState, RegionState } from '../model/state.js';

const BASE = LINUX_WINDOW_BASE;
const SIZE = PROBE_WINDOW_SIZE;

/** What `inspect --relative` prints, in one line (it says which addresses a reader is looking at). */
export function relativeNote(domain: ModelState['domain']): string {
  return domain === 'linux'
    ? `offsets from the probe window base 0x${BASE.toString(16)}, as the scenario writes them ('!' marks an absolute address outside the window)`
    : "offsets from the parent VMAR's base, as vmar_map and vmar_allocate take them (the maps listing stays absolute)";
}

const inWindow = (start: number, end: number): boolean => start >= BASE && end <= BASE + SIZE;

/** A maps, smaps or pagemap-view text with window addresses made relative, the way the probe normalises them. */
function relativeMapsText(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+)( .*)?$/.exec(line);
      if (!m) return line;
      const s = parseInt(m[1], 16);
      const e = parseInt(m[2], 16);
      const hex = (n: number): string => n.toString(16).padStart(8, '0');
      return inWindow(s, e) ? `${hex(s - BASE)}-${hex(e - BASE)}${m[3] ?? ''}` : `!${m[1]}-${m[2]}${m[3] ?? ''}`;
    })
    .join('\n');
}

function relativeRegions(domain: ModelState['domain'], regions: readonly RegionState[]): RegionState[] {
  if (domain === 'linux') {
    return regions.map((r) => (inWindow(r.base, r.base + r.size) ? { ...r, base: r.base - BASE, origin: BASE } : r));
  }
  // Zircon: the offset inside the enclosing VMAR (the nearest earlier region one level up).
  const stack: RegionState[] = [];
  return regions.map((r) => {
    while (stack.length > 0 && stack[stack.length - 1].depth >= r.depth) stack.pop();
    const parent = stack[stack.length - 1];
    stack.push(r);
    return parent && parent.kind !== 'aspace' ? { ...r, base: r.base - parent.base, origin: parent.base } : r;
  });
}

/**
 * The state with addresses as a scenario writes them: Linux addresses inside the probe window become offsets from
 * its base (maps, smaps and the VMAR tree); Zircon regions become offsets inside their parent VMAR. Regions left
 * absolute have no `origin`.
 */
export function relativeState(s: ModelState): ModelState {
  const processes = s.processes.map(
    (p): ProcessState => ({
      ...p,
      regions: relativeRegions(s.domain, p.regions),
      ...(s.domain === 'linux' ? { maps: relativeMapsText(p.maps) } : {}),
      ...(s.domain === 'linux' && p.smaps !== undefined ? { smaps: relativeMapsText(p.smaps) } : {}),
      ...(s.domain === 'linux' && p.pagemap !== undefined ? { pagemap: relativeMapsText(p.pagemap) } : {}),
    }),
  );
  return { ...s, processes };
}
