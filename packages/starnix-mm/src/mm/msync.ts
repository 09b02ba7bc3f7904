/**
 * msync(2) (Linux mm/msync.c).
 */
import { type SysInt, i32, u64 } from '../abi/args.js';
import { MsyncFlags, PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { U64MAX, isAligned, pageAlignBig } from './common.js';
import type { MmState } from './state.js';
import { live } from './state.js';

/** msync(2). */
export function msync(mm: MmState, addr: SysInt, length: SysInt, flags: SysInt): number {
  live(mm);
  const f = i32(flags, 'flags');
  if (f & ~(MsyncFlags.ASYNC | MsyncFlags.INVALIDATE | MsyncFlags.SYNC)) fail('EINVAL');
  const a = u64(addr, 'addr');
  if (!isAligned(a)) fail('EINVAL');
  if (f & MsyncFlags.ASYNC && f & MsyncFlags.SYNC) fail('EINVAL');
  const len = pageAlignBig(u64(length, 'length'));
  const endB = a + len;
  if (endB > U64MAX && (endB & U64MAX) < a) fail('ENOMEM');
  if (endB === a) return 0;
  let start = a >= BigInt(mm.taskSize) ? mm.taskSize : Number(a);
  const end = endB > BigInt(mm.taskSize) ? mm.taskSize + PAGE : Number(endB);
  let unmapped = false;
  let v = mm.tree.findFrom(start);
  for (;;) {
    if (!v) fail('ENOMEM');
    if (start < v.start) {
      if (f === MsyncFlags.SYNC) fail('ENOMEM');
      start = v.start;
      if (start >= end) fail('ENOMEM');
      unmapped = true;
    }
    if (f & MsyncFlags.INVALIDATE && v.flags & VM.LOCKED) fail('EBUSY');
    start = v.end;
    if (start >= end) break;
    v = mm.tree.findFrom(v.end);
  }
  if (unmapped) fail('ENOMEM');
  return 0;
}
