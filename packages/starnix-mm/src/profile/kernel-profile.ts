/**
 * Kernel profiles: the Linux memory-management behaviours that differ between kernel builds, configurations and
 * sysctls, as one immutable record the memory manager follows.
 */

/**
 * What mprotect does with VM_ACCOUNT (the `ac` VmFlag) when it removes PROT_WRITE from a private anonymous VMA.
 *
 * - `drop-without-anon-vma`: the charge is dropped only while the VMA has no anon_vma yet, that is before any fault
 *   allocated an anonymous page in it (or it inherited one through a split, merge or fork); mprotect_fixup since
 *   Linux 6.2.
 * - `keep`: the charge is always kept (older kernels).
 *
 * @public
 */
export type VmAccountRule = 'drop-without-anon-vma' | 'keep';

/**
 * The `vm.overcommit_memory` sysctl: 0 heuristic, 1 always, 2 strict accounting.
 *
 * @public
 */
export type OvercommitMode = 0 | 1 | 2;

/**
 * Where a profile came from.
 *
 * @public
 */
export type KernelProfileSource = 'builtin' | 'detected' | 'file';

/**
 * A typed, immutable description of every host-dependent Linux memory-management behaviour memsim knows about.
 * Fields marked "followed" change what the model does; the others are recorded (detected and reported) but the
 * model does not implement the behaviour they describe, and says so (see {@link KERNEL_PROFILE_FIELDS}).
 *
 * @public
 */
export interface KernelProfile {
  /** The profile's name (`linux-6.18-v669`, `host`, or a file's own name). */
  readonly name: string;
  /** The kernel release the profile was measured on (`uname -r`). */
  readonly kernel: string;
  /** Where it came from. */
  readonly source: KernelProfileSource;
  /**
   * Followed. A read fault on private anonymous memory maps the shared zero page (true: Rss and Anonymous stay 0,
   * mincore says resident, no anon_vma is attached) or allocates a zeroed page (false: the page counts in Rss and
   * Anonymous, and the VMA gets its anon_vma as a write fault would).
   */
  readonly zeroPageOnReadFault: boolean;
  /** Followed. VM_ACCOUNT across an mprotect that removes PROT_WRITE (see {@link VmAccountRule}). */
  readonly mprotectAccount: VmAccountRule;
  /** Followed. CONFIG_ANON_VMA_NAME: without it PR_SET_VMA_ANON_NAME fails with EINVAL for every input. */
  readonly anonVmaName: boolean;
  /** Followed. `vm.mmap_min_addr`: lowest address mmap may use (page-rounded up). */
  readonly mmapMinAddr: number;
  /** Followed by mmap (ENOMEM once the process has more VMAs than this). `vm.max_map_count`. */
  readonly maxMapCount: number;
  /** Recorded, not followed: `vm.overcommit_memory`. The model never refuses memory for commit accounting. */
  readonly overcommitMemory: OvercommitMode;
  /** Recorded, not followed: `vm.overcommit_ratio` (percent; used with mode 2). */
  readonly overcommitRatio: number;
  /** Recorded, not followed: the selected mode of `/sys/kernel/mm/transparent_hugepage/enabled` (or `unavailable`). */
  readonly thpEnabled: string;
  /**
   * Followed: the userfaultfd features UFFDIO_API reports (names as the uapi spells them without `UFFD_FEATURE_`;
   * empty when userfaultfd is unavailable). The model's userfaultfd offers these (of the ones it implements) and
   * refuses the others; `MOVE` (Linux 6.8) also decides whether UFFDIO_MOVE exists, `WP_ASYNC` and
   * `WP_UNPOPULATED` (6.7) whether write-protection may be asynchronous.
   */
  readonly uffdFeatures: readonly string[];
  /** Followed. mseal(2) exists (Linux 6.10); without it the call is ENOSYS and no VMA is ever sealed. */
  readonly mseal: boolean;
  /** Followed. MAP_DROPPABLE exists (Linux 6.11); without it mmap type 0x08 is EINVAL, as any unknown type. */
  readonly mapDroppable: boolean;
  /** Followed. MADV_GUARD_INSTALL / MADV_GUARD_REMOVE exist (Linux 6.13); without them the advice is EINVAL. */
  readonly guardRegions: boolean;
  /**
   * Followed. Installing a guard marks the VMA VM_MAYBE_GUARD (`gu` in smaps VmFlags; sticky, ignored when merging).
   * Measured on 6.18.44; upstream added the flag late in the 6.x series, so a profile of an older kernel says false.
   */
  readonly guardVmFlag: boolean;
  /**
   * Followed. CONFIG_MEM_SOFT_DIRTY: writes set pagemap bit 55 and clear_refs 4 clears it. Without it (as on the
   * Firecracker builds measured) bit 55 is never set and clear_refs 4 is accepted and does nothing.
   */
  readonly softDirty: boolean;
  /**
   * Followed. The PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7): without it the ioctl fails with ENOTTY.
   */
  readonly pagemapScan: boolean;
}

/**
 * One field of {@link KernelProfile}: whether the model follows it and what it changes.
 *
 * @public
 */
export interface KernelProfileField {
  readonly field: keyof KernelProfile;
  readonly followed: boolean;
  readonly changes: string;
}

/**
 * Every behaviour field of a profile, in print order, with whether the model follows it.
 *
 * @public
 */
export const KERNEL_PROFILE_FIELDS: readonly KernelProfileField[] = Object.freeze([
  { field: 'zeroPageOnReadFault', followed: true, changes: 'smaps Rss/Anonymous after read faults on private anonymous memory; anon_vma attachment (and so VMA merges and VM_ACCOUNT on mprotect)' },
  { field: 'mprotectAccount', followed: true, changes: "the 'ac' VmFlag after mprotect removes PROT_WRITE" },
  { field: 'anonVmaName', followed: true, changes: 'PR_SET_VMA_ANON_NAME: names VMAs, or EINVAL for every input' },
  { field: 'mmapMinAddr', followed: true, changes: 'lowest mmap address (MAP_FIXED below it: EPERM; hints below it are raised)' },
  { field: 'maxMapCount', followed: true, changes: 'mmap fails with ENOMEM past this many VMAs; a split at the limit fails (ENOMEM; EAGAIN from madvise), mremap moves keep 3-5 VMAs of headroom' },
  { field: 'overcommitMemory', followed: false, changes: 'the model never fails an allocation for commit accounting (heuristic or strict)' },
  { field: 'overcommitRatio', followed: false, changes: 'the strict-mode commit limit (mode 2 only)' },
  { field: 'thpEnabled', followed: false, changes: 'the model has no transparent huge pages (the differential does not compare smaps THP fields)' },
  { field: 'uffdFeatures', followed: true, changes: 'the features UFFDIO_API offers and accepts; UFFDIO_MOVE exists only with MOVE (Linux 6.8)' },
  { field: 'mseal', followed: true, changes: 'mseal(2): seals VMAs (6.10+), or ENOSYS' },
  { field: 'mapDroppable', followed: true, changes: 'mmap(MAP_DROPPABLE): a droppable private anonymous mapping (6.11+), or EINVAL' },
  { field: 'guardRegions', followed: true, changes: 'madvise(MADV_GUARD_INSTALL/REMOVE): guard markers (6.13+), or EINVAL' },
  { field: 'guardVmFlag', followed: true, changes: "the 'gu' VmFlag (VM_MAYBE_GUARD) on VMAs that had a guard installed" },
  { field: 'softDirty', followed: true, changes: 'pagemap bit 55 and PAGEMAP_SCAN PAGE_IS_SOFT_DIRTY after writes; clear_refs 4 (CONFIG_MEM_SOFT_DIRTY)' },
  { field: 'pagemapScan', followed: true, changes: 'the PAGEMAP_SCAN ioctl (Linux 6.7): ENOTTY without it' },
] as const satisfies readonly KernelProfileField[]);

function freeze(p: KernelProfile): KernelProfile {
  return Object.freeze({ ...p, uffdFeatures: Object.freeze([...p.uffdFeatures]) });
}

const UFFD_6_18 = [
  'PAGEFAULT_FLAG_WP', 'EVENT_FORK', 'EVENT_REMAP', 'EVENT_REMOVE', 'MISSING_HUGETLBFS', 'MISSING_SHMEM', 'EVENT_UNMAP',
  'SIGBUS', 'THREAD_ID', 'MINOR_HUGETLBFS', 'MINOR_SHMEM', 'EXACT_ADDRESS', 'WP_HUGETLBFS_SHMEM', 'WP_UNPOPULATED',
  'POISON', 'WP_ASYNC', 'MOVE',
];

/**
 * The kernel the model was written against (6.18.44-fc-v669): read faults map the zero page, mprotect drops
 * VM_ACCOUNT from VMAs without an anon_vma. The model's default.
 *
 * @public
 */
export const LINUX_6_18_V669: KernelProfile = freeze({
  name: 'linux-6.18-v669',
  kernel: '6.18.44-fc-v669',
  source: 'builtin',
  zeroPageOnReadFault: true,
  mprotectAccount: 'drop-without-anon-vma',
  anonVmaName: true,
  mmapMinAddr: 4096,
  maxMapCount: 65530,
  overcommitMemory: 0,
  overcommitRatio: 50,
  thpEnabled: 'madvise',
  uffdFeatures: UFFD_6_18,
  mseal: true,
  mapDroppable: true,
  guardRegions: true,
  guardVmFlag: true,
  // The Firecracker builds are configured without CONFIG_MEM_SOFT_DIRTY (checked on 6.18.44-fc-v1300).
  softDirty: false,
  pagemapScan: true,
});

/**
 * A build of the same version (6.18.44-fc-v1272) whose read faults on private anonymous memory allocate a real page
 * (4 kB of Rss and Anonymous per page read, and an anon_vma, so a VMA that was read keeps `ac` across mprotect).
 *
 * @public
 */
export const LINUX_6_18_V1272: KernelProfile = freeze({
  ...LINUX_6_18_V669,
  name: 'linux-6.18-v1272',
  kernel: '6.18.44-fc-v1272',
  zeroPageOnReadFault: false,
});

/**
 * The named profiles memsim ships, by name.
 *
 * @public
 */
export const KERNEL_PROFILES: Readonly<Record<string, KernelProfile>> = Object.freeze({
  [LINUX_6_18_V669.name]: LINUX_6_18_V669,
  [LINUX_6_18_V1272.name]: LINUX_6_18_V1272,
});

/**
 * The profile {@link MemoryManager.create} uses when given none.
 *
 * @public
 */
export const DEFAULT_KERNEL_PROFILE: KernelProfile = LINUX_6_18_V669;

/**
 * A profile that is malformed (a file with a missing or wrongly typed field) or a name that is not shipped.
 *
 * @public
 */
export class KernelProfileError extends Error {
  override readonly name = 'KernelProfileError';
  constructor(
    message: string,
    /** The offending field, when one is to blame. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * A shipped profile by name.
 *
 * @public
 */
export function kernelProfile(name: string): KernelProfile {
  const p = Object.prototype.hasOwnProperty.call(KERNEL_PROFILES, name) ? KERNEL_PROFILES[name] : undefined;
  if (!p) throw new KernelProfileError(`unknown kernel profile '${String(name)}' (shipped: ${Object.keys(KERNEL_PROFILES).join(', ')})`);
  return p;
}

const SAFE_COUNT = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks a profile read from JSON (a file): every field present and typed, unknown fields refused. Returns a frozen
 * copy (`source` set to `file` unless the object says otherwise), or the object itself when it is already frozen.
 *
 * @public
 */
export function parseKernelProfile(value: unknown): KernelProfile {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new KernelProfileError('a kernel profile must be a JSON object');
  const o = value as Record<string, unknown>;
  const known = new Set<string>(['name', 'kernel', 'source', ...KERNEL_PROFILE_FIELDS.map((f) => f.field)]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new KernelProfileError(`unknown kernel profile field '${k}'`, k);
  const need = (k: string, ok: (v: unknown) => boolean, what: string): void => {
    if (!ok(o[k])) throw new KernelProfileError(`kernel profile field '${k}' must be ${what} (got ${JSON.stringify(o[k]) ?? 'undefined'})`, k);
  };
  const str = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 200;
  need('name', str, 'a non-empty string');
  need('kernel', str, 'a non-empty string');
  if (o.source !== undefined) need('source', (v) => v === 'builtin' || v === 'detected' || v === 'file', "'builtin', 'detected' or 'file'");
  need('zeroPageOnReadFault', (v) => typeof v === 'boolean', 'a boolean');
  need('mprotectAccount', (v) => v === 'drop-without-anon-vma' || v === 'keep', "'drop-without-anon-vma' or 'keep'");
  need('anonVmaName', (v) => typeof v === 'boolean', 'a boolean');
  need('mmapMinAddr', (v) => SAFE_COUNT(v) && v < 2 ** 47, 'an integer in [0, 2^47)');
  need('maxMapCount', (v) => SAFE_COUNT(v) && v <= 0x7fffffff, 'an integer in [0, 2^31)');
  need('overcommitMemory', (v) => v === 0 || v === 1 || v === 2, '0, 1 or 2');
  need('overcommitRatio', SAFE_COUNT, 'a non-negative integer');
  need('thpEnabled', str, 'a non-empty string');
  need('uffdFeatures', (v) => Array.isArray(v) && v.every(str), 'an array of feature names');
  // The feature fields came later: a profile file without them gets what its kernel release implies. Soft-dirty is a
  // build option no release implies: a file without it is taken to lack it, as the measured builds do.
  const implied = featuresOfRelease(o.kernel as string);
  const filled: Record<string, unknown> = {};
  for (const k of FEATURE_FIELDS) {
    if (o[k] === undefined) filled[k] = implied[k];
    else need(k, (v) => typeof v === 'boolean', 'a boolean');
  }
  if (o.softDirty === undefined) filled.softDirty = false;
  else need('softDirty', (v) => typeof v === 'boolean', 'a boolean');
  if (o.pagemapScan === undefined) filled.pagemapScan = releaseAtLeast(o.kernel as string, 6007);
  else need('pagemapScan', (v) => typeof v === 'boolean', 'a boolean');
  if (Object.keys(filled).length > 0) return freeze({ ...(o as unknown as KernelProfile), ...filled, source: (o.source as KernelProfileSource | undefined) ?? 'file' });
  // An already frozen, complete profile (a shipped or detected one) is returned as it is.
  if (Object.isFrozen(o) && Object.isFrozen(o.uffdFeatures) && o.source !== undefined) return o as unknown as KernelProfile;
  return freeze({ ...(o as unknown as KernelProfile), source: (o.source as KernelProfileSource | undefined) ?? 'file' });
}

/** `6.18.44-fc` as 6018; 0 for a release that does not parse. */
function releaseNumber(release: string): number {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
}

function releaseAtLeast(release: string, v: number): boolean {
  return releaseNumber(release) >= v;
}

const FEATURE_FIELDS = ['mseal', 'mapDroppable', 'guardRegions', 'guardVmFlag'] as const;

/**
 * The profile fields that say which Linux 6.x memory interfaces a kernel has.
 *
 * @public
 */
export type KernelFeatures = Pick<KernelProfile, 'mseal' | 'mapDroppable' | 'guardRegions' | 'guardVmFlag'>;

/**
 * The memory interfaces a Linux release has, from its `uname -r` string (`6.18.44-fc-v669`): mseal from 6.10,
 * MAP_DROPPABLE from 6.11, guard regions from 6.13, the `gu` VmFlag from 6.18 (as measured on 6.18.44). A release
 * that does not parse is taken to have none of them.
 *
 * @public
 */
export function featuresOfRelease(release: string): KernelFeatures {
  const v = releaseNumber(release);
  return { mseal: v >= 6010, mapDroppable: v >= 6011, guardRegions: v >= 6013, guardVmFlag: v >= 6018 };
}

/**
 * What the native probe measures on a host (the `profile` object of `probe --info`), in its wire names.
 *
 * @public
 */
export interface HostMmFacts {
  readonly kernel: string;
  readonly zero_page_read_fault: boolean;
  readonly mprotect_account: VmAccountRule;
  readonly anon_vma_name: boolean;
  readonly mmap_min_addr: number;
  readonly max_map_count: number;
  readonly overcommit_memory: number;
  readonly overcommit_ratio: number;
  readonly thp_enabled: string;
  readonly uffd_features: readonly string[];
  /** Whether mseal exists (default: what the kernel release implies, {@link featuresOfRelease}). */
  readonly mseal?: boolean;
  /** Whether MAP_DROPPABLE exists (default: what the kernel release implies). */
  readonly map_droppable?: boolean;
  /** Whether MADV_GUARD_INSTALL/REMOVE exist (default: what the kernel release implies). */
  readonly guard_regions?: boolean;
  /** Whether guard installation shows `gu` in smaps (default: what the kernel release implies). */
  readonly guard_vm_flag?: boolean;
  /** Whether a write sets pagemap bit 55 (CONFIG_MEM_SOFT_DIRTY). Older probes omit it: taken as false. */
  readonly soft_dirty?: boolean;
  /** Whether /proc/self/pagemap takes PAGEMAP_SCAN. Older probes omit it: taken as present with WP_ASYNC (6.7). */
  readonly pagemap_scan?: boolean;
}

/**
 * The profile of a host from what the probe measured on it (`source: 'detected'`).
 *
 * @public
 */
export function profileFromHost(facts: HostMmFacts, name = 'host'): KernelProfile {
  return parseKernelProfile({
    name,
    kernel: facts.kernel,
    source: 'detected',
    zeroPageOnReadFault: facts.zero_page_read_fault,
    mprotectAccount: facts.mprotect_account,
    anonVmaName: facts.anon_vma_name,
    mmapMinAddr: facts.mmap_min_addr,
    maxMapCount: facts.max_map_count,
    overcommitMemory: facts.overcommit_memory,
    overcommitRatio: facts.overcommit_ratio,
    thpEnabled: facts.thp_enabled,
    uffdFeatures: facts.uffd_features,
    ...featuresOfRelease(facts.kernel),
    ...(facts.mseal !== undefined ? { mseal: facts.mseal } : {}),
    ...(facts.map_droppable !== undefined ? { mapDroppable: facts.map_droppable } : {}),
    ...(facts.guard_regions !== undefined ? { guardRegions: facts.guard_regions } : {}),
    ...(facts.guard_vm_flag !== undefined ? { guardVmFlag: facts.guard_vm_flag } : {}),
    softDirty: facts.soft_dirty ?? false,
    pagemapScan: facts.pagemap_scan ?? (Array.isArray(facts.uffd_features) && facts.uffd_features.includes('WP_ASYNC')),
  });
}

/**
 * The behaviour fields on which two profiles differ (name, kernel and source are not behaviour).
 *
 * @public
 */
export function profileDifferences(a: KernelProfile, b: KernelProfile): (keyof KernelProfile)[] {
  return KERNEL_PROFILE_FIELDS.map((f) => f.field).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * One line naming a profile for reports: `linux-6.18-v669 (builtin, measured on 6.18.44-fc-v669)`, or
 * `host (detected on 6.18.44-fc-v1300)`.
 *
 * @public
 */
export function describeKernelProfile(p: KernelProfile): string {
  return p.source === 'detected' ? `${p.name} (detected on ${p.kernel})` : `${p.name} (${p.source}, measured on ${p.kernel})`;
}
