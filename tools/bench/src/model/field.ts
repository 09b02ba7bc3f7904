import { Kernel } from '@memsim/zircon-objects';
import { DEFAULT_KERNEL_PROFILE, MapFlags, MemoryManager, Prot, type AnonBackingDesign, type KernelProfile } from '@memsim/starnix-mm';

/** Page size of the modelled x86-64 Linux. */
export const PAGE = 4096;
/** Where the VMA field starts: the same address the native probe uses for its benchmarks. */
export const FIELD_BASE = 0x2000_0000_0000;
/** Private anonymous mapping flags. */
export const PRIVATE_ANON = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
/** Read + write. */
export const RW = Prot.READ | Prot.WRITE;

/**
 * The model's default kernel with vm.max_map_count raised, as the native side raises the sysctl for its rounds: a
 * field of a million VMAs is over the default 65,530.
 */
export const BENCH_PROFILE: KernelProfile = Object.freeze({ ...DEFAULT_KERNEL_PROFILE, name: `${DEFAULT_KERNEL_PROFILE.name}+max_map_count`, maxMapCount: 0x7fffffff });

/**
 * A fresh memsim Linux process (its own Zircon kernel, deterministic placement), backing private anonymous memory
 * with Starnix's default design ('single') or the per-mapping one.
 */
export function newProcess(design: AnonBackingDesign = 'single'): MemoryManager {
  return MemoryManager.create(new Kernel({ seed: 1 }), { profile: BENCH_PROFILE, anonymousBacking: design });
}

/**
 * Builds `n` VMAs exactly as the native probe does: one read-only mapping of n pages at FIELD_BASE, then every odd
 * page made PROT_NONE, so neighbours differ in protection and never merge. Returns the process.
 */
export function buildField(n: number, mm: MemoryManager = newProcess()): MemoryManager {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad VMA count ${n}`);
  if (n === 0) return mm;
  mm.mmap(FIELD_BASE, n * PAGE, Prot.READ, PRIVATE_ANON | MapFlags.FIXED | MapFlags.NORESERVE);
  for (let i = 1; i < n; i += 2) mm.mprotect(FIELD_BASE + i * PAGE, PAGE, Prot.NONE);
  return mm;
}

/** A scratch area right after a field of n VMAs (as the probe places it: 16 pages of clearance). */
export function scratchArea(n: number): number {
  return FIELD_BASE + (n > 0 ? n : 2) * PAGE + 16 * PAGE;
}

/** One byte per page written from user mode, as a first-touch loop does. */
export function touchPages(mm: MemoryManager, start: number, pages: number, byte = 1): void {
  const one = new Uint8Array([byte]);
  for (let k = 0; k < pages; k++) {
    const r = mm.write(start + k * PAGE, one);
    if (!r.ok) throw new Error(`unexpected ${r.fault.signal} at 0x${r.fault.address.toString(16)}`);
  }
}
