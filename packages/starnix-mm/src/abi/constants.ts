/**
 * Linux x86-64 ABI constants for the memory system calls.
 *
 * @public
 */
export const Prot = Object.freeze({
  NONE: 0,
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SEM: 0x8,
  GROWSDOWN: 0x01000000,
  GROWSUP: 0x02000000,
} as const);

/**
 * mmap flags.
 *
 * @public
 */
export const MapFlags = Object.freeze({
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  /** A private anonymous mapping whose contents the kernel may drop (zero) under memory pressure (Linux 6.11). */
  DROPPABLE: 0x08,
  TYPE: 0x0f,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  '32BIT': 0x40,
  GROWSDOWN: 0x0100,
  DENYWRITE: 0x0800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  STACK: 0x20000,
  HUGETLB: 0x40000,
  SYNC: 0x80000,
  FIXED_NOREPLACE: 0x100000,
  UNINITIALIZED: 0x4000000,
} as const);

/**
 * mremap flags.
 *
 * @public
 */
export const MremapFlags = Object.freeze({ MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 } as const);

/**
 * madvise advice values.
 *
 * @public
 */
export const Advice = Object.freeze({
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  FREE: 8,
  REMOVE: 9,
  DONTFORK: 10,
  DOFORK: 11,
  MERGEABLE: 12,
  UNMERGEABLE: 13,
  HUGEPAGE: 14,
  NOHUGEPAGE: 15,
  DONTDUMP: 16,
  DODUMP: 17,
  WIPEONFORK: 18,
  KEEPONFORK: 19,
  COLD: 20,
  PAGEOUT: 21,
  POPULATE_READ: 22,
  POPULATE_WRITE: 23,
  DONTNEED_LOCKED: 24,
  /** Installs guard markers: any access to the pages faults with SIGSEGV; no new VMA (Linux 6.13). */
  GUARD_INSTALL: 102,
  /** Removes guard markers (Linux 6.13). */
  GUARD_REMOVE: 103,
} as const);

/**
 * msync flags.
 *
 * @public
 */
export const MsyncFlags = Object.freeze({ ASYNC: 1, INVALIDATE: 2, SYNC: 4 } as const);

/**
 * mlockall / mlock2 flags.
 *
 * @public
 */
export const MlockFlags = Object.freeze({ CURRENT: 1, FUTURE: 2, ONFAULT: 4, MLOCK_ONFAULT: 1 } as const);

/** Internal: Linux vm_flags bits (include/linux/mm.h), used for merging and smaps VmFlags. */
export const VM = Object.freeze({
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SHARED: 0x8,
  MAYREAD: 0x10,
  MAYWRITE: 0x20,
  MAYEXEC: 0x40,
  MAYSHARE: 0x80,
  GROWSDOWN: 0x100,
  /** userfaultfd registration modes (kept in `Vma.uffd` for merging; shown in smaps VmFlags as um / uw). */
  UFFD_MISSING: 0x200,
  /** mseal(2) (VM_SEALED, `sl`). The model's own bit: Linux keeps it above bit 31. */
  SEALED: 0x400,
  /** A guard marker may have been installed in the VMA (VM_MAYBE_GUARD, `gu`): sticky, ignored by merging. */
  MAYBE_GUARD: 0x800,
  /** MAP_DROPPABLE (VM_DROPPABLE, `dp`). The model's own bit: Linux keeps it above bit 31. */
  DROPPABLE: 0x4000,
  UFFD_WP: 0x1000,
  LOCKED: 0x2000,
  SEQ_READ: 0x8000,
  RAND_READ: 0x10000,
  DONTCOPY: 0x20000,
  DONTEXPAND: 0x40000,
  LOCKONFAULT: 0x80000,
  ACCOUNT: 0x100000,
  NORESERVE: 0x200000,
  WIPEONFORK: 0x2000000,
  DONTDUMP: 0x4000000,
  SOFTDIRTY: 0x8000000,
  /**
   * Model-internal (Linux's bit here is VM_MIXEDMAP, which the model never sets): the inverse of VM_SOFTDIRTY,
   * set by clear_refs 4 on a soft-dirty kernel, so that every VMA created afterwards is soft-dirty without the
   * creating calls knowing. Ignored for merging, as Linux ignores VM_SOFTDIRTY; a merge keeps it only if both had it.
   */
  SOFT_CLEAN: 0x10000000,
  HUGEPAGE: 0x20000000,
  NOHUGEPAGE: 0x40000000,
  /**
   * MADV_MERGEABLE (VM_MERGEABLE, `mg`). The model's own bit: Linux's is bit 31, past the model's int32 flags; this
   * one is Linux's VM_ARCH_1 (x86 VM_PAT), which the model never sets.
   */
  MERGEABLE: 0x1000000,
} as const);

/** Internal: page size and the x86-64 user address-space ceiling (4-level paging). */
export const PAGE = 4096;
export const TASK_SIZE_X86_64 = 0x7ffffffff000;
/** 256 pages, the default stack_guard_gap. */
export const STACK_GUARD_GAP = 256 * PAGE;
