import { describeValue } from '../errors/describe.js';
import { SwapError } from '../errors/swap-error.js';
import { UffdError } from '../errors/errno.js';
import type { SwapRegion, RendererSnapshot } from '../policy/swap-policy.js';
import { checkRendererState } from '../policy/checks.js';
import { UffdRegisterMode } from '../uffd/constants.js';
import type { PagefaultFlags, UserfaultFDHandler } from '../uffd/uffd-file.js';
import type { UserfaultFD } from '../uffd/userfaultfd.js';
import type { SharedStore } from './shared-store.js';

interface StoredPage {
  readonly recordId: number;
  readonly index: number;
}

/**
 * The renderer's visibility and activity, as the browser's performance manager sees it.
 *
 * @public
 */
export interface RendererState {
  /** When it was frozen, or null. */
  readonly frozenSinceMicros?: number | null;
  /** When it became invisible, or null. */
  readonly invisibleSinceMicros?: number | null;
  /** Playing audio. */
  readonly audible?: boolean;
  /** Loading a page. */
  readonly loading?: boolean;
}

/** What a renderer needs from its manager (kept narrow so the classes stay decoupled). */
export interface RendererHost {
  readonly nowMicros: () => number;
  readonly retryDelayMicros: number;
  readonly counters: RendererCounters;
  reportError(rendererId: string, address: number, error: SwapError): void;
  recordLatency(micros: number): void;
  adoptFork(parent: RendererSwapper, child: UserfaultFD): RendererSwapper;
  forget(renderer: RendererSwapper): void;
}

/** Mutable counters the manager owns. */
export interface RendererCounters {
  pagesSwappedOut: number;
  pagesSwappedIn: number;
  pagesDropped: number;
  plainBytesOut: number;
  recordBytesOut: number;
  fromSwap: number;
  zeroFill: number;
  redundant: number;
  declined: number;
  sigbus: number;
}

/**
 * One swapped process (a renderer) as the swap manager serves it: its userfaultfd and its stored pages.
 *
 * @public
 */
export interface SwapRenderer {
  /** The manager's name for it (fork children are `<parent>/fork<n>`). */
  readonly id: string;
  /** Its userfaultfd (the manager is the fd's handler). */
  readonly uffd: UserfaultFD;
  /** Pages stored in the swap file now. */
  readonly storedPages: number;
  /** Whether the fd is still open. */
  readonly active: boolean;
  /** Whether the page at the page-aligned `address` is stored. */
  isStored(address: number): boolean;
  /** Updates what the policy sees. */
  setState(state: RendererState): void;
  /** The policy's view of this renderer. */
  snapshot(): RendererSnapshot;
  /**
   * Candidate regions: `pagesPerRegion`-page chunks, aligned to the chunk size, of anonymous VMAs registered with
   * this renderer's fd in MISSING mode, whose pages are all present (ChromeOS takes fully present heap chunks).
   */
  candidateRegions(pagesPerRegion: number): SwapRegion[];
  /**
   * Swaps out the given regions: their present pages are moved out of the address space and stored as one record
   * per region. Regions not entirely inside VMAs registered (MISSING) with this renderer's fd are skipped, since
   * their pages could never fault back. Returns the pages swapped out.
   */
  swapOut(regions: readonly SwapRegion[]): number;
}

/** The implementation: also the userfaultfd handler that brings pages back and follows the mappings. */
export class RendererSwapper implements SwapRenderer, UserfaultFDHandler {
  readonly id: string;
  readonly uffd: UserfaultFD;
  readonly #store: SharedStore;
  readonly #host: RendererHost;
  readonly #pages = new Map<number, StoredPage>();
  /** The addresses of each record's still-stored pages (so a swap-in prefetches its record without a scan of all). */
  readonly #byRecord = new Map<number, Set<number>>();
  #state: Required<RendererState> = { frozenSinceMicros: null, invisibleSinceMicros: null, audible: false, loading: false };
  #lastSwappedAt: number | null = null;
  #forks = 0;
  #closed = false;

  constructor(id: string, uffd: UserfaultFD, store: SharedStore, host: RendererHost) {
    this.id = id;
    this.uffd = uffd;
    this.#store = store;
    this.#host = host;
    store.acquire();
  }

  /** Pages stored in the swap file now. */
  get storedPages(): number {
    return this.#pages.size;
  }

  /** Whether the page at `address` is stored. */
  isStored(address: number): boolean {
    return this.#pages.has(address);
  }

  /** Whether the renderer's fd is still open. */
  get active(): boolean {
    return !this.#closed;
  }

  /** Updates what the policy sees. */
  setState(state: RendererState): void {
    checkRendererState(state);
    this.#state = { ...this.#state, ...state };
  }

  /** The policy's view of this renderer. */
  snapshot(): RendererSnapshot {
    return {
      id: this.id,
      ...this.#state,
      lastSwappedAtMicros: this.#lastSwappedAt,
      swappedBytes: this.#pages.size * this.uffd.addressSpace.pageSize,
    };
  }

  /**
   * Candidate regions: `pagesPerRegion`-page chunks, aligned to the chunk size, of anonymous VMAs registered with
   * this renderer's fd in MISSING mode, whose pages are all present (ChromeOS takes fully present heap chunks).
   */
  candidateRegions(pagesPerRegion: number): SwapRegion[] {
    const space = this.uffd.addressSpace;
    if (!Number.isSafeInteger(pagesPerRegion) || pagesPerRegion < 1 || !Number.isSafeInteger(pagesPerRegion * space.pageSize)) {
      throw new SwapError('INVALID_ARGUMENT', `pagesPerRegion must be a positive integer, got ${describeValue(pagesPerRegion)}`);
    }
    const size = pagesPerRegion * space.pageSize;
    const out: SwapRegion[] = [];
    for (const vma of space.vmasIn(0, space.taskSize)) {
      if (vma.uffd !== this.uffd || (vma.uffdMode & UffdRegisterMode.MISSING) === 0 || vma.kind !== 'anonymous') continue;
      for (let s = Math.ceil(vma.start / size) * size; s + size <= vma.end; s += size) {
        let full = true;
        for (let a = s; a < s + size && full; a += space.pageSize) full = space.isPagePresent(a);
        if (full) out.push({ start: s, length: size });
      }
    }
    return out;
  }

  /**
   * Swaps out the given regions: their present pages are moved out of the address space and stored as one record
   * per region. Regions not entirely inside VMAs registered (MISSING) with this renderer's fd are skipped, since
   * their pages could never fault back. Returns the pages swapped out.
   */
  swapOut(regions: readonly SwapRegion[]): number {
    this.#checkActive();
    const space = this.uffd.addressSpace;
    const page = space.pageSize;
    // Every region is checked before any is swapped: a bad one leaves nothing half done.
    const list: unknown = regions;
    if (!Array.isArray(list)) throw new SwapError('INVALID_ARGUMENT', `regions must be an array, got ${describeValue(regions)}`);
    for (const r of list as unknown[]) {
      const { start, length } = (typeof r === 'object' && r !== null ? r : {}) as { start?: unknown; length?: unknown };
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || !Number.isSafeInteger((start as number) + (length as number)) || (length as number) <= 0 || (start as number) % page !== 0 || (length as number) % page !== 0) {
        throw new SwapError('INVALID_ARGUMENT', `bad region ${describeValue(r)}`);
      }
    }
    let total = 0;
    for (const r of regions) {
      if (!this.#coveredByRegistration(r.start, r.start + r.length)) continue;
      const taken = space.takePages(r.start, r.length);
      if (taken.length === 0) continue;
      const blob = joinPages(taken, page);
      let recordId: number;
      try {
        recordId = this.#store.file.write(blob);
      } catch (e) {
        // Put the pages back: nothing may be lost when the disk fails.
        for (const p of taken) space.installPage(p.address, p.data, false);
        throw e;
      }
      taken.forEach((p, index) => this.#setPage(p.address, { recordId, index }));
      this.#store.addRefs(recordId, taken.length);
      const c = this.#host.counters;
      c.pagesSwappedOut += taken.length;
      c.plainBytesOut += blob.byteLength;
      c.recordBytesOut += this.#store.file.recordBytes(recordId);
      total += taken.length;
    }
    if (total > 0) this.#lastSwappedAt = this.#host.nowMicros();
    return total;
  }

  // ---- UserfaultFDHandler ----

  pagefault(address: number, _flags: PagefaultFlags, _tid: number, raisedAtMicros: number): boolean {
    const page = this.uffd.addressSpace.pageSize;
    const addr = address - (address % page);
    const stored = this.#pages.get(addr);
    const c = this.#host.counters;
    if (stored === undefined) {
      const r = this.#fill(() => this.uffd.zeroRange(addr, page), addr);
      if (r === 'done') {
        c.zeroFill++;
        this.#host.recordLatency(this.#host.nowMicros() - raisedAtMicros);
      }
      return r !== 'declined';
    }
    let read = false;
    try {
      // The record's bytes are copied into the address space before withRecord returns (its buffer is reused).
      return this.#store.withRecord(stored.recordId, (blob) => {
        read = true;
        return this.#serve(addr, stored, blob, raisedAtMicros);
      });
    } catch (e) {
      // Only a failed read is answered with poison; anything after it propagates as before.
      if (read) throw e;
      const err = e instanceof SwapError ? e : new SwapError('IO', 'reading the swap file failed', { cause: e });
      // Never install wrong bytes: poison the page so the faulting task gets SIGBUS, and report.
      const r = this.#fill(() => this.uffd.poisonRange(addr, page), addr);
      if (r === 'declined') return false;
      if (r === 'moot') return true;
      this.#dropPage(addr, false);
      c.sigbus++;
      this.#host.reportError(this.id, addr, err);
      return true;
    }
  }

  /** Installs the faulting page from its record's bytes, then the record's other stored pages. */
  #serve(addr: number, stored: StoredPage, blob: Uint8Array, raisedAtMicros: number): boolean {
    const page = this.uffd.addressSpace.pageSize;
    const c = this.#host.counters;
    const r = this.#fill(() => this.uffd.copyToRange(addr, page, blob.subarray(stored.index * page, (stored.index + 1) * page)), addr);
    if (r === 'declined') return false;
    // On ENOENT the mapping moved or went away: keep the page for the REMAP / UNMAP event that must follow.
    if (r === 'moot') return true;
    this.#dropPage(addr, false);
    if (r === 'done') {
      c.fromSwap++;
      c.pagesSwappedIn++;
      this.#host.recordLatency(this.#host.nowMicros() - raisedAtMicros);
      this.#prefetch(stored.recordId, blob);
    }
    return true;
  }

  removed(start: number, end: number): void {
    this.#dropRange(start, end);
  }

  unmapped(start: number, end: number): void {
    this.#dropRange(start, end);
  }

  remapped(oldAddress: number, newAddress: number, originalLength: number): void {
    const moved: [number, StoredPage][] = [];
    for (const [a, p] of this.#pages) {
      if (a >= oldAddress && a < oldAddress + originalLength) moved.push([a, p]);
    }
    for (const [a] of moved) this.#unsetPage(a);
    this.#dropRange(newAddress, newAddress + originalLength);
    for (const [a, p] of moved) this.#setPage(newAddress + (a - oldAddress), p);
  }

  forked(child: UserfaultFD): void {
    const renderer = this.#host.adoptFork(this, child);
    for (const [a, p] of this.#pages) renderer.#setPage(a, p);
    for (const p of this.#pages.values()) this.#store.addRefs(p.recordId, 1);
    renderer.#state = { ...this.#state };
    renderer.#lastSwappedAt = this.#lastSwappedAt;
  }

  closed(_err: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropRange(0, Number.MAX_SAFE_INTEGER);
    this.#store.releaseUser();
    this.#host.forget(this);
  }

  /** The id a fork child gets. */
  nextForkId(): string {
    return `${this.id}/fork${++this.#forks}`;
  }

  get store(): SharedStore {
    return this.#store;
  }

  // ---- internals ----

  /** Runs a fill ioctl: 'done', 'redundant' (EEXIST: woken anyway), 'moot' (ENOENT: woken) or 'declined' (EAGAIN). */
  #fill(op: () => number, addr: number): 'done' | 'redundant' | 'moot' | 'declined' {
    const page = this.uffd.addressSpace.pageSize;
    try {
      op();
      return 'done';
    } catch (e) {
      if (!(e instanceof UffdError)) throw e;
      if (e.code === 'EAGAIN') {
        this.#host.counters.declined++;
        return 'declined';
      }
      if (e.code === 'EEXIST') {
        // Someone resolved it first (crosvm's pattern): wake the waiters, which a failed fill did not.
        this.uffd.wakeRange(addr, page);
        this.#host.counters.redundant++;
        return 'redundant';
      }
      if (e.code === 'ENOENT' || e.code === 'ESRCH') {
        // The mapping went away (its UNMAP is queued) or the process exited: let the task retry and see that.
        if (e.code === 'ENOENT') this.uffd.wakeRange(addr, page);
        return 'moot';
      }
      throw e;
    }
  }

  /**
   * Installs the other still-stored pages of a record just read (ChromeOS swaps whole regions back): each run of
   * them that lies side by side in the address space and in the record takes one UFFDIO_COPY. A page a run's copy
   * could not fill (already present, outside the registered VMA) is retried alone and left stored if that fails too,
   * so a later fault serves it.
   */
  #prefetch(recordId: number, blob: Uint8Array): void {
    const page = this.uffd.addressSpace.pageSize;
    const addrs = this.#byRecord.get(recordId);
    if (addrs === undefined) return;
    const run: number[] = [];
    let lastIndex = -1;
    // Pages join a record's set in address order when swapped out, so the set is usually sorted already.
    const list = [...addrs];
    let sorted = true;
    for (let i = 1; i < list.length && sorted; i++) sorted = list[i - 1] < list[i];
    if (!sorted) list.sort((x, y) => x - y);
    for (const a of list) {
      const p = this.#pages.get(a);
      if (p === undefined || p.recordId !== recordId) continue;
      if (run.length > 0 && (a !== run[run.length - 1] + page || p.index !== lastIndex + 1)) {
        this.#prefetchRun(run, blob);
        run.length = 0;
      }
      run.push(a);
      lastIndex = p.index;
    }
    if (run.length > 0) this.#prefetchRun(run, blob);
  }

  /** One UFFDIO_COPY for `run` (consecutive addresses holding consecutive pages of `blob`), page by page after a failure. */
  #prefetchRun(run: readonly number[], blob: Uint8Array): void {
    const page = this.uffd.addressSpace.pageSize;
    const first = (this.#pages.get(run[0]) as StoredPage).index;
    let done = 0;
    try {
      this.uffd.copyToRange(run[0], run.length * page, blob.subarray(first * page, (first + run.length) * page));
      done = run.length;
    } catch (e) {
      if (!(e instanceof UffdError)) throw e;
      // A partial copy (EAGAIN) reports the bytes it filled in its result field; any other error filled nothing.
      if (e.code === 'EAGAIN' && e.field !== undefined && e.field > 0) done = e.field / page;
    }
    if (done > 0) {
      // The run's pages leave the renderer together, with one release of their record's references.
      const recordId = (this.#pages.get(run[0]) as StoredPage).recordId;
      for (let i = 0; i < done; i++) this.#unsetPage(run[i]);
      this.#store.release(recordId, done);
    }
    this.#host.counters.pagesSwappedIn += done;
    for (let i = done; i < run.length; i++) {
      const a = run[i];
      const p = this.#pages.get(a) as StoredPage;
      try {
        this.uffd.copyToRange(a, page, blob.subarray(p.index * page, (p.index + 1) * page));
      } catch (e) {
        if (e instanceof UffdError) continue; // left stored; a later fault retries it
        throw e;
      }
      this.#dropPage(a, false);
      this.#host.counters.pagesSwappedIn++;
    }
  }

  #dropRange(start: number, end: number): void {
    for (const a of [...this.#pages.keys()]) if (a >= start && a < end) this.#dropPage(a, true);
  }

  #dropPage(addr: number, counted: boolean): void {
    const p = this.#pages.get(addr);
    if (p === undefined) return;
    this.#unsetPage(addr);
    if (counted) this.#host.counters.pagesDropped++;
    this.#store.release(p.recordId);
  }

  #setPage(addr: number, p: StoredPage): void {
    this.#pages.set(addr, p);
    let set = this.#byRecord.get(p.recordId);
    if (set === undefined) this.#byRecord.set(p.recordId, (set = new Set()));
    set.add(addr);
  }

  #unsetPage(addr: number): void {
    const p = this.#pages.get(addr);
    if (p === undefined) return;
    this.#pages.delete(addr);
    const set = this.#byRecord.get(p.recordId);
    if (set !== undefined && set.delete(addr) && set.size === 0) this.#byRecord.delete(p.recordId);
  }

  #coveredByRegistration(start: number, end: number): boolean {
    let at = start;
    for (const v of this.uffd.addressSpace.vmasIn(start, end)) {
      if (v.start > at || v.uffd !== this.uffd || (v.uffdMode & UffdRegisterMode.MISSING) === 0) return false;
      at = v.end;
    }
    return at >= end;
  }

  #checkActive(): void {
    if (this.#closed) throw new SwapError('CLOSED', `renderer ${this.id} is closed`);
  }
}

/**
 * The taken pages' bytes as one buffer, in order. An address space that hands them out as consecutive views of one
 * buffer (starnix-mm does, for a run of pages side by side) gives that buffer itself: no second copy.
 */
function joinPages(taken: readonly { data: Uint8Array }[], page: number): Uint8Array {
  const first = taken[0].data;
  let joined = true;
  for (let i = 1; i < taken.length && joined; i++) {
    const d = taken[i].data;
    joined = d.buffer === first.buffer && d.byteOffset === first.byteOffset + i * page && d.byteLength === page;
  }
  if (joined && first.byteLength === page) return new Uint8Array(first.buffer, first.byteOffset, taken.length * page);
  const blob = new Uint8Array(taken.length * page);
  taken.forEach((p, i) => blob.set(p.data, i * page));
  return blob;
}
