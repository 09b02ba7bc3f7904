import { Advice, type MemoryManager } from '@memsim/starnix-mm';
import type { UffdAddressSpace, UffdContextHooks, UffdVma } from '@memsim/userspace-swap';
import { PAGE } from './field.js';

interface Registration {
  start: number;
  end: number;
  ctx: UffdContextHooks;
  mode: number;
}

/**
 * userspace-swap's address-space contract over a starnix-mm process, for the benchmarks. starnix-mm does not yet
 * route its own faults into a userfaultfd, so the bench plays the faulting task: it asks `isPagePresent` and raises
 * the fault itself (see {@link userRead}). Pages are installed and taken through the process's own kernel-mode
 * copies and MADV_DONTNEED, so every byte still lives in the Zircon VMO of the memsim process.
 */
export class MmUffdSpace implements UffdAddressSpace {
  readonly pageSize = PAGE;
  readonly mmapMinAddr = PAGE;
  readonly taskSize: number;
  alive = true;
  private regs: Registration[] = [];

  constructor(readonly mm: MemoryManager) {
    this.taskSize = mm.taskSize;
  }

  vmasIn(start: number, end: number): readonly UffdVma[] {
    const out: UffdVma[] = [];
    for (const v of this.mm.vmas()) {
      if (v.end <= start || v.start >= end) continue;
      // Cut the VMA at registration boundaries, as Linux splits a VMA on UFFDIO_REGISTER.
      const cuts = new Set<number>([v.start, v.end]);
      for (const r of this.regs) {
        if (r.start > v.start && r.start < v.end) cuts.add(r.start);
        if (r.end > v.start && r.end < v.end) cuts.add(r.end);
      }
      const points = [...cuts].sort((a, b) => a - b);
      for (let i = 0; i + 1 < points.length; i++) {
        const s = points[i];
        const e = points[i + 1];
        if (e <= start || s >= end) continue;
        const reg = this.regs.find((r) => r.start <= s && r.end >= e);
        out.push({ start: s, end: e, kind: v.shared ? 'shmem' : 'anonymous', mayWrite: true, uffd: reg?.ctx ?? null, uffdMode: reg?.mode ?? 0 });
      }
    }
    return out;
  }

  setRegistration(start: number, end: number, ctx: UffdContextHooks | null, mode: number): void {
    const kept: Registration[] = [];
    for (const r of this.regs) {
      if (r.end <= start || r.start >= end) kept.push(r);
      else {
        if (r.start < start) kept.push({ ...r, end: start });
        if (r.end > end) kept.push({ ...r, start: end });
      }
    }
    if (ctx !== null && mode !== 0) kept.push({ start, end, ctx, mode });
    this.regs = kept.sort((a, b) => a.start - b.start);
  }

  /** The userfaultfd context registered at `address`, if any. */
  contextAt(address: number): UffdContextHooks | null {
    return this.regs.find((r) => r.start <= address && r.end > address)?.ctx ?? null;
  }

  isPagePresent(address: number): boolean {
    return this.mm.mincore(address - (address % PAGE), PAGE)[0] === 1;
  }

  installPage(address: number, data: Uint8Array): void {
    this.mm.kernelWrite(address, data);
  }

  installZeroPage(address: number): void {
    this.mm.kernelWrite(address, new Uint8Array(PAGE));
  }

  installPoison(address: number): void {
    throw new RangeError(`poisoning is not modelled by the bench address space (0x${address.toString(16)})`);
  }

  setWriteProtected(): void {
    // The benchmarks register MISSING only.
  }

  takePages(start: number, length: number): { address: number; data: Uint8Array }[] {
    const out: { address: number; data: Uint8Array }[] = [];
    const present = this.mm.mincore(start, length);
    for (let i = 0; i < present.length; i++) {
      if (present[i] !== 1) continue;
      const address = start + i * PAGE;
      out.push({ address, data: this.mm.kernelRead(address, PAGE) });
    }
    this.mm.madvise(start, length, Advice.DONTNEED);
    return out;
  }
}

/**
 * A user-mode read of one byte: while the page is missing in a registered range, the task faults into the
 * userfaultfd and waits for the handler, as handle_userfault() does; then the read completes.
 */
export async function userRead(space: MmUffdSpace, address: number): Promise<number> {
  const ctx = space.contextAt(address);
  if (ctx !== null) {
    while (!space.isPagePresent(address)) {
      const outcome = await ctx.fault({ tid: 1 }, address, { write: false, user: true });
      if (outcome === 'sigbus') throw new Error(`SIGBUS at 0x${address.toString(16)}`);
    }
  }
  const r = space.mm.read(address, 1);
  if (!r.ok) throw new Error(`${r.fault.signal} at 0x${r.fault.address.toString(16)}`);
  return (r.data as Uint8Array)[0];
}
