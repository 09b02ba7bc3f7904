/**
 * mlock as Starnix does it: locked ranges pinned in the kernel's shadow process, re-synced for the ranges a system call changed.
 */
import { PAGE, VM } from '../abi/constants.js';
import type { MmState } from './state.js';
import { type Pin } from './types.js';
import { objectEnd } from './vma-ops.js';
import { ZirconSpace } from './zircon-space.js';
import { backingOf } from './anon-backing/select.js';

// ---------------------------------------------------------------------------------------------------------
// Pinning

/**
 * Re-pins [start, end): pins overlapping it are released and every VM_LOCKED part is mapped into the shadow
 * process again, so locked pages are exactly the pinned ones (and never reclaimed).
 */
export function syncPins(mm: MmState, start: number, end: number): void {
  if (mm.pins.length === 0 && mm.lockedVm === 0) return;
  let lo = start;
  let hi = end;
  // Pins are disjoint and sorted, so the ones overlapping [start, end) are one run, found by binary search;
  // everything before it ends below lo and everything after starts at or above hi.
  const pins = mm.pins;
  let first = 0;
  for (let top = pins.length; first < top; ) {
    const mid = (first + top) >>> 1;
    if (pins[mid].end > start) top = mid;
    else first = mid + 1;
  }
  let last = first;
  for (; last < pins.length && pins[last].start < end; last++) {
    const p = pins[last];
    lo = Math.min(lo, p.start);
    hi = Math.max(hi, p.end);
    p.mapping[Symbol.dispose]();
  }
  const fresh: Pin[] = [];
  try {
    for (const v of mm.tree.range(lo, hi)) {
      if (!(v.flags & VM.LOCKED)) continue;
      let s = Math.max(lo, v.start);
      let e = Math.min(hi, v.end);
      const limit = objectEnd(mm, v);
      if (limit !== undefined) e = Math.min(e, limit);
      while (s < e) {
        // A private file mapping's pages may live in two objects (copied or not): pin page by page there.
        const t = ZirconSpace.target(mm.zx, v, s);
        const chunk = v.backing.kind === 'file' && v.backing.cow ? PAGE : Math.min(e - s, t.vmo.getSize() - t.offset);
        if (chunk <= 0) break;
        fresh.push({ start: s, end: s + chunk, mapping: mm.counters.pinning.pin(t.vmo, t.offset, chunk) });
        s += chunk;
      }
    }
  } finally {
    // The released run is replaced by the new pins (also those made before a failure), keeping the order.
    if (fresh.length <= 1024) pins.splice(first, last - first, ...fresh);
    else mm.pins = pins.slice(0, first).concat(fresh, pins.slice(last));
  }
}

export function flushPins(mm: MmState): void {
  if (mm.dirtyHi > mm.dirtyLo) {
    const lo = mm.dirtyLo;
    const hi = mm.dirtyHi;
    mm.dirtyLo = Infinity;
    mm.dirtyHi = -Infinity;
    if (!mm.disposed) syncPins(mm, lo, hi);
  }
  // 'per-mapping': VMOs no VMA maps any longer are closed once the call is done (a call may make the new ones
  // before it unmaps what they replace). Also after a call that changed no VMA: a failed mmap may have made a VMO.
  // The sweep looks only at the VMOs the call made or released, so it costs nothing when there are none.
  if (!mm.disposed && mm.zx.anonObjects.size > 0) backingOf(mm).sweep(mm);
}
