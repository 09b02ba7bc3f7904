/**
 * The `zircon_anon` op: the Zircon side of a window's private anonymous memory in the model (which VMOs back it,
 * how they are cloned and sized, and where the user VMAR maps them). Only the model answers it.
 */
import type { MemoryManager } from '@memsim/starnix-mm';

/** One VMO of the window, numbered in creation (koid) order. */
interface AnonVmoView {
  vmo: number;
  name: string;
  size: number;
  committed: number;
  /** The number of the VMO it is a snapshot child of, or null. */
  parent: number | null;
}

/** One Zircon mapping of the window onto a private anonymous VMO. */
interface AnonMappingView {
  addr: number;
  size: number;
  vmo: number;
  offset: number;
  /** The VMO offset equals the address (the single design's rule). */
  offset_is_address: boolean;
}

/** The design and the private anonymous VMOs mapped in [base, base + size), with their mappings. */
export function zirconAnonView(mm: MemoryManager, base: number, size: number): { backing: string; vmos: AnonVmoView[]; mappings: AnonMappingView[] } {
  const infos = mm.anonVmos();
  const byKoid = new Map(infos.map((i) => [i.koid, i]));
  const records = mm.userVmar
    .mapsInfo()
    .records.filter((r) => r.depth > 0 && r.mapping && r.base >= base && r.base < base + size && byKoid.has(r.mapping.vmoKoid));
  const mapped = [...new Set(records.map((r) => r.mapping?.vmoKoid as number))].sort((a, b) => a - b);
  const number = new Map(mapped.map((k, i) => [k, i]));
  const vmos = mapped.map((k) => {
    const i = byKoid.get(k);
    return { vmo: number.get(k) as number, name: i?.name ?? '', size: i?.size ?? 0, committed: i?.committedBytes ?? 0, parent: i?.parentKoid == null ? null : (number.get(i.parentKoid) ?? null) };
  });
  const mappings = records.map((r) => ({
    addr: r.base - base,
    size: r.size,
    vmo: number.get(r.mapping?.vmoKoid as number) as number,
    offset: r.mapping?.vmoOffset ?? 0,
    offset_is_address: r.mapping?.vmoOffset === r.base,
  }));
  return { backing: mm.anonymousBacking, vmos, mappings };
}
