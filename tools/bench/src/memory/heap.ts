import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MemoryManager } from '@memsim/starnix-mm';
import { buildField, newProcess, PAGE, PRIVATE_ANON, RW, touchPages } from '../model/field.js';

/** Memory cost of the model, measured from heap deltas around many objects. */
export interface MemoryResult {
  /** VMAs in the field measured. */
  readonly vmas: number;
  /** V8 heap bytes per VMA (VMA record, tree node, Zircon mapping and everything they hold). */
  readonly heapBytesPerVma: number;
  /** External (ArrayBuffer) bytes per VMA. */
  readonly externalBytesPerVma: number;
  /** Pages touched. */
  readonly pages: number;
  /** V8 heap bytes per touched page (page bookkeeping). */
  readonly heapBytesPerPage: number;
  /** ArrayBuffer bytes per touched page (the page contents). */
  readonly externalBytesPerPage: number;
  /** heap + external per touched page. */
  readonly totalBytesPerPage: number;
}

/** The V8 garbage collector (exposing it if Node was started without --expose-gc). */
export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  // Not started with --expose-gc: turn it on now and fetch gc from a fresh context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function settle(gc: () => void): { heap: number; external: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.arrayBuffers };
}

/** Measures heap bytes per VMA (a field of `vmas` VMAs) and per touched page (`pages` first-touched pages). */
export function measureMemory(vmas: number, pages: number): MemoryResult {
  const gc = getGc();
  const keep: MemoryManager[] = [];
  // VMAs: the process exists before the baseline, so only the field is counted.
  const a = newProcess();
  keep.push(a);
  const a0 = settle(gc);
  buildField(vmas, a);
  const a1 = settle(gc);
  // Pages: the mapping exists before the baseline, so only the touched pages are counted.
  const b = newProcess();
  keep.push(b);
  const p = b.mmap(0, pages * PAGE, RW, PRIVATE_ANON);
  const b0 = settle(gc);
  touchPages(b, p, pages);
  const b1 = settle(gc);
  const result: MemoryResult = {
    vmas,
    heapBytesPerVma: (a1.heap - a0.heap) / vmas,
    externalBytesPerVma: (a1.external - a0.external) / vmas,
    pages,
    heapBytesPerPage: (b1.heap - b0.heap) / pages,
    externalBytesPerPage: (b1.external - b0.external) / pages,
    totalBytesPerPage: (b1.heap - b0.heap + b1.external - b0.external) / pages,
  };
  if (keep.length !== 2 || a.vmaCount < vmas) throw new Error('field was not built');
  return result;
}
