/**
 * munmap(2), and the range unmapping mmap, mremap and brk share (Linux do_vmi_munmap).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { account } from './accounting.js';
import { isAligned, isSmall, pageAlignBig, pageUp, smallAligned } from './common.js';
import { releasePages } from './pages.js';
import { freeTablesOfUnmap, keepTablesOfZap } from './page-tables.js';
import { backingOf } from './anon-backing/select.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { raiseUffd, refuseBlockingUffd } from './uffd-events.js';
import { cutVma, dirty } from './vma-ops.js';
import { checkUnmap } from './mseal.js';
import { type UffdContextHooks, UffdFeature } from '@memsim/userspace-swap';

/**
 * do_munmap of [start, end): no merging afterwards, as in Linux. With `overwrite` the caller maps the whole range
 * again at once with SPECIFIC_OVERWRITE, which replaces the old Zircon mappings, and a VMA that is exactly the
 * range (with no userfaultfd context) is returned still in its tree slot, pages released and size unaccounted,
 * for the new VMA to take over. `first` is the first VMA ending above `start` when the caller knows it.
 */
export function unmapRange(mm: MmState, start: number, end: number, overwrite = false, first = mm.tree.findFrom(start)): Vma | undefined {
  if (end <= start) return undefined;
  if (!first || first.start >= end) return undefined;
  keepTablesOfZap(mm, start, end, true, first);
  if (overwrite && first.start === start && first.end === end && first.uffd === 0) {
    dirty(mm, start, end);
    account(mm, first, -1);
    releasePages(mm, first, start, end);
    freeTablesOfUnmap(mm, start, end);
    return first;
  }
  const afterCut = backingOf(mm).unmapping(mm, start, end, first);
  // The distinct userfaultfd contexts of the range, in address order.
  const ctxs: UffdContextHooks[] = [];
  let v: Vma | undefined = first;
  while (v && v.start < end) {
    const reg = mm.counters.uffd.get(v.uffd);
    if (reg && !ctxs.includes(reg.ctx)) ctxs.push(reg.ctx);
    const s = Math.max(v.start, start);
    const e = Math.min(v.end, end);
    const next: Vma | undefined = v.end < end ? mm.tree.next(v) : undefined;
    cutVma(mm, v, s, e);
    releasePages(mm, v, s, e);
    v = next;
  }
  if (!overwrite || ctxs.length > 0) mm.zx.unmap(start, end);
  freeTablesOfUnmap(mm, start, end);
  afterCut?.();
  // userfaultfd_unmap_complete: after the unmap, once per context, with the whole requested range.
  for (const ctx of ctxs) raiseUffd(mm, (t) => ctx.unmap(t, start, end));
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// munmap / mprotect

/** munmap(2). */
export function munmap(mm: MmState, addr: SysInt, length: SysInt): number {
  live(mm);
  try {
    let start: number;
    let len: number;
    if (isSmall(addr) && isSmall(length)) {
      const ts = mm.taskSize;
      if (!smallAligned(addr) || addr > ts || length > ts - addr) fail('EINVAL');
      len = pageUp(length);
      if (len === 0) fail('EINVAL');
      start = addr;
    } else {
      const a = u64(addr, 'addr');
      const l = u64(length, 'length');
      const ts = BigInt(mm.taskSize);
      if (!isAligned(a) || a > ts || l > ts - a) fail('EINVAL');
      const lenB = pageAlignBig(l);
      if (lenB === 0n) fail('EINVAL');
      start = Number(a);
      len = Number(lenB);
    }
    const end = Math.min(start + len, mm.taskSize);
    checkUnmap(mm, start, end);
    refuseBlockingUffd(mm, start, end, UffdFeature.EVENT_UNMAP, 'munmap');
    // Unmapping locked pages unlocks them; the locked count follows the VMA accounting.
    unmapRange(mm, start, end);
    return 0;
  } finally {
    flushPins(mm);
  }
}
