/**
 * mprotect(2) (Linux mm/mprotect.c).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE, Prot, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { U64MAX, isAligned, isSmall, low32, pageAlignBig, pageUp, smallAligned } from './common.js';
import { populate } from './fault.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { modify } from './vma-ops.js';

/** mprotect(2), including PROT_GROWSDOWN and the partial effects before a hole. */
export function mprotect(mm: MmState, addr: SysInt, length: SysInt, prot: SysInt): number {
  live(mm);
  try {
    const small = isSmall(addr) && isSmall(length) && isSmall(prot);
    const a = small ? 0n : u64(addr, 'addr');
    const l = small ? 0n : u64(length, 'length');
    let pr = small ? low32(prot) : Number(BigInt.asUintN(32, u64(prot, 'prot')));
    const grows = pr & (Prot.GROWSDOWN | Prot.GROWSUP);
    pr &= ~grows;
    let start: number;
    let end: number;
    if (small) {
      if (grows === (Prot.GROWSDOWN | Prot.GROWSUP)) fail('EINVAL');
      if (!smallAligned(addr)) fail('EINVAL');
      if (length === 0) return 0;
      // Below 2^48 the end neither wraps nor equals the start.
      const endN = addr + pageUp(length);
      if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) fail('EINVAL');
      if (addr >= mm.taskSize) fail('ENOMEM');
      start = addr;
      end = endN > mm.taskSize ? mm.taskSize + PAGE : endN;
    } else {
      if (grows === (Prot.GROWSDOWN | Prot.GROWSUP)) fail('EINVAL');
      if (!isAligned(a)) fail('EINVAL');
      if (l === 0n) return 0;
      const len = pageAlignBig(l);
      const endB = a + len;
      if (endB > U64MAX || endB <= a || len === 0n) fail('ENOMEM');
      if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) fail('EINVAL');
      if (a >= BigInt(mm.taskSize)) fail('ENOMEM');
      start = Number(a);
      end = endB > BigInt(mm.taskSize) ? mm.taskSize + PAGE : Number(endB);
    }
    let v = mm.tree.findFrom(start);
    if (!v) fail('ENOMEM');
    if (grows & Prot.GROWSDOWN) {
      if (v.start >= end) fail('ENOMEM');
      start = v.start;
      if (!(v.flags & VM.GROWSDOWN)) fail('EINVAL');
    } else {
      if (v.start > start) fail('ENOMEM');
      // x86 has no VM_GROWSUP mappings: PROT_GROWSUP fails once a VMA is found.
      if (grows & Prot.GROWSUP) fail('EINVAL');
    }
    let tmp = v.start;
    let nstart = start;
    const want = pr & 7;
    while (v && v.start < end) {
      if (v.start !== tmp) fail('ENOMEM');
      let newFlags = want | (v.flags & ~(VM.READ | VM.WRITE | VM.EXEC));
      if (newFlags & ~(newFlags >> 4) & (VM.READ | VM.WRITE | VM.EXEC)) fail('EACCES');
      // mprotect_fixup: a sealed VMA refuses even an unchanged protection; the VMAs before it keep theirs.
      if (v.flags & VM.SEALED) fail('EPERM');
      tmp = Math.min(v.end, end);
      const old = v.flags;
      if (newFlags & VM.WRITE) {
        if (!(old & (VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE))) newFlags |= VM.ACCOUNT;
      } else if (old & VM.ACCOUNT && v.backing.kind === 'anon' && v.anonVma === 0 && mm.profile.mprotectAccount === 'drop-without-anon-vma') {
        newFlags &= ~VM.ACCOUNT;
      }
      let after: Vma = v;
      if (newFlags !== old) {
        const nf = newFlags;
        after = modify(mm, v, nstart, tmp, (x) => {
          x.flags = nf;
        });
        // mprotect_fixup: a locked private VMA that becomes writable is populated (COW-broken) right away.
        if ((old & (VM.WRITE | VM.SHARED | VM.LOCKED)) === VM.LOCKED && nf & VM.WRITE) populate(mm, nstart, tmp, true);
      }
      // Like vma_iter_end(): continue after the (possibly merged) VMA that now holds the range.
      tmp = after.end;
      nstart = tmp;
      if (tmp >= end) break;
      v = mm.tree.findFrom(tmp);
    }
    if (tmp < end) fail('ENOMEM');
    return 0;
  } finally {
    flushPins(mm);
  }
}
