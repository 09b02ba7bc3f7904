/**
 * userfaultfd events raised by system calls (REMOVE, UNMAP, REMAP, FORK), and the refusal of sync calls that would have to wait for them.
 */
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';
import { backingOf } from './anon-backing/select.js';
import { type Vma } from '../vma/vma.js';
import { SYNC_TASK, checkTask } from './common.js';
import { resident } from './pages.js';
import type { MmState } from './state.js';
import { type UffdContextHooks, type UffdTask } from '@memsim/userspace-swap';

/**
 * Runs a system call whose userfaultfd events `task` must wait for. The hooks are called where Linux calls them
 * (each raises its event and mmap_changing at once); no other task runs before the call returns, so waiting
 * afterwards, in order, is what the task observes in Linux.
 */
export async function withUffdEvents<T>(mm: MmState, task: UffdTask, op: () => T): Promise<T> {
  checkTask(task);
  const outer = mm.uffdEvents;
  const pending: Promise<unknown>[] = [];
  mm.uffdEvents = { task, pending };
  let result: T;
  try {
    result = op();
  } catch (e) {
    mm.uffdEvents = outer;
    for (const p of pending) await p;
    throw e;
  }
  mm.uffdEvents = outer;
  for (const p of pending) await p;
  return result;
}

/** Calls a context hook for the running system call (sync calls only get here when it does not block). */
export function raiseUffd(mm: MmState, call: (task: UffdTask) => Promise<unknown>): void {
  const ev = mm.uffdEvents;
  const p = call(ev?.task ?? SYNC_TASK);
  if (ev) ev.pending.push(p);
  else void p;
}

/** userfaultfd_remove: before zapping [s, e) of `v`. */
export function raiseUffdRemove(mm: MmState, v: Vma, s: number, e: number): void {
  const reg = mm.counters.uffd.get(v.uffd);
  if (reg) raiseUffd(mm, (t) => reg.ctx.remove(t, s, e));
}

/** The distinct contexts registered on VMAs intersecting [start, end). */
export function uffdContextsIn(mm: MmState, start: number, end: number): UffdContextHooks[] {
  const out: UffdContextHooks[] = [];
  if (end <= start || !mm.counters.uffdUsed) return out;
  for (const v of mm.tree.range(start, end)) {
    const reg = mm.counters.uffd.get(v.uffd);
    if (reg && !out.includes(reg.ctx)) out.push(reg.ctx);
  }
  return out;
}

/** A sync system call cannot wait: refuse (before any change) when a context in range would block it. */
export function refuseBlockingUffd(mm: MmState, start: number, end: number, features: number, what: string): void {
  if (mm.uffdEvents !== null || end <= start) return;
  for (const ctx of uffdContextsIn(mm, start, end)) {
    for (let bit = 1; bit <= features; bit *= 2) {
      if (features & bit && ctx.hasFeature(bit)) throw new UffdWouldBlockError(start, what);
    }
  }
}

/** A page, the zero page or a poison marker is mapped at `page`. */
export function uffdPresent(mm: MmState, v: Vma, page: number): boolean {
  if (mm.uffdPoison.has(page)) return true;
  if (v.backing.kind === 'anon') return mm.zeroMapped.has(page) || backingOf(mm).present(mm, v, page);
  return resident(mm, v, page);
}
