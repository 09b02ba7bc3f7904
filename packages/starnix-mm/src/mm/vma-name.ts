/**
 * prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME): naming anonymous VMAs.
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { U64MAX, isAligned, pageAlignBig } from './common.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { modify, walk } from './vma-ops.js';

/** prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name). `null` clears the name. */
export function setVmaAnonName(mm: MmState, addr: SysInt, length: SysInt, name: string | null): number {
  live(mm);
  try {
    // Without CONFIG_ANON_VMA_NAME, prctl_set_vma is a stub that refuses everything.
    if (!mm.profile.anonVmaName) fail('EINVAL');
    if (name !== null) {
      if (typeof name !== 'string') fail('EFAULT');
      const bytes = new TextEncoder().encode(name);
      if (bytes.length >= 80) fail('EINVAL');
      for (const ch of bytes) if (ch < 0x20 || ch > 0x7e || '\\`$[]'.includes(String.fromCharCode(ch))) fail('EINVAL');
    }
    const a = u64(addr, 'addr');
    if (!isAligned(a)) fail('EINVAL');
    const l = u64(length, 'length');
    const len = pageAlignBig(l);
    if (l !== 0n && len === 0n) fail('EINVAL');
    const endB = a + len;
    if (endB > U64MAX) fail('EINVAL');
    if (endB === a) return 0;
    if (a >= BigInt(mm.taskSize)) fail('ENOMEM');
    const end = endB > BigInt(mm.taskSize) ? mm.taskSize + PAGE : Number(endB);
    return walk(mm, Number(a), end, (v, s, e) => {
      if (v.backing.kind === 'file') fail('EBADF');
      if (v.anonName === name) return;
      return modify(mm, v, s, e, (x) => (x.anonName = name));
    });
  } finally {
    flushPins(mm);
  }
}
