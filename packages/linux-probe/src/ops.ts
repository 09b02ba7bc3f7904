/**
 * The Linux step vocabulary: one object per operation, exactly as the probe reads it (field names are the wire
 * names, which follow the Linux argument names). The model backend produces the same shapes.
 */

/**
 * An integer argument. Numbers must be safe integers; use a bigint for values up to 2^64-1. Negative values pass
 * as two's complement, as a syscall would see them (`-1` is 0xffff_ffff_ffff_ffff).
 *
 * @public
 */
export type ProbeInt = number | bigint;

/**
 * An address: a window-relative offset (may be negative or huge, to test wrapping), or `{ abs }` for an absolute
 * address outside the window (e.g. `{ abs: 0 }` for NULL).
 *
 * @public
 */
export type ProbeAddr = ProbeInt | { readonly abs: ProbeInt };

/**
 * A flag set: names OR-ed together, raw numbers for bits with no name (or deliberately unknown bits), or one number.
 *
 * @public
 */
export type ProbeFlags<Name extends string> = readonly (Name | ProbeInt)[] | Name | ProbeInt;

/** @public */
export type ProtName = 'NONE' | 'READ' | 'WRITE' | 'EXEC' | 'SEM' | 'GROWSDOWN' | 'GROWSUP';
/** @public */
export type MapFlagName =
  | 'SHARED'
  | 'PRIVATE'
  | 'SHARED_VALIDATE'
  | 'DROPPABLE'
  | 'FIXED'
  | 'ANONYMOUS'
  | 'ANON'
  | '32BIT'
  | 'GROWSDOWN'
  | 'DENYWRITE'
  | 'EXECUTABLE'
  | 'LOCKED'
  | 'NORESERVE'
  | 'POPULATE'
  | 'NONBLOCK'
  | 'STACK'
  | 'HUGETLB'
  | 'SYNC'
  | 'FIXED_NOREPLACE'
  | 'UNINITIALIZED';
/** @public */
export type MremapFlagName = 'MAYMOVE' | 'FIXED' | 'DONTUNMAP';
/** @public */
export type AdviceName =
  | 'NORMAL'
  | 'RANDOM'
  | 'SEQUENTIAL'
  | 'WILLNEED'
  | 'DONTNEED'
  | 'FREE'
  | 'REMOVE'
  | 'DONTFORK'
  | 'DOFORK'
  | 'MERGEABLE'
  | 'UNMERGEABLE'
  | 'HUGEPAGE'
  | 'NOHUGEPAGE'
  | 'DONTDUMP'
  | 'DODUMP'
  | 'WIPEONFORK'
  | 'KEEPONFORK'
  | 'COLD'
  | 'PAGEOUT'
  | 'POPULATE_READ'
  | 'POPULATE_WRITE'
  | 'DONTNEED_LOCKED'
  | 'COLLAPSE'
  | 'GUARD_INSTALL'
  | 'GUARD_REMOVE'
  | 'HWPOISON'
  | 'SOFT_OFFLINE';
/** @public */
export type MsyncFlagName = 'ASYNC' | 'INVALIDATE' | 'SYNC';
/** @public */
export type MlockallFlagName = 'CURRENT' | 'FUTURE' | 'ONFAULT';
/** @public */
export type RlimitName = 'AS' | 'DATA' | 'STACK' | 'MEMLOCK' | 'NOFILE' | 'RSS' | 'CORE' | 'FSIZE';
/** @public */
export type CapabilityName = 'IPC_LOCK' | 'SYS_PTRACE' | 'SYS_RESOURCE' | 'SYS_ADMIN' | 'SYS_NICE' | 'IPC_OWNER';
/** @public */
export type OpenModeName = 'RDONLY' | 'WRONLY' | 'RDWR';
/** @public */
export type UffdFlagName = 'CLOEXEC' | 'NONBLOCK' | 'USER_MODE_ONLY';
/** @public */
export type UffdFeatureName =
  | 'PAGEFAULT_FLAG_WP'
  | 'EVENT_FORK'
  | 'EVENT_REMAP'
  | 'EVENT_REMOVE'
  | 'MISSING_HUGETLBFS'
  | 'MISSING_SHMEM'
  | 'EVENT_UNMAP'
  | 'SIGBUS'
  | 'THREAD_ID'
  | 'MINOR_HUGETLBFS'
  | 'MINOR_SHMEM'
  | 'EXACT_ADDRESS'
  | 'WP_HUGETLBFS_SHMEM'
  | 'WP_UNPOPULATED'
  | 'POISON'
  | 'WP_ASYNC'
  | 'MOVE';
/** @public */
export type UffdRegisterModeName = 'MISSING' | 'WP' | 'MINOR';
/**
 * PAGEMAP_SCAN page categories (`PAGE_IS_*`), for the masks of `pagemap_scan`.
 *
 * @public
 */
export type PageCategoryName = 'WPALLOWED' | 'WRITTEN' | 'FILE' | 'PRESENT' | 'SWAPPED' | 'PFNZERO' | 'HUGE' | 'SOFT_DIRTY' | 'GUARD';
/**
 * PAGEMAP_SCAN flags (`PM_SCAN_*`).
 *
 * @public
 */
export type PagemapScanFlagName = 'WP_MATCHING' | 'CHECK_WPASYNC';
/** @public */
export type BenchName =
  | 'mmap_munmap_1page'
  | 'map_fixed'
  | 'mprotect_whole_vma'
  | 'mprotect_split_merge'
  | 'mremap_grow_shrink'
  | 'first_touch_fault'
  | 'madvise_dontneed'
  | 'fork_touched'
  | 'memcpy'
  | 'pvm_read'
  | 'pvm_write'
  | 'uffd_roundtrip'
  | 'uffd_copy';

/**
 * Fields every operation may carry: `in` names the process that runs it (`"parent"` by default; forked processes
 * are named by `fork`'s `child`), `thread` runs it asynchronously on a named thread (collect it with `join`).
 *
 * @public
 */
export interface OpCommon {
  readonly in?: string;
  readonly thread?: string;
}

/**
 * Bytes to write: `data` as hex, or `fill` (a byte value) repeated `length` times.
 *
 * @public
 */
export type ProbeBytes = { readonly data: string } | { readonly fill: number; readonly length: ProbeInt };

/**
 * An fd: the name of a memfd, opened file or userfaultfd from the scenario, or a raw number (e.g. -1, or a bad fd).
 *
 * @public
 */
export type ProbeFd = string | ProbeInt;

/**
 * The address range an op acts on (munmap, mprotect, mlock, read, ...).
 *
 * @public
 */
export interface ProbeRange {
  readonly addr: ProbeAddr;
  readonly length: ProbeInt;
}

/**
 * One operation of a scenario (discriminated by `op`). Addresses are window-relative unless given as `{ abs }`.
 *
 * @public
 */
export type LinuxOp = OpCommon &
  (
    | {
        readonly op: 'mmap';
        readonly addr?: ProbeAddr | null;
        readonly length: ProbeInt;
        readonly prot: ProbeFlags<ProtName>;
        readonly flags: ProbeFlags<MapFlagName>;
        readonly fd?: ProbeFd;
        readonly offset?: ProbeInt;
      }
    | ({ readonly op: 'munmap' | 'mlock' | 'munlock' | 'mincore' | 'pagemap' | 'read' | 'hash' } & ProbeRange)
    | PagemapScanOp
    /** A write of `value` (as decimal text) to /proc/self/clear_refs: 1-5 are accepted, 4 clears soft-dirty bits. */
    | { readonly op: 'clear_refs'; readonly value: ProbeInt }
    /** pread(2) / pwrite(2) of /proc/self/mem (FOLL_FORCE): partial at the first unreachable page, EIO if none. */
    | ({ readonly op: 'proc_mem_read' } & ProbeRange)
    | ({ readonly op: 'proc_mem_write'; readonly addr: ProbeAddr } & ProbeBytes)
    | ({ readonly op: 'mprotect'; readonly prot: ProbeFlags<ProtName> } & ProbeRange)
    | ({ readonly op: 'madvise'; readonly advice: AdviceName | ProbeInt } & ProbeRange)
    | ({ readonly op: 'mlock2'; readonly flags?: ProbeFlags<'ONFAULT'> } & ProbeRange)
    /** mseal(2) (Linux 6.10+; ENOSYS before): `flags` must be 0. */
    | ({ readonly op: 'mseal'; readonly flags?: ProbeInt } & ProbeRange)
    | ({ readonly op: 'msync'; readonly flags?: ProbeFlags<MsyncFlagName> } & ProbeRange)
    | {
        readonly op: 'mremap';
        readonly old_address: ProbeAddr;
        readonly old_size: ProbeInt;
        readonly new_size: ProbeInt;
        readonly flags?: ProbeFlags<MremapFlagName>;
        readonly new_address?: ProbeAddr | null;
      }
    | { readonly op: 'mlockall'; readonly flags: ProbeFlags<MlockallFlagName> }
    | { readonly op: 'munlockall' }
    | { readonly op: 'brk'; readonly addr?: ProbeInt | null }
    | ({ readonly op: 'prctl_set_vma_anon_name'; readonly name: string | null } & ProbeRange)
    | {
        readonly op: 'setrlimit';
        readonly resource: RlimitName | ProbeInt;
        readonly cur: ProbeInt | 'INFINITY';
        readonly max?: ProbeInt | 'INFINITY';
      }
    | { readonly op: 'getrlimit'; readonly resource: RlimitName | ProbeInt }
    | { readonly op: 'drop_caps'; readonly caps: 'ALL' | readonly (CapabilityName | ProbeInt)[] }
    | ({ readonly op: 'write' | 'process_vm_writev' | 'kernel_write'; readonly addr: ProbeAddr } & ProbeBytes)
    | { readonly op: 'exec'; readonly addr: ProbeAddr }
    | ({ readonly op: 'process_vm_readv' | 'kernel_read' } & ProbeRange)
    | { readonly op: 'maps' | 'smaps' | 'heap_maps' }
    /**
     * The process's VMA count relative to vm.max_map_count (the count minus the limit: 0 at the limit, -k k VMAs
     * below it), so that results depend neither on the host's limit nor on the probe's own VMAs.
     */
    | { readonly op: 'map_count' }
    /**
     * Fills the address space to `below` VMAs under vm.max_map_count with single pages of alternating protections
     * outside the window (at 0x3000_0000_0000; a second fill in one process is EEXIST); the value is the count
     * relative to the limit afterwards, as `map_count` gives it.
     */
    | { readonly op: 'map_count_fill'; readonly below: number }
    | { readonly op: 'memfd_create'; readonly name: string; readonly size?: ProbeInt; readonly flags?: ProbeInt }
    | { readonly op: 'open'; readonly file: string; readonly as: string; readonly mode: OpenModeName | ProbeInt }
    | { readonly op: 'close'; readonly fd: string }
    | { readonly op: 'ftruncate'; readonly fd: ProbeFd; readonly size: ProbeInt }
    | ({ readonly op: 'pwrite'; readonly fd: ProbeFd; readonly offset?: ProbeInt } & ProbeBytes)
    | { readonly op: 'pread'; readonly fd: ProbeFd; readonly offset?: ProbeInt; readonly length: ProbeInt }
    | { readonly op: 'fork'; readonly child?: string }
    | { readonly op: 'join' | 'wait_blocked'; readonly thread: string; readonly timeout_ms?: number }
    | { readonly op: 'sleep'; readonly ms: number }
    | { readonly op: 'uffd_create'; readonly name?: string; readonly flags?: ProbeFlags<UffdFlagName> }
    | {
        readonly op: 'uffd_api';
        readonly uffd?: ProbeFd;
        readonly features?: ProbeFlags<UffdFeatureName>;
        readonly api?: ProbeInt;
      }
    | ({
        readonly op: 'uffd_register';
        readonly uffd?: ProbeFd;
        readonly mode: ProbeFlags<UffdRegisterModeName>;
      } & ProbeRange)
    | ({ readonly op: 'uffd_unregister' | 'uffd_wake'; readonly uffd?: ProbeFd } & ProbeRange)
    | ({
        readonly op: 'uffd_copy';
        readonly uffd?: ProbeFd;
        readonly addr: ProbeAddr;
        readonly mode?: ProbeFlags<'DONTWAKE' | 'WP'>;
      } & (ProbeBytes | { readonly src: ProbeAddr; readonly length: ProbeInt }))
    | ({ readonly op: 'uffd_zeropage'; readonly uffd?: ProbeFd; readonly mode?: ProbeFlags<'DONTWAKE'> } & ProbeRange)
    | ({
        readonly op: 'uffd_move';
        readonly uffd?: ProbeFd;
        readonly src: ProbeAddr;
        readonly mode?: ProbeFlags<'DONTWAKE' | 'ALLOW_SRC_HOLES'>;
      } & ProbeRange)
    | ({
        readonly op: 'uffd_writeprotect';
        readonly uffd?: ProbeFd;
        readonly mode?: ProbeFlags<'WP' | 'DONTWAKE'>;
      } & ProbeRange)
    | { readonly op: 'uffd_read'; readonly uffd?: ProbeFd; readonly count?: number; readonly timeout_ms?: number }
    | { readonly op: 'poll'; readonly uffd?: ProbeFd; readonly timeout_ms?: number }
    | BenchOp
  );

/**
 * The PAGEMAP_SCAN ioctl on /proc/self/pagemap (Linux 6.7; ENOTTY before), with `struct pm_scan_arg`'s fields:
 * `start` and `end` are addresses like any other, masks take {@link PageCategoryName}s or numbers. Omitted fields are
 * 0, except `vec_len` (room for regions), which defaults to the probe's buffer of 512 regions (its maximum).
 *
 * @public
 */
export interface PagemapScanOp {
  readonly op: 'pagemap_scan';
  readonly start: ProbeAddr;
  readonly end: ProbeAddr;
  readonly flags?: ProbeFlags<PagemapScanFlagName>;
  readonly vec_len?: ProbeInt;
  readonly max_pages?: ProbeInt;
  readonly category_inverted?: ProbeFlags<PageCategoryName>;
  readonly category_mask?: ProbeFlags<PageCategoryName>;
  readonly category_anyof_mask?: ProbeFlags<PageCategoryName>;
  readonly return_mask?: ProbeFlags<PageCategoryName>;
}

/**
 * A native micro-benchmark. `vmas` builds that many VMAs first (for the N-VMA rows; bounded by vm.max_map_count),
 * `pages` and `mib` size the per-page and bulk rows. Sample 0 is a warm-up; `samples` more are timed.
 *
 * @public
 */
export interface BenchOp {
  readonly op: 'bench';
  readonly name: BenchName;
  readonly iterations?: number;
  readonly samples?: number;
  readonly vmas?: number;
  readonly pages?: number;
  readonly mib?: number;
}

/**
 * The names of every operation.
 *
 * @public
 */
export type LinuxOpName = LinuxOp['op'];
