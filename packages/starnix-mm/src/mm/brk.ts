/**
 * brk(2).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { backingOf } from './anon-backing/select.js';
import { PAGE, VM } from '../abi/constants.js';
import { mayExpand } from './accounting.js';
import { INF, pageUp } from './common.js';
import { populate } from './fault.js';
import { unmapRange } from './munmap.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { insert, newVma, setEnd } from './vma-ops.js';
import { checkUnmap } from './mseal.js';

// ---------------------------------------------------------------------------------------------------------
// brk, msync, mincore, prctl

/** brk(2): never fails; returns the new break, or the current one when the request cannot be met. */
export function brk(mm: MmState, addr: SysInt): number {
  // brk never throws: a gone address space keeps its break, which is how brk reports failure.
  if (mm.disposed) return mm.brkValue;
  try {
    let b: bigint;
    try {
      b = u64(addr, 'addr');
    } catch {
      return mm.brkValue;
    }
    if (b < BigInt(mm.startBrk) || b > BigInt(mm.taskSize)) return mm.brkValue;
    const brk = Number(b);
    if (mm.rlimits.DATA.cur !== INF && brk - mm.startBrk > mm.rlimits.DATA.cur) return mm.brkValue;
    const newbrk = pageUp(brk);
    const oldbrk = pageUp(mm.brkValue);
    if (oldbrk === newbrk) {
      mm.brkValue = brk;
      return brk;
    }
    if (brk <= mm.brkValue) {
      // do_vmi_align_munmap refusing (a sealed heap, or vm.max_map_count) leaves the break where it was.
      try {
        checkUnmap(mm, newbrk, oldbrk);
      } catch {
        return mm.brkValue;
      }
      mm.brkValue = brk;
      unmapRange(mm, newbrk, oldbrk);
      return brk;
    }
    const next = mm.tree.findFrom(oldbrk);
    if (next && newbrk + PAGE > mm.tree.startGap(next)) return mm.brkValue;
    const flags = VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.ACCOUNT | mm.defFlags;
    const len = newbrk - oldbrk;
    if (!mayExpand(mm, flags, len / PAGE)) return mm.brkValue;
    const prev = mm.tree.findBefore(oldbrk);
    // do_brk_flags grows the heap VMA in place only if it may merge: not a forked child's VMA with an anon_vma
    // (its anon_vma chain is not singular), which gets a second [heap] VMA instead.
    const forked = prev !== undefined && prev.anonVma !== 0 && prev.anonForked;
    if (prev && !forked && prev.end === oldbrk && prev.start >= mm.startBrk && prev.flags === flags && prev.backing.kind === 'anon' && prev.anonName === null) {
      const from = backingOf(mm).grown(mm, prev, newbrk);
      setEnd(mm, prev, newbrk);
      mm.zx.map(prev, from, newbrk);
    } else {
      const v = newVma(mm, oldbrk, newbrk, flags, backingOf(mm).create(mm, oldbrk, newbrk), oldbrk / PAGE);
      insert(mm, v);
    }
    mm.brkValue = brk;
    if (mm.defFlags & VM.LOCKED) populate(mm, oldbrk, newbrk, true);
    return brk;
  } finally {
    flushPins(mm);
  }
}
