/**
 * /proc/PID/mem: the access path debuggers and checkpoint tools use (mem_rw with FOLL_FORCE): it ignores the
 * mapping's protection where Linux allows (not guard regions), breaks copy-on-write when writing to read-only
 * private mappings, and does not wait for userfaultfd (a page userfaultfd would have to supply ends the transfer;
 * EIO if it is the first).
 */
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { type Vma } from '../vma/vma.js';
import { pageDown } from './common.js';
import { expandStack, readFault, uffdFaultFor } from './fault.js';
import { noteWrite } from './pages.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { anonVmaPrepare, objectEnd } from './vma-ops.js';
import { ZirconSpace } from './zircon-space.js';

/**
 * check_vma_flags with FOLL_FORCE: a read needs VM_READ or VM_MAYREAD; a write needs VM_WRITE or a copy-on-write
 * mapping (private, VM_MAYWRITE). Then the page must be reachable without SIGBUS (inside the object, not poisoned)
 * and without userfaultfd (a remote GUP cannot retry, so handle_userfault fails it).
 */
function forcedPage(mm: MmState, at: number, write: boolean): Vma | undefined {
  // GUP does not expand stacks (Linux 6.5+); transfer() does, as __access_remote_vm does.
  const v = mm.tree.find(at);
  if (!v) return undefined;
  const f = v.flags;
  if (write) {
    const cow = (f & (VM.SHARED | VM.MAYWRITE)) === VM.MAYWRITE;
    if (!(f & VM.WRITE) && !cow) return undefined;
  } else if (!(f & (VM.READ | VM.MAYREAD))) return undefined;
  const lim = objectEnd(mm, v);
  if (lim !== undefined && at >= lim) return undefined;
  if (mm.uffdPoison.has(pageDown(at))) return undefined;
  // A guard marker faults as SIGSEGV would, so GUP fails there too (Linux 6.18: EIO at a guard page, reads and writes).
  if (mm.guards.size !== 0 && mm.guards.has(pageDown(at))) return undefined;
  const uffd = uffdFaultFor(mm, v, at, write, false);
  if (uffd) {
    // do_anonymous_page prepares the anon_vma of a write fault before it hands a missing page to userfaultfd, so a
    // forced write that stops there still leaves the VMA its anon_vma (which decides later merges; Linux 6.18, found
    // by --fuzz seed 21). A write-protect fault is handed over before any preparing.
    if (write && uffd.access.wp !== true && !(f & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
    return undefined;
  }
  return v;
}

/**
 * mem_rw: access_remote_vm calls of up to a page of bytes each, from where the last one stopped. Each call first
 * grows a MAP_GROWSDOWN VMA down to its address when no VMA holds it (__access_remote_vm's expand_stack; GUP itself
 * does not), then copies page by page until a page cannot be reached; a call that moved nothing ends the transfer.
 */
function transfer(mm: MmState, a: number, len: number, write: boolean, copy: (v: Vma, at: number, chunk: number) => void): number {
  let done = 0;
  let callEnd = a;
  while (done < len) {
    const at = a + done;
    const fresh = at === callEnd;
    if (fresh) {
      callEnd = at + Math.min(len - done, PAGE);
      if (!mm.tree.find(at)) expandStack(mm, at);
    }
    const chunk = Math.min(callEnd - at, PAGE - (at % PAGE));
    const v = forcedPage(mm, at, write);
    if (!v) {
      if (fresh) break;
      // The call returns short; mem_rw calls again from this address.
      callEnd = at;
      continue;
    }
    copy(v, at, chunk);
    done += chunk;
  }
  if (done === 0 && len > 0) fail('EIO', '/proc/PID/mem: the address cannot be accessed');
  return done;
}

function start(mm: MmState, addr: SysInt): number {
  const a = u64(addr, 'addr');
  if (a >= BigInt(mm.taskSize)) fail('EIO', '/proc/PID/mem: past the user address space');
  return Number(a);
}

/**
 * pread(2) of /proc/PID/mem at `addr`: up to `length` bytes, stopping at the first page that cannot be read; EIO
 * when none can. Reads PROT_NONE memory (FOLL_FORCE).
 */
export function procMemRead(mm: MmState, addr: SysInt, length: SysInt): Uint8Array {
  live(mm);
  try {
    const l = u64(length, 'length');
    if (l > 1n << 32n) fail('EINVAL', '/proc/PID/mem: read too large');
    if (l === 0n) return new Uint8Array(0);
    const a = start(mm, addr);
    const out = new Uint8Array(Number(l));
    const done = transfer(mm, a, out.length, false, (v, at, chunk) => {
      readFault(mm, v, at);
      const t = ZirconSpace.target(mm.zx, v, at);
      t.vmo.readInto(out.subarray(at - a, at - a + chunk), t.offset);
    });
    return done === out.length ? out : out.slice(0, done);
  } finally {
    flushPins(mm);
  }
}

/**
 * pwrite(2) of /proc/PID/mem at `addr`: the bytes written, stopping at the first page that cannot be written; EIO
 * when none can. A read-only private mapping gets a private copy of the page (copy-on-write broken, the file
 * untouched); a read-only shared mapping cannot be written.
 */
export function procMemWrite(mm: MmState, addr: SysInt, data: Uint8Array): number {
  live(mm);
  if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
  try {
    if (data.length === 0) return 0;
    const a = start(mm, addr);
    return transfer(mm, a, data.length, true, (v, at, chunk) => {
      if (!(v.flags & VM.SHARED) && v.anonVma === 0) anonVmaPrepare(mm, v);
      const t = ZirconSpace.writeTarget(mm.zx, v, at);
      t.vmo.write(data.subarray(at - a, at - a + chunk), t.offset);
      if (v.backing.kind === 'anon') mm.zeroMapped.delete(pageDown(at));
      noteWrite(mm, v, at);
    });
  } finally {
    flushPins(mm);
  }
}
