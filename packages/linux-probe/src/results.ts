/**
 * An address in a result: a window-relative offset, or `{ abs: "0x..." }` when it lies outside the window.
 *
 * @public
 */
export type ProbeAddress = number | { readonly abs: string };

/**
 * One `smaps` entry: the normalized maps line, the numeric fields (sizes in kB) and `VmFlags` as printed.
 *
 * @public
 */
export interface SmapsEntry {
  readonly line: string;
  readonly fields: Readonly<Record<string, number | string>>;
}

/**
 * A userfaultfd message as `uffd_read` reports it.
 *
 * @public
 */
export type UffdEvent =
  | {
      readonly event: 'PAGEFAULT';
      readonly flags: readonly ('WRITE' | 'WP' | 'MINOR')[];
      readonly address: ProbeAddress;
      /** The faulting thread's name ("main" or a scenario thread), or 0 without THREAD_ID. */
      readonly ptid: string | number;
    }
  | { readonly event: 'FORK'; readonly ufd: string }
  | { readonly event: 'REMAP'; readonly from: ProbeAddress; readonly to: ProbeAddress; readonly len: number }
  | { readonly event: 'REMOVE' | 'UNMAP'; readonly start: ProbeAddress; readonly end: ProbeAddress }
  | { readonly event: 'UNKNOWN'; readonly code: number };

/**
 * A native benchmark's timings (ns per operation: median, extremes and every timed sample).
 *
 * @public
 */
export interface BenchValue {
  readonly name: string;
  readonly units_per_sample: number;
  readonly ns_per_op: number;
  readonly min_ns_per_op: number;
  readonly max_ns_per_op: number;
  readonly samples_ns_per_op: readonly number[];
}

/**
 * What `pagemap_scan` returns: the regions the kernel wrote (`struct page_region`, addresses as the probe reports
 * them) and `walk_end`, where the walk stopped.
 *
 * @public
 */
export interface PagemapScanValue {
  readonly regions: readonly { readonly start: ProbeAddress; readonly end: ProbeAddress; readonly categories: number }[];
  readonly walk_end: ProbeAddress;
}

/**
 * The `value` of a successful operation; its shape depends on the op (see the README's table).
 *
 * @public
 */
export type LinuxValue =
  | number
  | string
  | { readonly abs: string }
  | readonly number[]
  | readonly string[]
  | readonly SmapsEntry[]
  | readonly UffdEvent[]
  | { readonly features: readonly string[]; readonly ioctls: readonly string[] }
  | { readonly ioctls: readonly string[] }
  | { readonly done: boolean; readonly result?: LinuxCallResult }
  | { readonly cur: number | 'INFINITY'; readonly max: number | 'INFINITY' }
  | PagemapScanValue
  | BenchValue;

/**
 * A call that succeeded. `data` is the hex of the bytes moved by kernel-mode reads.
 *
 * @public
 */
export interface LinuxOk {
  readonly ok: true;
  readonly value: LinuxValue;
  readonly data?: string;
}

/**
 * A call that failed with an errno (by name, e.g. "EINVAL"). For userfaultfd fills, `done` is the kernel's
 * copy/zeropage field (bytes done, or the negated errno).
 *
 * @public
 */
export interface LinuxErrno {
  readonly ok: false;
  readonly errno: string;
  readonly done?: number;
  readonly detail?: string;
  readonly read_errno?: string;
}

/**
 * A user-mode access that faulted: the signal, its si_code name (SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, ...),
 * the fault address, and how many bytes were accessed before the fault.
 *
 * @public
 */
export interface LinuxFault {
  readonly ok: false;
  readonly signal: string;
  readonly code: string;
  readonly fault_addr: ProbeAddress;
  readonly done: number;
}

/**
 * The outcome of one call, without its position.
 *
 * @public
 */
export type LinuxCallResult = LinuxOk | LinuxErrno | LinuxFault;

/**
 * The result of operation `i` of a scenario: which op, where it ran, and its outcome.
 *
 * @public
 */
export type LinuxOpResult = {
  readonly i: number;
  readonly op: string;
  readonly in?: string;
  readonly thread?: string;
} & LinuxCallResult;

/**
 * How a scenario ended in the probe.
 *
 * @public
 */
export type ScenarioStatus = 'ok' | 'timeout' | 'crash' | 'rejected';

/**
 * Everything a scenario produced, in operation order.
 *
 * @public
 */
export interface ScenarioOutcome {
  readonly status: ScenarioStatus;
  readonly results: readonly LinuxOpResult[];
  /** For "crash": the process that died and its signal; for "rejected": the probe's reason; for "timeout": ops run. */
  readonly detail?: string;
}

/**
 * What the kernel under the probe supports.
 *
 * @public
 */
export interface ProbeInfo {
  readonly kernel: string;
  readonly machine: string;
  readonly window_base: string;
  readonly window_size: number;
  readonly page_size: number;
  /** False when the kernel lacks CONFIG_ANON_VMA_NAME (PR_SET_VMA_ANON_NAME then always fails with EINVAL). */
  readonly anon_vma_name: boolean;
  readonly userfaultfd: boolean;
  readonly uffd_features: readonly string[];
  readonly max_map_count: number;
  /** The vm.unprivileged_userfaultfd sysctl (-1 if unreadable). */
  readonly unprivileged_userfaultfd: number;
  readonly euid: number;
  /** The memory-management behaviours that differ between kernel builds, measured on this host (see below). */
  readonly profile: ProbeProfileFacts;
}

/**
 * What `probe --info` measures for memsim's kernel profile: a read fault on a private anonymous page (does Rss stay
 * 0, i.e. the shared zero page?), VM_ACCOUNT across mprotect(PROT_READ) of an untouched and of a written page, and
 * the sysctls. `null` when a check could not run (the window was occupied).
 *
 * @public
 */
export interface ProbeProfileFacts {
  readonly zero_page_read_fault: boolean | null;
  /** `keep`: even an untouched VMA keeps `ac`; `drop-without-anon-vma`: only a VMA without anon_vma loses it. */
  readonly mprotect_account: 'keep' | 'drop-without-anon-vma' | 'drop' | null;
  readonly anon_vma_name: boolean;
  readonly mmap_min_addr: number;
  readonly max_map_count: number;
  readonly overcommit_memory: number;
  readonly overcommit_ratio: number;
  /** The selected mode of /sys/kernel/mm/transparent_hugepage/enabled, or `unavailable`. */
  readonly thp_enabled: string;
  readonly uffd_features: readonly string[];
  /** Whether a write sets pagemap bit 55 (CONFIG_MEM_SOFT_DIRTY). */
  readonly soft_dirty: boolean;
  /** Whether /proc/self/pagemap takes the PAGEMAP_SCAN ioctl (Linux 6.7). */
  readonly pagemap_scan: boolean;
}
