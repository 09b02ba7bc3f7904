/**
 * What an address space holds of private anonymous memory on the Zircon side, for `MemoryManager.anonVmos()`.
 */
import type { MmState } from '../state.js';
import type { AnonVmoInfo } from './design.js';
import { backingOf } from './select.js';

/** The private anonymous VMOs of `mm`, by koid, with their clone depth counted among them. */
export function anonVmoInfos(mm: MmState): AnonVmoInfo[] {
  if (mm.disposed) return [];
  const raw = backingOf(mm)
    .vmos(mm)
    .map((vmo) => {
      const i = vmo.info();
      return { koid: i.koid, name: vmo.getName(), size: vmo.getSize(), committedBytes: i.committedBytes, parentKoid: i.parentKoid === 0 ? null : i.parentKoid };
    })
    .sort((a, b) => a.koid - b.koid);
  const byKoid = new Map(raw.map((r) => [r.koid, r]));
  const depth = (koid: number | null, seen: number): number => {
    if (koid === null || seen > raw.length) return 0;
    const r = byKoid.get(koid);
    return r ? 1 + depth(r.parentKoid, seen + 1) : 1;
  };
  return raw.map((r) => ({ ...r, depth: depth(r.parentKoid, 0) }));
}
