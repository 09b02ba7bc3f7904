/**
 * mlock(2), mlock2, munlock, mlockall and munlockall (Linux mm/mlock.c).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { canDoMlock } from './accounting.js';
import { LOCK_MASK, U64MAX, pageAlignBig } from './common.js';
import { populate } from './fault.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { modify } from './vma-ops.js';

// ---------------------------------------------------------------------------------------------------------
// mlock family

/** mlock(2). */
export function mlock(mm: MmState, addr: SysInt, length: SysInt): number {
  live(mm);
  try {
    return doMlock(mm, addr, length, VM.LOCKED);
  } finally {
    flushPins(mm);
  }
}

/** mlock2(2): flags may be MLOCK_ONFAULT (1). */
export function mlock2(mm: MmState, addr: SysInt, length: SysInt, flags: SysInt = 0): number {
  live(mm);
  try {
    const f = Number(BigInt.asUintN(32, u64(flags, 'flags')));
    if (f & ~1) fail('EINVAL');
    return doMlock(mm, addr, length, f & 1 ? VM.LOCKED | VM.LOCKONFAULT : VM.LOCKED);
  } finally {
    flushPins(mm);
  }
}

export function lockRange(mm: MmState, addr: SysInt, length: SysInt): [number, number] {
  const a = u64(addr, 'addr');
  const l = u64(length, 'length');
  const start = a & ~4095n;
  const len = pageAlignBig(l + (a & 4095n));
  const endB = start + len;
  if (endB > U64MAX) fail('EINVAL');
  const ts = BigInt(mm.taskSize);
  const s = Number(start > ts ? ts + 4096n : start);
  // An empty range is a no-op wherever it starts (apply_vma_lock_flags returns before looking up any VMA).
  if (endB === start) return [s, s];
  return [s, Number(endB > ts ? ts + 8192n : endB)];
}

export function doMlock(mm: MmState, addr: SysInt, length: SysInt, flags: number): number {
  if (!canDoMlock(mm)) fail('EPERM');
  const [start, end] = lockRange(mm, addr, length);
  const limit = Math.floor(mm.rlimits.MEMLOCK.cur / PAGE);
  let locked = (end - start) / PAGE + mm.lockedVm;
  if (locked > limit && !mm.capIpcLock) locked -= countLocked(mm, start, end);
  if (!(locked <= limit || mm.capIpcLock)) fail('ENOMEM');
  applyLock(mm, start, end, flags);
  if (!populate(mm, start, end, false)) fail('ENOMEM');
  return 0;
}

export function countLocked(mm: MmState, start: number, end: number): number {
  let n = 0;
  for (const v of mm.tree.range(start, end)) {
    if (v.flags & VM.LOCKED) n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE;
  }
  return n;
}

/** apply_vma_lock_flags */
export function applyLock(mm: MmState, start: number, end: number, flags: number): void {
  if (end === start) return;
  let v = mm.tree.find(start);
  if (!v) fail('ENOMEM');
  let tmp = v.start;
  let nstart = start;
  while (v && v.start < end) {
    if (v.start !== tmp) fail('ENOMEM');
    tmp = Math.min(v.end, end);
    // mlock_fixup leaves VM_DROPPABLE VMAs unlocked (and succeeds).
    const nf = v.flags & VM.DROPPABLE ? v.flags : (v.flags & ~LOCK_MASK) | flags;
    let after: Vma = v;
    if (nf !== v.flags) {
      after = modify(mm, v, nstart, tmp, (x) => {
        x.flags = nf;
      });
    }
    tmp = after.end;
    nstart = tmp;
    if (tmp >= end) break;
    v = mm.tree.findFrom(tmp);
  }
  if (tmp < end) fail('ENOMEM');
}

/** munlock(2). */
export function munlock(mm: MmState, addr: SysInt, length: SysInt): number {
  live(mm);
  try {
    const [start, end] = lockRange(mm, addr, length);
    applyLock(mm, start, end, 0);
    return 0;
  } finally {
    flushPins(mm);
  }
}

/** mlockall(2): MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4. */
export function mlockall(mm: MmState, flags: SysInt): number {
  live(mm);
  try {
    const f = Number(BigInt.asUintN(32, u64(flags, 'flags')));
    if (!f || f & ~7 || f === 4) fail('EINVAL');
    if (!canDoMlock(mm)) fail('EPERM');
    const limit = Math.floor(mm.rlimits.MEMLOCK.cur / PAGE);
    if (f & 1 && !(mm.totalVm <= limit) && !mm.capIpcLock) fail('ENOMEM');
    const add = f & 4 ? VM.LOCKED | VM.LOCKONFAULT : VM.LOCKED;
    mm.defFlags &= ~LOCK_MASK;
    if (f & 2) mm.defFlags |= add;
    if (f & 1) {
      for (const v of [...mm.tree]) {
        const nf = v.flags & VM.DROPPABLE ? v.flags : (v.flags & ~LOCK_MASK) | add;
        if (nf !== v.flags && mm.tree.find(v.start) === v) modify(mm, v, v.start, v.end, (x) => (x.flags = nf));
      }
      populate(mm, mm.minAddr, mm.taskSize, true);
    }
    return 0;
  } finally {
    flushPins(mm);
  }
}

/** munlockall(2). */
export function munlockall(mm: MmState): number {
  live(mm);
  try {
    mm.defFlags &= ~LOCK_MASK;
    for (const v of [...mm.tree]) {
      if (v.flags & LOCK_MASK && mm.tree.find(v.start) === v) modify(mm, v, v.start, v.end, (x) => (x.flags &= ~LOCK_MASK));
    }
    return 0;
  } finally {
    flushPins(mm);
  }
}
