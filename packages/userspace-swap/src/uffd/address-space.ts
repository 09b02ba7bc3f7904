/**
 * The contract between userfaultfd and an address space (starnix-mm implements it; the tests use a small reference).
 *
 * Two directions: the address space answers queries and installs pages for the userfaultfd ioctls
 * ({@link UffdAddressSpace}), and it calls the registered context's hooks ({@link UffdContextHooks}) when a task
 * faults in a registered range or changes the mappings (munmap, mremap, madvise, fork).
 */

/**
 * A simulated task (thread) of the process that owns the address space.
 *
 * @public
 */
export interface UffdTask {
  /** The thread id reported in PAGEFAULT messages with THREAD_ID (`task_pid_vnr`). */
  readonly tid: number;
}

/**
 * The kind of memory behind a VMA, as userfaultfd's compatibility checks see it.
 *
 * - `anonymous`: private anonymous memory (MISSING, WP).
 * - `shmem`: shared anonymous or memfd/tmpfs memory (MISSING, WP, MINOR).
 * - `hugetlb`: hugetlbfs memory (MISSING, WP, MINOR).
 * - `file`: any other file mapping (cannot be registered: EINVAL).
 *
 * @public
 */
export type UffdVmaKind = 'anonymous' | 'shmem' | 'hugetlb' | 'file';

/**
 * One VMA as userfaultfd sees it.
 *
 * @public
 */
export interface UffdVma {
  /** First byte (page aligned). */
  readonly start: number;
  /** One past the last byte (page aligned). */
  readonly end: number;
  /** What memory backs it. */
  readonly kind: UffdVmaKind;
  /** VM_MAYWRITE: registration needs it (EPERM otherwise). */
  readonly mayWrite: boolean;
  /** VM_DROPPABLE (MAP_DROPPABLE, Linux 6.11): such a VMA can never be registered (EINVAL). Absent means false. */
  readonly droppable?: boolean;
  /** The userfaultfd context this VMA is registered with, or null (`vm_userfaultfd_ctx`). */
  readonly uffd: UffdContextHooks | null;
  /** The registered UFFDIO_REGISTER_MODE_* bits (0 when `uffd` is null). */
  readonly uffdMode: number;
  /**
   * The VMA's access bits (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4) and VM_LOCKED as 8, which UFFDIO_MOVE compares
   * between source and destination. Optional: a space without it refuses UFFDIO_MOVE (EINVAL).
   */
  readonly access?: number;
}

/**
 * Why {@link UffdAddressSpace.movePage} could not move a page: EBUSY when the source page is not exclusive to this
 * process (shared with a fork child, pinned), EFAULT when it holds a marker (poison) rather than a page.
 *
 * @public
 */
export type UffdMoveRefusal = 'EBUSY' | 'EFAULT';

/**
 * What userfaultfd needs from an address space. Every address is a byte address; page-sized operations receive
 * page-aligned addresses.
 *
 * @public
 */
export interface UffdAddressSpace {
  /** The page size (4096 on the modelled machines). */
  readonly pageSize: number;
  /** `mmap_min_addr`: ranges starting below it are EINVAL. */
  readonly mmapMinAddr: number;
  /** `TASK_SIZE`: the end of the user address range. */
  readonly taskSize: number;
  /** False once the process exited (`mmget_not_zero` fails): fills get ESRCH. */
  readonly alive: boolean;
  /** The VMAs intersecting [start, end), in address order. */
  vmasIn(start: number, end: number): readonly UffdVma[];
  /**
   * Sets the registration of every VMA part inside [start, end) (splitting VMAs at the boundaries as Linux does;
   * holes are skipped). `ctx` null with mode 0 unregisters.
   */
  setRegistration(start: number, end: number, ctx: UffdContextHooks | null, mode: number): void;
  /** Whether a page (or a zero page) is mapped at the page-aligned address (a poison marker counts as present). */
  isPagePresent(address: number): boolean;
  /** Installs a private page holding `data` (exactly one page) at a missing address; `writeProtected` marks it WP. */
  installPage(address: number, data: Uint8Array, writeProtected: boolean): void;
  /**
   * {@link UffdAddressSpace.installPage} for each page of [address, address + data.length), a whole number of pages
   * all missing and inside one VMA, in one call (one lookup and one copy where the space can). The bytes are copied.
   * Optional: a space without it gets one installPage per page.
   */
  installPages?(address: number, data: Uint8Array, writeProtected: boolean): void;
  /** Installs the shared zero page at a missing address. */
  installZeroPage(address: number): void;
  /**
   * Whether `address` holds a PTE marker that is no page and no poison (a MADV_GUARD_INSTALL guard): UFFDIO_MOVE
   * fails on it, EFAULT as a source (even with ALLOW_SRC_HOLES) and EEXIST as a destination; UFFDIO_ZEROPAGE and
   * UFFDIO_POISON fail with EEXIST; {@link UffdAddressSpace.installPage} (UFFDIO_COPY) replaces it. Optional: a
   * space without markers leaves it out.
   */
  hasMarker?(address: number): boolean;
  /**
   * find_vma_and_prepare_anon: gives the private VMA containing `address` its anon_vma, as every fill and move does
   * for its destination before it validates anything else (even when it then fails), which decides later VMA merges.
   * Optional.
   */
  prepareAnon?(address: number): void;
  /**
   * Whether the page table covering `address` exists, making it first when `allocate` is set (UFFDIO_MOVE's
   * pte_alloc of each source and destination it reaches): a missing source table is ENOENT before anything else of
   * that page is looked at, unless ALLOW_SRC_HOLES, which makes it. Optional: a space without page tables leaves it out.
   */
  pageTable?(address: number, allocate: boolean): boolean;
  /** Installs a poison marker at a missing address: later accesses get SIGBUS (UFFDIO_POISON). */
  installPoison(address: number): void;
  /**
   * The UFFD_FEATURE_* bits the kernel offers (what UFFDIO_API reports, and the only ones it accepts). Optional: the
   * default is every feature of Linux 6.18 (`UFFD_API_FEATURES`). Without MOVE, UFFDIO_MOVE does not exist
   * (EINVAL, as on Linux before 6.8) and REGISTER does not report it.
   */
  readonly supportedFeatures?: number;
  /**
   * UFFDIO_MOVE of one page: moves the present page (or zero page) at `from` to the missing address `to`, leaving
   * `from` missing and `to` mapped without the uffd-wp bit. Returns null when moved, or why not. Optional: a space
   * without it refuses UFFDIO_MOVE with EINVAL.
   */
  movePage?(from: number, to: number): UffdMoveRefusal | null;
  /** Sets or clears the userfaultfd write-protect bit of a present page. */
  setWriteProtected(address: number, writeProtected: boolean): void;
  /**
   * Moves the present pages of [start, start + length) out of the address space and returns their contents (in
   * address order), leaving the range mapped, registered and missing, and raising no userfaultfd event. This is
   * ChromeOS's swap-out step, mremap(MAYMOVE | DONTUNMAP | FIXED) into a private swap area and then dropping that
   * area; an implementation may equally copy and zap. The swap manager calls it, never a task, so nothing blocks.
   */
  takePages(start: number, length: number): { address: number; data: Uint8Array }[];
}

/**
 * Access details of a fault raised into userfaultfd.
 *
 * @public
 */
export interface UffdFaultAccess {
  /** A write access (else read). */
  readonly write: boolean;
  /** A write to a userfaultfd-write-protected page (reason WP rather than MISSING). */
  readonly wp?: boolean;
  /** The access came from user mode (false for kernel accesses such as a syscall copying to user memory). */
  readonly user?: boolean;
}

/**
 * How the address space proceeds after {@link UffdContextHooks.fault} settles.
 *
 * - `retry`: re-check the page and retry the access (which may fault again).
 * - `sigbus`: deliver SIGBUS to the task (SIGBUS feature, or kernel access on a USER_MODE_ONLY fd).
 *
 * @public
 */
export type UffdFaultOutcome = 'retry' | 'sigbus';

/**
 * The hooks a registered VMA's context offers the address space (`UserfaultFD` implements them). The address space
 * calls them exactly where Linux calls `handle_userfault` and the `userfaultfd_*` event helpers.
 *
 * @public
 */
export interface UffdContextHooks {
  /** Whether the context enabled a feature bit (for example EVENT_REMAP decides whether mremap keeps registration). */
  hasFeature(bit: number): boolean;
  /**
   * A task touched a registered page that is missing (MISSING mode) or write-protected (WP mode, `access.wp`).
   * Resolves when the task may retry: a page was installed and woken, UFFDIO_WAKE covered it, or the fd closed.
   */
  fault(task: UffdTask, address: number, access: UffdFaultAccess): Promise<UffdFaultOutcome>;
  /**
   * madvise(DONTNEED / REMOVE / FREE) is about to zap [start, end) of a VMA registered with this context (one call
   * per VMA, the range clipped to it). Call BEFORE zapping; resolves when the task may proceed (after the REMOVE
   * event was read, or at once without EVENT_REMOVE).
   */
  remove(task: UffdTask, start: number, end: number): Promise<void>;
  /**
   * munmap (or the unmapping part of mremap) removed [start, end), the whole requested range, which overlapped a VMA
   * registered with this context (one call per context). Call AFTER unmapping; resolves after the UNMAP event was read.
   */
  unmap(task: UffdTask, start: number, end: number): Promise<void>;
  /**
   * mremap moved a registered VMA from `from` to `to` (`length` = the old length). Call after the move and before
   * any unmap of the old range; resolves after the REMAP event was read. Without EVENT_REMAP the new VMA must be
   * unregistered and this call is skipped.
   */
  remap(task: UffdTask, from: number, to: number, length: number): Promise<void>;
  /**
   * fork is duplicating a VMA registered with this context: returns the child's context (a new userfaultfd with the
   * same features, created once per parent context and child) when EVENT_FORK is enabled, else null, in which case
   * the child's VMA is unregistered.
   */
  forkContext(child: UffdAddressSpace): UffdContextHooks | null;
  /** After fork copied the mappings: raises the FORK event for `child`; resolves after it was read. */
  forkComplete(task: UffdTask, child: UffdContextHooks): Promise<void>;
}
