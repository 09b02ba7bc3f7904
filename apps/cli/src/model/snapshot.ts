import {
  MapsType,
  PAGE_SIZE,
  PressureLevel,
  VmOptions,
  VmoInfoFlags,
  type Kernel,
  type Process,
  type Vmo,
} from '@memsim/zircon-objects';
import { MAX_PAGES_SHOWN, type MemoryState, type PageResidency, type ProcessState, type RegionState, type VmoState } from './state.js';

export function permString(mmuFlags: number): string {
  return (
    (mmuFlags & VmOptions.PERM_READ ? 'r' : '-') +
    (mmuFlags & VmOptions.PERM_WRITE ? 'w' : '-') +
    (mmuFlags & VmOptions.PERM_EXECUTE ? 'x' : '-')
  );
}

export function memoryOf(kernel: Kernel): MemoryState {
  return {
    totalBytes: kernel.memory.totalBytes,
    committedBytes: kernel.memory.committedBytes(),
    compressedBytes: kernel.memory.compressedBytes(),
    freeBytes: kernel.memory.freeBytes(),
    pressure: PressureLevel[kernel.pressureLevel()] ?? String(kernel.pressureLevel()),
  };
}

export function regionsOf(process: Process): RegionState[] {
  if (process.terminated) return [];
  return process.mapsInfo().records.map((r): RegionState => {
    const kind = r.type === MapsType.ASPACE ? 'aspace' : r.type === MapsType.VMAR ? 'vmar' : 'mapping';
    if (kind !== 'mapping' || !r.mapping) return { kind, name: r.name, base: r.base, size: r.size, depth: r.depth };
    const m = r.mapping;
    return {
      kind,
      name: r.name,
      base: r.base,
      size: r.size,
      depth: r.depth,
      perms: permString(m.mmuFlags),
      vmoKoid: m.vmoKoid,
      vmoOffset: m.vmoOffset,
      committedBytes: m.committedBytes,
      populatedBytes: m.populatedBytes,
    };
  });
}

/** A maps-style listing of a Zircon process's mappings (what Starnix would print for them). */
export function zirconMapsText(regions: readonly RegionState[]): string {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  return regions
    .filter((r) => r.kind === 'mapping')
    .map((r) => {
      const line = `${hex(r.base)}-${hex(r.base + r.size)} ${r.perms}p ${hex(r.vmoOffset ?? 0)} 00:00 ${r.vmoKoid ?? 0}`;
      return r.name ? `${line.padEnd(72)} ${r.name}` : line;
    })
    .join('\n');
}

export function processState(name: string, process: Process, maps?: string, smaps?: string): ProcessState {
  let koid: number;
  try {
    koid = process.koid();
  } catch {
    // A closed process handle: the process is still drawn, without its koid.
    koid = 0;
  }
  const regions = regionsOf(process);
  return { name, koid, regions, maps: maps ?? zirconMapsText(regions), ...(smaps !== undefined ? { smaps } : {}) };
}

function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(VmoInfoFlags)) if (typeof v === 'number' && v !== 0 && (flags & v) === v) out.push(k);
  return out;
}

/** The state of a VMO reachable through a handle, or undefined once its handle is closed. */
export function vmoState(vmo: Vmo): VmoState | undefined {
  if (!vmo.valid) return undefined;
  const info = vmo.info();
  const pages: PageResidency[] = [];
  const n = Math.min(MAX_PAGES_SHOWN, Math.ceil(info.sizeBytes / PAGE_SIZE));
  for (let i = 0; i < n; i++) pages.push(vmo.pageState(i * PAGE_SIZE));
  return {
    koid: info.koid,
    name: info.name,
    sizeBytes: info.sizeBytes,
    parentKoid: info.parentKoid,
    numChildren: info.numChildren,
    numMappings: info.numMappings,
    shareCount: info.shareCount,
    committedBytes: info.committedBytes,
    populatedBytes: info.populatedBytes,
    // Pages this VMO sees that are attributed elsewhere: read copy-on-write from an ancestor (hidden node).
    sharedBytes: Math.max(0, pages.filter((p) => p === 'committed').length * PAGE_SIZE - info.committedBytes),
    flags: flagNames(info.flags),
    pages,
    viaHandle: true,
  };
}

/**
 * VMOs known through mappings only (no handle left, or a Linux address space): what INFO_MAPS says of them.
 */
export function mappedOnlyVmos(processes: readonly ProcessState[], known: ReadonlySet<number>): VmoState[] {
  const byKoid = new Map<number, { name: string; size: number; committed: number; populated: number; mappings: number }>();
  for (const p of processes) {
    for (const r of p.regions) {
      if (r.kind !== 'mapping' || r.vmoKoid === undefined || known.has(r.vmoKoid)) continue;
      const e = byKoid.get(r.vmoKoid) ?? { name: r.name, size: 0, committed: 0, populated: 0, mappings: 0 };
      // Mapping records attribute pages per mapping; sum them and cover the mapped extent.
      e.size = Math.max(e.size, (r.vmoOffset ?? 0) + r.size);
      e.committed += r.committedBytes ?? 0;
      e.populated += r.populatedBytes ?? 0;
      e.mappings++;
      byKoid.set(r.vmoKoid, e);
    }
  }
  return [...byKoid.entries()].map(([koid, e]) => ({
    koid,
    name: e.name,
    sizeBytes: e.size,
    parentKoid: 0,
    numChildren: 0,
    numMappings: e.mappings,
    shareCount: e.mappings,
    committedBytes: e.committed,
    populatedBytes: e.populated,
    sharedBytes: 0,
    flags: [],
    pages: [],
    viaHandle: false,
  }));
}
