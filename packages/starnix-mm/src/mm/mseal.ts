/**
 * mseal(2) (Linux mm/mseal.c, 6.10+) and the checks sealing adds to the calls that unmap, remap or change VMAs,
 * with vm.max_map_count's limit on the splits they make (mm/vma.c).
 *
 * Measured on Linux 6.18: a sealed VMA refuses munmap, MAP_FIXED over it, mremap (as source or destination) and
 * mprotect with EPERM, and the discarding madvise calls when it is private anonymous memory the caller could not
 * write anyway. munmap and MAP_FIXED change nothing, except that the first VMA, when unsealed and cut by the start of
 * the range, is already split when a later sealed VMA stops the call; mprotect and madvise keep what they did to the
 * VMAs before the sealed one.
 */
import { type SysInt, u64 } from '../abi/args.js';
import { Advice, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { U64MAX, isAligned, pageAlignBig, sliceVma } from './common.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { dirty, modify } from './vma-ops.js';

/** mseal(2): seals every VMA of [addr, addr+len); no flags are defined. */
export function mseal(mm: MmState, addr: SysInt, length: SysInt, flags: SysInt): number {
  live(mm);
  if (!mm.profile.mseal) fail('ENOSYS', `mseal does not exist in ${mm.profile.kernel}`);
  try {
    const f = u64(flags, 'flags');
    const a = u64(addr, 'addr');
    const l = u64(length, 'len');
    if (f !== 0n) fail('EINVAL');
    if (!isAligned(a)) fail('EINVAL');
    const len = pageAlignBig(l);
    // A length that rounds up to 0 from just below 2^64, or an end that wraps.
    if (l !== 0n && len === 0n) fail('EINVAL');
    const endB = a + len;
    if (endB > U64MAX) fail('EINVAL');
    if (endB === a) return 0;
    if (endB > BigInt(mm.taskSize)) fail('ENOMEM');
    const start = Number(a);
    const end = Number(endB);
    // range_contains_unmapped: any hole fails the call before anything is sealed.
    let cur = start;
    for (const v of mm.tree.range(start, end)) {
      if (v.start > cur) fail('ENOMEM');
      cur = v.end;
    }
    if (cur < end) fail('ENOMEM');
    mm.everSealed = true;
    // mseal_apply: VMA by VMA; a split refused at vm.max_map_count leaves the VMAs before it sealed.
    let v = mm.tree.findFrom(start);
    let done = false;
    while (v && v.start < end) {
      const s = Math.max(start, v.start);
      const e = Math.min(end, v.end);
      let after: Vma = v;
      if (!(v.flags & VM.SEALED)) {
        if (done) mm.partialFailure = true;
        after = modify(mm, v, s, e, (x) => {
          x.flags |= VM.SEALED;
        });
        mm.partialFailure = false;
        done = true;
      }
      v = after.end < end ? mm.tree.findFrom(after.end) : undefined;
    }
    return 0;
  } finally {
    flushPins(mm);
  }
}

/** Splits `v` at `addr` (strictly inside it) without merging: both parts keep every attribute. */
function splitAt(mm: MmState, v: Vma, addr: number): void {
  dirty(mm, v.start, v.end);
  const hi = sliceVma(v, addr, v.end);
  v.end = addr;
  mm.tree.endChanged(v);
  mm.tree.insert(hi);
}

/**
 * vms_gather_munmap_vmas' refusals, for munmap, MAP_FIXED, mremap and brk before they unmap [start, end): ENOMEM
 * when cutting one VMA in three at vm.max_map_count, EPERM when a VMA of the range is sealed. Like Linux, the first
 * VMA is split at `start` before the later VMAs are looked at, so a sealed VMA after it leaves that split behind.
 */
export function checkUnmap(mm: MmState, start: number, end: number): void {
  if (end <= start) return;
  const first = mm.tree.findFrom(start);
  if (!first || first.start >= end) return;
  const cutsStart = first.start < start;
  if (cutsStart) {
    if (end < first.end && mm.tree.size >= mm.profile.maxMapCount) fail('ENOMEM');
    if (first.flags & VM.SEALED) fail('EPERM');
  }
  if (!mm.everSealed) return;
  for (const v of mm.tree.range(start, end)) {
    if (!(v.flags & VM.SEALED)) continue;
    if (cutsStart) {
      splitAt(mm, first, start);
      // Linux keeps the split: the failure is part-way by design (validate knows).
      mm.partialFailure = true;
    }
    fail('EPERM');
  }
}

/** Whether any VMA of [start, end) is sealed (mremap's source and destination checks). */
export function anySealed(mm: MmState, start: number, end: number): boolean {
  if (!mm.everSealed) return false;
  for (const v of mm.tree.range(start, end)) if (v.flags & VM.SEALED) return true;
  return false;
}

/** The advice madvise refuses on a sealed VMA it could not write to (is_discard in mm/madvise.c). */
const DISCARD = new Set<number>([Advice.DONTNEED, Advice.DONTNEED_LOCKED, Advice.FREE, Advice.REMOVE, Advice.DONTFORK, Advice.WIPEONFORK, Advice.GUARD_INSTALL]);

/**
 * can_madvise_modify: a sealed VMA refuses discarding advice unless it is file-backed or shared, or writable
 * (the caller could zero it anyway). Checked per VMA before the advice's own checks (REMOVE on such a VMA is EPERM,
 * not EINVAL).
 */
export function madviseSealCheck(v: Vma, advice: number): void {
  if (!(v.flags & VM.SEALED) || !DISCARD.has(advice)) return;
  if (v.backing.kind !== 'anon' || v.flags & VM.SHARED || v.flags & VM.WRITE) return;
  fail('EPERM');
}
