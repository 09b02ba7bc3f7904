import type {
  UffdAddressSpace,
  UffdContextHooks,
  UffdTask,
  UffdMoveRefusal,
  UffdVma,
  UffdVmaKind,
} from '../uffd/address-space.js';
import { UffdFeature, UffdRegisterMode } from '../uffd/constants.js';

/** A signal delivered to a task by the reference address space. */
export class SignalError extends Error {
  constructor(
    readonly signal: 'SIGBUS' | 'SIGSEGV',
    readonly address: number,
  ) {
    super(`${signal} at ${address}`);
    this.name = 'SignalError';
  }
}

interface Vma {
  start: number;
  end: number;
  kind: UffdVmaKind;
  mayWrite: boolean;
  uffd: UffdContextHooks | null;
  uffdMode: number;
  access: number;
}

type PageEntry = { kind: 'data'; data: Uint8Array; wp: boolean } | { kind: 'zero'; wp: boolean } | { kind: 'poison' };

const PAGE = 4096;

/**
 * A small, faithful-enough Linux address space for the tests: private anonymous mappings (and file / shmem kinds for
 * the registration checks), tasks whose accesses block in userfaultfd, and munmap / mremap / madvise / fork raising
 * the userfaultfd events in Linux's order.
 */
export class ReferenceSpace implements UffdAddressSpace {
  readonly pageSize = PAGE;
  readonly mmapMinAddr = PAGE;
  readonly taskSize = 2 ** 47 - PAGE;
  alive = true;
  #vmas: Vma[] = [];
  readonly #pages = new Map<number, PageEntry>();
  #nextTid = 100;

  /** A new task of this process. */
  task(tid?: number): UffdTask {
    return { tid: tid ?? this.#nextTid++ };
  }

  mmap(start: number, length: number, kind: UffdVmaKind = 'anonymous', mayWrite = true): number {
    if (this.#vmas.some((v) => v.start < start + length && v.end > start)) throw new Error('overlap (test misuse)');
    this.#vmas.push({ start, end: start + length, kind, mayWrite, uffd: null, uffdMode: 0, access: 3 });
    this.#sort();
    return start;
  }

  get vmaCount(): number {
    return this.#vmas.length;
  }

  vmasIn(start: number, end: number): readonly UffdVma[] {
    return this.#vmas.filter((v) => v.start < end && v.end > start).map((v) => ({ ...v }));
  }

  setRegistration(start: number, end: number, ctx: UffdContextHooks | null, mode: number): void {
    this.#split(start);
    this.#split(end);
    for (const v of this.#vmas) {
      if (v.start >= start && v.end <= end) {
        v.uffd = ctx;
        v.uffdMode = ctx === null ? 0 : mode;
      }
    }
  }

  isPagePresent(address: number): boolean {
    return this.#pages.has(address);
  }

  installPage(address: number, data: Uint8Array, writeProtected: boolean): void {
    this.#pages.set(address, { kind: 'data', data: Uint8Array.from(data), wp: writeProtected });
  }

  installZeroPage(address: number): void {
    this.#pages.set(address, { kind: 'zero', wp: false });
  }

  installPoison(address: number): void {
    this.#pages.set(address, { kind: 'poison' });
  }

  setWriteProtected(address: number, writeProtected: boolean): void {
    const e = this.#pages.get(address);
    if (e !== undefined && e.kind !== 'poison') e.wp = writeProtected;
  }

  /** Pages a fork left shared (UFFDIO_MOVE refuses them with EBUSY); tests add to it. */
  readonly sharedPages = new Set<number>();

  movePage(from: number, to: number): UffdMoveRefusal | null {
    const e = this.#pages.get(from);
    if (e === undefined || e.kind === 'poison') return 'EFAULT';
    if (this.sharedPages.has(from)) return 'EBUSY';
    this.#pages.delete(from);
    this.#pages.set(to, e.kind === 'data' ? { kind: 'data', data: e.data, wp: false } : { kind: 'zero', wp: false });
    return null;
  }

  takePages(start: number, length: number): { address: number; data: Uint8Array }[] {
    const out: { address: number; data: Uint8Array }[] = [];
    for (let a = start; a < start + length; a += PAGE) {
      const e = this.#pages.get(a);
      if (e === undefined || e.kind === 'poison') continue;
      out.push({ address: a, data: e.kind === 'data' ? e.data : new Uint8Array(PAGE) });
      this.#pages.delete(a);
    }
    return out;
  }

  /** Pages currently present (for assertions). */
  presentPages(start: number, length: number): number {
    let n = 0;
    for (let a = start; a < start + length; a += PAGE) if (this.#pages.has(a)) n++;
    return n;
  }

  /** Writes without faulting (test set-up: populates pages). */
  populate(address: number, data: Uint8Array): void {
    for (let off = 0; off < data.length; off += PAGE) {
      const page = new Uint8Array(PAGE);
      page.set(data.subarray(off, off + PAGE));
      this.#pages.set(address + off, { kind: 'data', data: page, wp: false });
    }
  }

  /** A user-mode read by `task`; blocks in userfaultfd like Linux. */
  async read(task: UffdTask, address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const a = address + i;
      const page = a - (a % PAGE);
      const entry = await this.#access(task, a, false);
      const n = Math.min(length - i, page + PAGE - a);
      if (entry.kind === 'data') out.set(entry.data.subarray(a - page, a - page + n), i);
      i += n;
    }
    return out;
  }

  /** A user-mode write by `task`. */
  async write(task: UffdTask, address: number, data: Uint8Array): Promise<void> {
    for (let i = 0; i < data.length; ) {
      const a = address + i;
      const page = a - (a % PAGE);
      let entry = await this.#access(task, a, true);
      if (entry.kind === 'zero') {
        entry = { kind: 'data', data: new Uint8Array(PAGE), wp: entry.wp };
        this.#pages.set(page, entry);
      }
      const n = Math.min(data.length - i, page + PAGE - a);
      if (entry.kind === 'data') entry.data.set(data.subarray(i, i + n), a - page);
      i += n;
    }
  }

  async #access(task: UffdTask, address: number, write: boolean): Promise<PageEntry> {
    for (;;) {
      const vma = this.#vmas.find((v) => v.start <= address && address < v.end);
      if (vma === undefined) throw new SignalError('SIGSEGV', address);
      const page = address - (address % PAGE);
      const entry = this.#pages.get(page);
      if (entry?.kind === 'poison') throw new SignalError('SIGBUS', address);
      if (entry === undefined) {
        if (vma.uffd !== null && (vma.uffdMode & UffdRegisterMode.MISSING) !== 0) {
          const outcome = await vma.uffd.fault(task, address, { write, user: true });
          if (outcome === 'sigbus') throw new SignalError('SIGBUS', address);
          continue;
        }
        // The normal anonymous path: zero-fill.
        const fresh: PageEntry = write ? { kind: 'data', data: new Uint8Array(PAGE), wp: false } : { kind: 'zero', wp: false };
        this.#pages.set(page, fresh);
        return fresh;
      }
      if (write && entry.wp) {
        if (vma.uffd !== null && (vma.uffdMode & UffdRegisterMode.WP) !== 0) {
          const outcome = await vma.uffd.fault(task, address, { write: true, wp: true, user: true });
          if (outcome === 'sigbus') throw new SignalError('SIGBUS', address);
          continue;
        }
        entry.wp = false;
      }
      return entry;
    }
  }

  /** munmap(2): unmaps, then raises UNMAP (the whole range) on each registered context and waits for it. */
  async munmap(task: UffdTask, start: number, length: number): Promise<void> {
    const end = start + length;
    const ctxs = this.#contextsIn(start, end);
    this.#unmapRange(start, end);
    for (const ctx of ctxs) await ctx.unmap(task, start, end);
  }

  /** madvise(DONTNEED / REMOVE): per VMA, REMOVE (clipped) first, then the zap. */
  async madvise(task: UffdTask, start: number, length: number): Promise<void> {
    const end = start + length;
    for (const v of this.vmasIn(start, end)) {
      const s = Math.max(v.start, start);
      const e = Math.min(v.end, end);
      if (v.uffd !== null) await v.uffd.remove(task, s, e);
      for (let a = s; a < e; a += PAGE) this.#pages.delete(a);
    }
  }

  /**
   * mremap(2) of a range inside one VMA: shrinks, grows in place, or moves (MAYMOVE, FIXED, DONTUNMAP). A move keeps
   * the registration only with EVENT_REMAP and raises REMAP, then UNMAP of the old range.
   */
  async mremap(
    task: UffdTask,
    oldAddress: number,
    oldSize: number,
    newSize: number,
    options: { mayMove?: boolean; fixed?: number; dontUnmap?: boolean } = {},
  ): Promise<number> {
    const vma = this.#vmas.find((v) => v.start <= oldAddress && oldAddress + oldSize <= v.end);
    if (vma === undefined) throw new Error('EFAULT (test misuse)');
    if (options.fixed === undefined && newSize <= oldSize) {
      if (newSize < oldSize) await this.munmap(task, oldAddress + newSize, oldSize - newSize);
      return oldAddress;
    }
    const growEnd = oldAddress + newSize;
    if (options.fixed === undefined && vma.end === oldAddress + oldSize && !this.#vmas.some((v) => v.start < growEnd && v.end > vma.end)) {
      vma.end = growEnd;
      return oldAddress;
    }
    if (options.mayMove !== true) throw new Error('ENOMEM (test misuse)');
    const to = options.fixed ?? this.#findFree(newSize);
    if (this.#vmas.some((v) => v.start < to + newSize && v.end > to)) this.#unmapRange(to, to + newSize);
    this.#split(oldAddress);
    this.#split(oldAddress + oldSize);
    const old = this.#vmas.find((v) => v.start === oldAddress)!;
    const ctx = old.uffd;
    const keep = ctx !== null && ctx.hasFeature(UffdFeature.EVENT_REMAP);
    this.#vmas.push({ start: to, end: to + newSize, kind: old.kind, mayWrite: old.mayWrite, uffd: keep ? ctx : null, uffdMode: keep ? old.uffdMode : 0, access: old.access });
    for (let off = 0; off < oldSize; off += PAGE) {
      const e = this.#pages.get(oldAddress + off);
      if (e !== undefined) {
        this.#pages.set(to + off, e);
        this.#pages.delete(oldAddress + off);
      }
    }
    this.#sort();
    if (keep) await ctx.remap(task, oldAddress, to, oldSize);
    if (options.dontUnmap !== true) {
      this.#unmapRange(oldAddress, oldAddress + oldSize);
      if (ctx !== null) await ctx.unmap(task, oldAddress, oldAddress + oldSize);
    }
    return to;
  }

  /** fork(2): the child's copy; registered VMAs follow EVENT_FORK; FORK events are raised and waited for. */
  async fork(task: UffdTask): Promise<ReferenceSpace> {
    const child = new ReferenceSpace();
    const forks = new Map<UffdContextHooks, UffdContextHooks>();
    for (const v of this.#vmas) {
      let uffd: UffdContextHooks | null = null;
      if (v.uffd !== null) {
        uffd = forks.get(v.uffd) ?? v.uffd.forkContext(child);
        if (uffd !== null) forks.set(v.uffd, uffd);
      }
      child.#vmas.push({ ...v, uffd, uffdMode: uffd === null ? 0 : v.uffdMode });
    }
    for (const [a, e] of this.#pages) {
      child.#pages.set(a, e.kind === 'data' ? { kind: 'data', data: Uint8Array.from(e.data), wp: e.wp } : { ...e });
    }
    for (const [parent, fctx] of forks) await parent.forkComplete(task, fctx);
    return child;
  }

  /** The process exits: the mm goes away. */
  exit(): void {
    this.alive = false;
    this.#vmas = [];
    this.#pages.clear();
  }

  #contextsIn(start: number, end: number): UffdContextHooks[] {
    const out: UffdContextHooks[] = [];
    for (const v of this.#vmas) {
      if (v.start < end && v.end > start && v.uffd !== null && !out.includes(v.uffd)) out.push(v.uffd);
    }
    return out;
  }

  #unmapRange(start: number, end: number): void {
    this.#split(start);
    this.#split(end);
    this.#vmas = this.#vmas.filter((v) => !(v.start >= start && v.end <= end));
    for (const a of [...this.#pages.keys()]) if (a >= start && a < end) this.#pages.delete(a);
  }

  #split(at: number): void {
    const i = this.#vmas.findIndex((v) => v.start < at && at < v.end);
    if (i < 0) return;
    const v = this.#vmas[i];
    this.#vmas.splice(i + 1, 0, { ...v, start: at });
    v.end = at;
  }

  #findFree(size: number): number {
    let candidate = 0x7000_0000;
    for (const v of this.#vmas) if (v.end > candidate) candidate = v.end;
    void size;
    return candidate + 16 * PAGE;
  }

  #sort(): void {
    this.#vmas.sort((a, b) => a.start - b.start);
  }
}
