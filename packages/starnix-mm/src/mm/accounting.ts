/**
 * VM accounting and resource limits: the counters behind /proc/pid/status (VmSize, VmLck, VmData), RLIMIT_AS, RLIMIT_DATA and RLIMIT_MEMLOCK checks, and setrlimit/getrlimit.
 */
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { isResource, rlimPair } from './common.js';
import type { MmState } from './state.js';
import { type MmRlimits, type Rlimit } from './types.js';

// ---------------------------------------------------------------------------------------------------------
// Accounting helpers

export function isData(flags: number): boolean {
  return (flags & (VM.WRITE | VM.SHARED | VM.GROWSDOWN)) === VM.WRITE;
}

export function account(mm: MmState, v: Vma, sign: 1 | -1): void {
  const pages = ((v.end - v.start) / PAGE) * sign;
  mm.totalVm += pages;
  if (v.flags & VM.LOCKED) mm.lockedVm += pages;
  if (isData(v.flags)) mm.dataVm += pages;
}

/** may_expand_vm */
export function mayExpand(mm: MmState, flags: number, pages: number): boolean {
  if (mm.totalVm + pages > Math.floor(mm.rlimits.AS.cur / PAGE)) return false;
  if (isData(flags) && mm.dataVm + pages > Math.floor(mm.rlimits.DATA.cur / PAGE)) {
    if (mm.rlimits.DATA.cur === 0 && mm.dataVm + pages <= Math.floor(mm.rlimits.DATA.max / PAGE)) return true;
    return false;
  }
  return true;
}

/** mlock_future_ok */
export function mlockFutureOk(mm: MmState, flags: number, bytes: number): boolean {
  if (!(flags & VM.LOCKED) || mm.capIpcLock) return true;
  return bytes / PAGE + mm.lockedVm <= Math.floor(mm.rlimits.MEMLOCK.cur / PAGE);
}

export function canDoMlock(mm: MmState): boolean {
  return mm.rlimits.MEMLOCK.cur !== 0 || mm.capIpcLock;
}

// ---------------------------------------------------------------------------------------------------------
// rlimits

/** setrlimit for the memory limits (bytes; Infinity = RLIM_INFINITY). */
export function setrlimit(mm: MmState, resource: keyof MmRlimits, cur: number, max: number = cur): void {
  if (!isResource(resource)) fail('EINVAL');
  const { cur: c, max: m } = rlimPair(cur, max, resource);
  cur = c;
  max = m;
  const old = mm.rlimits[resource];
  if (max > old.max && !mm.capIpcLock && resource !== 'MEMLOCK') {
    // Raising the hard limit needs CAP_SYS_RESOURCE; the model's process has it (the probe runs as root).
  }
  mm.rlimits[resource] = { cur, max };
}

export function getrlimit(mm: MmState, resource: keyof MmRlimits): Rlimit {
  if (!isResource(resource)) fail('EINVAL');
  return { ...mm.rlimits[resource] };
}
