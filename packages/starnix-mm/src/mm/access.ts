/**
 * User-mode and kernel-mode access to the address space: read/write/execute with Linux fault signals, copy_to_user/copy_from_user, process_vm_readv/writev, and their userfaultfd-waiting async forms.
 */
import type { Vmo } from '@memsim/zircon-objects';
import { type SysInt, u64 } from '../abi/args.js';
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';
import { type Vma } from '../vma/vma.js';
import { checkTask, isSmall, pageDown } from './common.js';
import { readFault, resolveFault, uffdFaultFor } from './fault.js';
import { forget, noteWrite } from './pages.js';
import { flushPins } from './pins.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { type AccessKind, type KernelCopyGranularity, type LinuxFault, type UserAccessResult } from './types.js';
import { type UffdContextHooks, type UffdFaultAccess, type UffdTask, UffdFeature } from '@memsim/userspace-swap';
import { ZirconSpace } from './zircon-space.js';

// ---------------------------------------------------------------------------------------------------------
// Memory access

/**
 * Kernel-mode copy from user memory (copy_from_user / process_vm_readv): reads as many bytes as are accessible
 * from `addr`; EFAULT if none are.
 */
export function kernelRead(mm: MmState, addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Uint8Array {
  live(mm);
  try {
    const a = Number(checkedAddr(mm, addr));
    const l = u64(length, 'length');
    if (l > 1n << 32n) fail('EFAULT');
    const out = new Uint8Array(Number(l));
    const done = readUser(mm, a, out, granularity);
    return done === out.length ? out : out.slice(0, done);
  } finally {
    flushPins(mm);
  }
}

/**
 * {@link MemoryManager.kernelRead} into the caller's buffer, as process_vm_readv fills its local iovec: copies
 * from `addr` into `out` as far as memory is accessible and returns the byte count; EFAULT if none. Bytes of `out`
 * past the count are unchanged. Reusing one buffer saves allocating (and the host faulting in) a new one per read.
 */
export function kernelReadInto(mm: MmState, addr: SysInt, out: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
  live(mm);
  try {
    if (!(out instanceof Uint8Array)) throw new TypeError('kernelReadInto: out must be a Uint8Array');
    return readUser(mm, Number(checkedAddr(mm, addr)), out, granularity);
  } finally {
    flushPins(mm);
  }
}

export function readUser(mm: MmState, a: number, out: Uint8Array, granularity: KernelCopyGranularity): number {
  const len = out.length;
  let limit = len;
  if (granularity === 'pipe') {
    // A pipe takes page-sized buffers: a page that cannot be read whole is not read at all.
    const ok = kernelCopy(mm, a, len, () => undefined, 'read');
    if (ok < len) limit = ok - (ok % PAGE);
  }
  const done = kernelCopy(mm, a, limit, (chunk, at, v) => {
    if (chunk <= PAGE) readFault(mm, v, at);
    else {
      // A run of one private anonymous VMA: the read fault of each absent page, then one copy of the run.
      // kernelCopy makes runs only in the single design, where the address is the VMO offset.
      const anon = mm.zx.anonVmo as Vmo;
      const end = at + chunk;
      for (let p = anon.firstAbsentPage(at, chunk); p >= 0; p = p + PAGE < end ? anon.firstAbsentPage(p + PAGE, end - p - PAGE) : -1) {
        readFault(mm, v, p);
      }
    }
    const t = ZirconSpace.target(mm.zx, v, at);
    t.vmo.readInto(chunk === len ? out : out.subarray(at - a, at - a + chunk), t.offset);
  }, granularity === 'pipe' ? 'read' : 'gup-read');
  if (done === 0 && len > 0) fail('EFAULT');
  return done;
}

/** Kernel-mode copy to user memory (copy_to_user / process_vm_writev): returns bytes written; EFAULT if none. */
export function kernelWrite(mm: MmState, addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
  live(mm);
  if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
  try {
    const a = Number(checkedAddr(mm, addr));
    let limit = data.length;
    if (granularity === 'pipe') {
      // A pipe hands over page-sized buffers; a buffer that cannot be copied whole is not copied at all.
      const ok = kernelCopy(mm, a, data.length, () => undefined, 'write');
      if (ok < data.length) limit = ok - (ok % PAGE);
    }
    const done = kernelCopy(mm, a, limit, (chunk, at, v) => {
      const t = ZirconSpace.writeTarget(mm.zx, v, at);
      t.vmo.write(chunk === data.length ? data : data.subarray(at - a, at - a + chunk), t.offset);
      noteWrite(mm, v, at);
      // A run of whole pages (kernelCopy's bulk path) writes every page of it: each is soft-dirty and unshared.
      if (chunk > PAGE && (mm.profile.softDirty || mm.anonShared.active)) for (let p = at + PAGE; p < at + chunk; p += PAGE) noteWrite(mm, v, p);
    }, granularity === 'pipe' ? 'write' : 'gup-write');
    if (done === 0 && data.length > 0) fail('EFAULT');
    return done;
  } finally {
    flushPins(mm);
  }
}

export function checkedAddr(mm: MmState, addr: SysInt): bigint {
  const a = u64(addr, 'addr');
  if (a >= BigInt(mm.taskSize)) fail('EFAULT');
  return a;
}

export function kernelCopy(mm: MmState, a: number, len: number, copy: (chunk: number, at: number, v: Vma) => void, kind: AccessKind | 'gup-read' | 'gup-write'): number {
  let done = 0;
  while (done < len) {
    const at = a + done;
    let chunk = Math.min(len - done, PAGE - (at % PAGE));
    // GUP (process_vm_readv) needs VM_READ itself; a hardware access (copy_from_user) also reads write-only pages.
    const gup = kind === 'gup-read' || kind === 'gup-write';
    const r = resolveFault(mm, at, kind === 'gup-read' ? 'read' : kind === 'gup-write' ? 'write' : kind, !gup, kind === 'gup-read');
    if (r.fault) break;
    // A guard marker stops kernel copies as an unmapped page does.
    if (mm.guards.size !== 0 && mm.guards.has(pageDown(at))) break;
    if (kind === 'gup-read' && !(r.vma.flags & VM.READ)) break;
    if (mm.uffdPoison.has(pageDown(at))) break;
    const write = kind === 'write' || kind === 'gup-write';
    if (uffdFaultFor(mm, r.vma, at, write, false)) throw new UffdWouldBlockError(at, 'kernel copy');
    const v = r.vma;
    if (at % PAGE === 0 && len - done > PAGE && v.backing.kind === 'anon' && mm.zx.anonVmo !== null && mm.uffdPoison.size === 0 && mm.counters.uffd.get(v.uffd) === undefined) {
      // The rest of this private anonymous VMA, unregistered and with no poisoned page, passes every check above as
      // its first page did: copy whole pages of it as one run instead of page by page. (Writes still clear the uffd-wp
      // markers uffdFaultFor would clear page by page.)
      chunk = Math.min(len - done, v.end - at);
      chunk -= chunk % PAGE;
      // ...up to the first guard marker, which stops the copy where the page loop would.
      const guard = mm.guards.size === 0 ? undefined : mm.guards.firstIn(at, at + chunk);
      if (guard !== undefined) chunk = guard - at;
      if (write && mm.uffdWp.size > 0) forget(mm.uffdWp, at, at + chunk);
    }
    copy(chunk, at, v);
    done += chunk;
  }
  return done;
}

/**
 * The fault decision for one page of a user access: a Linux fault, a userfaultfd fault to raise (the task must
 * wait), or the VMA to access.
 */
export function accessPage(mm: MmState, at: number, kind: AccessKind): { fault: Omit<LinuxFault, 'done'> } | { vma: Vma; uffd: { ctx: UffdContextHooks; access: UffdFaultAccess } | null } {
  if (at >= mm.taskSize) return { fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: at } };
  const r = resolveFault(mm, at, kind);
  if (r.fault) return { fault: { signal: r.fault === 'BUS_ADRERR' ? 'SIGBUS' : 'SIGSEGV', code: r.fault, address: at } };
  const page = pageDown(at);
  if (mm.uffdPoison.has(page)) return { fault: { signal: 'SIGBUS', code: 'BUS_MCEERR_AR', address: at } };
  // MADV_GUARD_INSTALL markers: SIGSEGV/SEGV_MAPERR (after the VMA's own protection check, as measured).
  if (mm.guards.size !== 0 && mm.guards.has(page)) return { fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: at } };
  return { vma: r.vma, uffd: uffdFaultFor(mm, r.vma, at, kind === 'write') };
}

/** Performs one page-bounded chunk of a user access that needs no fault. */
export function accessChunk(mm: MmState, v: Vma, at: number, chunk: number, kind: AccessKind, out: Uint8Array | undefined, at0: number, data?: Uint8Array): void {
  const t = kind === 'write' ? ZirconSpace.writeTarget(mm.zx, v, at) : ZirconSpace.target(mm.zx, v, at);
  if (kind !== 'write') readFault(mm, v, at);
  // An access within one page (the usual case) passes the caller's buffer itself: no view, no copy.
  if (kind === 'read' && out) t.vmo.readInto(chunk === out.length ? out : out.subarray(at - at0, at - at0 + chunk), t.offset);
  else if (kind === 'write' && data) {
    t.vmo.write(chunk === data.length ? data : data.subarray(at - at0, at - at0 + chunk), t.offset);
    noteWrite(mm, v, at);
  }
}

/** Simulated user-mode access, faulting like Linux (the first faulting byte's address and bytes done). */
export function userAccess(mm: MmState, addr: number, len: number, kind: AccessKind, data?: Uint8Array): UserAccessResult {
  const out = kind === 'read' ? new Uint8Array(len) : undefined;
  let done = 0;
  while (done < len || (len === 0 && kind === 'execute' && done === 0)) {
    const at = addr + done;
    const chunk = Math.max(1, Math.min(len - done, PAGE - (at % PAGE)));
    const r = accessPage(mm, at, kind);
    if ('fault' in r) return { ok: false, fault: { ...r.fault, done } };
    if (r.uffd) {
      // With UFFD_FEATURE_SIGBUS handle_userfault answers VM_FAULT_SIGBUS at once, without waiting for a manager: a
      // synchronous access can report that too (as userAccessAsync does after ctx.fault).
      if (r.uffd.ctx.hasFeature(UffdFeature.SIGBUS)) return { ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: at, done } };
      throw new UffdWouldBlockError(at, `user ${kind}`);
    }
    accessChunk(mm, r.vma, at, chunk, kind, out, addr, data);
    if (kind === 'execute') return { ok: true };
    done += chunk;
  }
  return out ? { ok: true, data: out } : { ok: true };
}

/** The same access by `task`, waiting in userfaultfd like Linux's handle_userfault. */
export async function userAccessAsync(mm: MmState, task: UffdTask, addr: number, len: number, kind: AccessKind, data?: Uint8Array): Promise<UserAccessResult> {
  const out = kind === 'read' ? new Uint8Array(len) : undefined;
  let done = 0;
  try {
    while (done < len || (len === 0 && kind === 'execute' && done === 0)) {
      const at = addr + done;
      const chunk = Math.max(1, Math.min(len - done, PAGE - (at % PAGE)));
      const r = accessPage(mm, at, kind);
      if ('fault' in r) return { ok: false, fault: { ...r.fault, done } };
      if (r.uffd) {
        flushPins(mm);
        const outcome = await r.uffd.ctx.fault(task, at, r.uffd.access);
        // VM_FAULT_SIGBUS: the handler asked for it (SIGBUS feature) or the mm is gone.
        if (outcome === 'sigbus' || mm.disposed) return { ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: at, done } };
        continue;
      }
      accessChunk(mm, r.vma, at, chunk, kind, out, addr, data);
      if (kind === 'execute') return { ok: true };
      done += chunk;
    }
    return out ? { ok: true, data: out } : { ok: true };
  } finally {
    flushPins(mm);
  }
}

/** A user-mode read of `length` bytes at `addr`. */
export function read(mm: MmState, addr: SysInt, length: SysInt): UserAccessResult {
  live(mm);
  try {
    if (isSmall(addr) && isSmall(length) && length <= 2 ** 32) {
      if (addr >= mm.taskSize) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: addr, done: 0 } };
      return userAccess(mm, addr, length, 'read');
    }
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    if (l > 1n << 32n) fail('EINVAL', 'access too large');
    if (a >= BigInt(mm.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return userAccess(mm, Number(a), Number(l), 'read');
  } finally {
    flushPins(mm);
  }
}

/** A user-mode write of `data` at `addr`. */
export function write(mm: MmState, addr: SysInt, data: Uint8Array): UserAccessResult {
  live(mm);
  // As writeAsync: a buffer that is not one cannot be copied from (EFAULT), checked before the address.
  if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
  try {
    if (isSmall(addr)) {
      if (addr >= mm.taskSize) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: addr, done: 0 } };
      return userAccess(mm, addr, data.length, 'write', data);
    }
    const a = u64(addr, 'addr');
    if (a >= BigInt(mm.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return userAccess(mm, Number(a), data.length, 'write', data);
  } finally {
    flushPins(mm);
  }
}

/** A user-mode instruction fetch at `addr`. */
export function execute(mm: MmState, addr: SysInt): UserAccessResult {
  live(mm);
  try {
    const a = u64(addr, 'addr');
    if (a >= BigInt(mm.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return userAccess(mm, Number(a), 0, 'execute');
  } finally {
    flushPins(mm);
  }
}

/**
 * A user-mode read by `task` that waits in userfaultfd (a registered missing page) as Linux does. Not itself an
 * async function (that would add a promise and a turn to every fault): argument errors become a rejection, as they
 * would there.
 */
export function readAsync(mm: MmState, task: UffdTask, addr: SysInt, length: SysInt): Promise<UserAccessResult> {
  try {
    live(mm);
    checkTask(task);
    // Small numbers (the usual case) need no BigInt, as in read().
    if (isSmall(addr) && isSmall(length) && length <= 2 ** 32) {
      if (addr >= mm.taskSize) return Promise.resolve({ ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: addr, done: 0 } });
      return userAccessAsync(mm, task, addr, length, 'read');
    }
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    if (l > 1n << 32n) fail('EINVAL', 'access too large');
    if (a >= BigInt(mm.taskSize)) return Promise.resolve({ ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } });
    return userAccessAsync(mm, task, Number(a), Number(l), 'read');
  } catch (e) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the thrown value itself, as an async function would reject with it
    return Promise.reject(e);
  }
}

/** A user-mode write by `task` that waits in userfaultfd (missing or write-protected pages). */
export async function writeAsync(mm: MmState, task: UffdTask, addr: SysInt, data: Uint8Array): Promise<UserAccessResult> {
  live(mm);
  checkTask(task);
  const a = u64(addr, 'addr');
  if (!(data instanceof Uint8Array)) fail('EFAULT');
  if (a >= BigInt(mm.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
  return await userAccessAsync(mm, task, Number(a), data.length, 'write', data);
}

/** A user-mode instruction fetch by `task` that waits in userfaultfd. */
export async function executeAsync(mm: MmState, task: UffdTask, addr: SysInt): Promise<UserAccessResult> {
  live(mm);
  checkTask(task);
  const a = u64(addr, 'addr');
  if (a >= BigInt(mm.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
  return await userAccessAsync(mm, task, Number(a), 0, 'execute');
}

/**
 * {@link MemoryManager.kernelRead} by `task` (copy_from_user, process_vm_readv) that waits in userfaultfd like a
 * kernel-mode fault: a registered missing page suspends the copy until the handler resolves it; a SIGBUS outcome
 * (SIGBUS feature, or USER_MODE_ONLY) ends the copy there, EFAULT when nothing was copied.
 */
export async function kernelReadAsync(mm: MmState, task: UffdTask, addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Promise<Uint8Array> {
  live(mm);
  checkTask(task);
  const a = Number(checkedAddr(mm, addr));
  return await retryKernelCopy(mm, task, false, (stop) => {
    if (stop === undefined) return kernelRead(mm, addr, length, granularity);
    return kernelRead(mm, a, copyLimit(mm, a, stop, granularity), granularity);
  });
}

/** {@link MemoryManager.kernelWrite} by `task` (copy_to_user, process_vm_writev), waiting in userfaultfd. */
export async function kernelWriteAsync(mm: MmState, task: UffdTask, addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): Promise<number> {
  live(mm);
  checkTask(task);
  if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
  const a = Number(checkedAddr(mm, addr));
  return await retryKernelCopy(mm, task, true, (stop) => {
    if (stop === undefined) return kernelWrite(mm, addr, data, granularity);
    return kernelWrite(mm, a, data.subarray(0, copyLimit(mm, a, stop, granularity)), granularity);
  });
}

/** Bytes a kernel copy from `a` may still do when the page at `stop` SIGBUSes (EFAULT when none). */
export function copyLimit(mm: MmState, a: number, stop: number, granularity: KernelCopyGranularity): number {
  let n = stop - a;
  if (granularity === 'pipe') n -= n % PAGE;
  if (n <= 0) fail('EFAULT');
  return n;
}

/**
 * Runs a sync kernel copy; when it stops at a page that traps into userfaultfd, waits for the fault and runs it
 * again (the bytes before that page are copied again, with the same data), or with `stop` after a SIGBUS.
 */
export async function retryKernelCopy<T>(mm: MmState, task: UffdTask, write: boolean, run: (stop?: number) => T): Promise<T> {
  // A page that no longer traps is retried once; trapping again at it without a fault to wait for would loop
  // forever, so that ends the copy there instead (every pass either waits for a fault or moves past a page).
  let retried = -1;
  for (;;) {
    try {
      return run();
    } catch (e) {
      if (!(e instanceof UffdWouldBlockError)) throw e;
      const v = mm.tree.find(e.address);
      const trap = v === undefined ? null : uffdFaultFor(mm, v, e.address, write, false);
      if (trap === null) {
        if (retried === e.address) return run(e.address);
        retried = e.address;
        continue;
      }
      flushPins(mm);
      const outcome = await trap.ctx.fault(task, e.address, trap.access);
      if (outcome === 'sigbus' || mm.disposed) return run(e.address);
    }
  }
}
