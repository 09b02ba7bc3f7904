import type { Vmo } from '@memsim/zircon-objects';
import type { MemFile } from '../files/mem-file.js';
import { VM } from '../abi/constants.js';

/** Flags that do not keep VMAs apart; a merge keeps them if either side has them. */
const VM_STICKY = VM.MAYBE_GUARD;

/** What backs a VMA on the Zircon side. */
export type Backing =
  /**
   * Private anonymous. In the 'single' design (no `obj`) the address space's one sparse VMO, offset = address; in
   * the 'per-mapping' design the VMO of the mmap that made it (anon-backing/per-mapping.ts).
   */
  | { readonly kind: 'anon'; readonly obj?: AnonObject }
  /** Shared anonymous (shmem): a VMO per mmap; `pgoff` indexes it. */
  | { readonly kind: 'shmem'; readonly obj: ShmemObject }
  /** File mapping. Shared: the file's VMO. Private: a snapshot child of it made at mmap time (`cow`). */
  | { readonly kind: 'file'; readonly file: MemFile; readonly cow: CowObject | null };

/**
 * The backing of every private anonymous VMA. It carries no state, so all of them share this one (immutable) object:
 * an mmap or brk allocates no backing that would outlive the call.
 */
export const ANON_BACKING: Backing = Object.freeze({ kind: 'anon' });

/**
 * One private anonymous VMO of the 'per-mapping' design: the page with Linux vm_pgoff `p` of a VMA backed by it
 * lives at VMO offset `(p - pgBase) * 4096`.
 */
export interface AnonObject {
  readonly vmo: Vmo;
  readonly pgBase: number;
  /** A number naming the object in snapshots and traces (per kernel counters). */
  readonly id: number;
  /** How many VMAs in the tree map it (`VmaTree` keeps it; 0 makes it a candidate for closing). */
  refs: number;
}

/** A shmem object (the "/dev/zero (deleted)" file of a shared anonymous mapping). */
export interface ShmemObject {
  readonly vmo: Vmo;
  readonly inode: number;
  /** Size in bytes; pages at or past it fault with SIGBUS. */
  size: number;
  /** Offsets of pages that were only read (clean zero pages): MADV_PAGEOUT drops them. */
  readonly clean: Set<number>;
}

/** A private file mapping's copy-on-write child, covering file pages [basePgoff, basePgoff + pages). */
export interface CowObject {
  vmo: Vmo;
  readonly basePgoff: number;
  readonly id: number;
  /** File pages (absolute page numbers) that have a private copy; the rest still read the file. */
  readonly copied: Set<number>;
}

/** One Linux VMA. Mutated only by the memory manager, always re-inserted into the tree after a start change. */
export interface Vma {
  start: number;
  end: number;
  /** Linux vm_flags (VM_* bits). */
  flags: number;
  /** Linux vm_pgoff (pages): the file page at `start`, or for anonymous memory the page number at creation. */
  pgoff: number;
  backing: Backing;
  /** anon_vma identity: 0 until the first write fault (or COW), as Linux allocates it lazily. */
  anonVma: number;
  anonName: string | null;
  /** userfaultfd context (0 = none); part of the merge rule. */
  uffd: number;
  /** The anon_vma chain has a parent's anon_vma too (inherited at fork): such VMAs merge only with equals. */
  anonForked?: boolean;
}

export function sameBacking(a: Backing, b: Backing): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'anon') return b.kind === 'anon' && a.obj === b.obj;
  if (a.kind === 'shmem') return b.kind === 'shmem' && a.obj === b.obj;
  // Private file mappings of one file may merge across mmaps (Linux compares the file, not our COW children);
  // the memory manager rebinds the never-written side onto the other's child.
  return b.kind === 'file' && a.file === b.file && (a.cow === b.cow || (a.cow !== null && b.cow !== null));
}

/** Linux's is_mergeable_vma + anon_vma compatibility: may `a` (below) and `b` (directly above) become one VMA? */
export function canMerge(a: Vma, b: Vma): boolean {
  if (a.end !== b.start) return false;
  // VM_MAYBE_GUARD is sticky (Linux 6.18): VMAs differing only in it merge, and the merged VMA keeps it. VM_SOFTDIRTY
  // (here its inverse, SOFT_CLEAN) does not keep VMAs apart either (is_mergeable_vma).
  if ((a.flags ^ b.flags) & ~(VM_STICKY | VM.SOFT_CLEAN)) return false;
  if (!sameBacking(a.backing, b.backing)) return false;
  if (a.anonName !== b.anonName || a.uffd !== b.uffd) return false;
  if (a.anonVma !== b.anonVma) {
    if (a.anonVma !== 0 && b.anonVma !== 0) return false;
    // A forked child's VMA (non-singular anon_vma chain) never absorbs or joins one without an anon_vma.
    if ((a.anonVma !== 0 && a.anonForked) || (b.anonVma !== 0 && b.anonForked)) return false;
  }
  // Contiguous pgoff for every kind (anonymous VMAs carry address-derived pgoffs that mremap preserves).
  return a.pgoff + (a.end - a.start) / 4096 === b.pgoff;
}
