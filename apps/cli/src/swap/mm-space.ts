import type { MemoryManager } from '@memsim/starnix-mm';
import { Advice } from '@memsim/starnix-mm';
import type { UffdAddressSpace, UffdContextHooks, UffdVma } from '@memsim/userspace-swap';

const PAGE = 4096;

/**
 * userspace-swap's address-space contract implemented over one private anonymous mapping of a starnix-mm
 * MemoryManager. starnix-mm does not raise userfaultfd faults itself yet (its VMAs carry no registration), so the
 * trace replayer asks {@link MmUffdSpace.needsFault} before each access and raises the fault on the task's behalf;
 * pages really live in starnix-mm (kernelWrite installs, madvise(DONTNEED) zaps, mincore reports presence).
 */
export class MmUffdSpace implements UffdAddressSpace {
  readonly pageSize = PAGE;
  readonly mmapMinAddr = PAGE;
  readonly taskSize = 2 ** 47;
  readonly alive = true;
  readonly base: number;
  readonly end: number;
  readonly poisoned = new Set<number>();
  #ctx: UffdContextHooks | null = null;
  #mode = 0;

  constructor(
    readonly mm: MemoryManager,
    base: number,
    pages: number,
  ) {
    this.base = base;
    this.end = base + pages * PAGE;
  }

  get registration(): UffdContextHooks | null {
    return this.#ctx;
  }

  vmasIn(start: number, end: number): readonly UffdVma[] {
    if (!(this.base < end && this.end > start)) return [];
    return [{ start: this.base, end: this.end, kind: 'anonymous', mayWrite: true, uffd: this.#ctx, uffdMode: this.#mode }];
  }

  setRegistration(start: number, end: number, ctx: UffdContextHooks | null, mode: number): void {
    // The replayer registers the whole mapping at once, so one registration per mapping is exact here.
    if (start <= this.base && end >= this.end) {
      this.#ctx = ctx;
      this.#mode = mode;
    }
  }

  isPagePresent(address: number): boolean {
    if (this.poisoned.has(address)) return true;
    return (this.mm.mincore(address, PAGE)[0] & 1) === 1;
  }

  installPage(address: number, data: Uint8Array): void {
    this.mm.kernelWrite(address, data);
  }

  installZeroPage(address: number): void {
    this.mm.kernelWrite(address, new Uint8Array(PAGE));
  }

  installPoison(address: number): void {
    this.poisoned.add(address);
  }

  setWriteProtected(): void {
    // The replayer never registers WP mode.
  }

  takePages(start: number, length: number): { address: number; data: Uint8Array }[] {
    const out: { address: number; data: Uint8Array }[] = [];
    const present = this.mm.mincore(start, length);
    for (let i = 0; i < present.length; i++) {
      if ((present[i] & 1) === 0) continue;
      const address = start + i * PAGE;
      out.push({ address, data: this.mm.kernelRead(address, PAGE) });
    }
    // Zap without events: the swap manager is the caller, as with ChromeOS's mremap(DONTUNMAP) into a swap area.
    this.mm.madvise(start, length, Advice.DONTNEED);
    return out;
  }

  /** Whether an access at `address` must fault into userfaultfd first. */
  needsFault(address: number): boolean {
    return this.#ctx !== null && !this.isPagePresent(address - (address % PAGE));
  }
}
