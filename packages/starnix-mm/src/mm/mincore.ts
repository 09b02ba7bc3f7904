/**
 * mincore(2) (Linux mm/mincore.c).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { isAligned } from './common.js';
import { resident } from './pages.js';
import type { MmState } from './state.js';
import { live } from './state.js';

/** mincore(2): one byte per page, bit 0 = resident. */
export function mincore(mm: MmState, addr: SysInt, length: SysInt): Uint8Array {
  live(mm);
  const a = u64(addr, 'addr');
  const l = u64(length, 'length');
  if (!isAligned(a)) fail('EINVAL');
  const tsMax = BigInt(0x7ffffffff000);
  if (a + l > tsMax || a + l < a) fail('ENOMEM');
  const pages = Number((l + 4095n) >> 12n);
  // do_mincore stops at the first unmapped page with ENOMEM: check coverage before sizing the vector.
  const endAddr = Number(a) + pages * PAGE;
  for (let at = Number(a); at < endAddr; ) {
    const v = mm.tree.find(at);
    if (!v) fail('ENOMEM');
    at = v.end;
  }
  if (pages > 2 ** 28) fail('ENOMEM', 'mincore vector too large for the model');
  const out = new Uint8Array(pages);
  let cur = Number(a);
  // One lookup per VMA, not per page.
  let v: Vma | undefined;
  for (let i = 0; i < pages; i++, cur += PAGE) {
    if (!v || cur >= v.end) v = mm.tree.find(cur);
    if (!v) fail('ENOMEM');
    out[i] = resident(mm, v, cur) ? 1 : 0;
  }
  return out;
}
