import { Kernel, Vmo, VmoChildOptions, VmoOp, VmoOptions, ZxError, type Process, type Vmar } from '@memsim/zircon-objects';
import { Advice, MapFlags, MremapFlags, MsyncFlags, PAGE, Prot, STACK_GUARD_GAP, VM } from '../abi/constants.js';
import { u64, i32, type SysInt } from '../abi/args.js';
import { ErrnoError, fail, type ErrnoName } from '../errno/errno.js';
import { errnoFromZx } from '../errno/zx-errno.js';
import { MemFile } from '../files/mem-file.js';
import { VmaTree } from '../vma/vma-tree.js';
import { ANON_BACKING, canMerge, type Backing, type CowObject, type ShmemObject, type Vma } from '../vma/vma.js';
import { PARKED_FROM, ZirconSpace, type AddressSpaceLayout } from './zircon-space.js';
import { Pinning } from './pinning.js';
import type { PinnedMapping, ShadowProcess } from '@memsim/memory-pinning';
import { formatMaps, formatSmaps, type MapsContext } from '../proc/maps.js';
import {
  UffdFeature,
  UffdRegisterMode,
  UserfaultFD,
  type Clock,
  type UffdAddressSpace,
  type UffdContextHooks,
  type UffdFaultAccess,
  type UffdTask,
  type UffdVma,
} from '@memsim/userspace-swap';
import { UffdRegistry } from '../uffd/uffd-registry.js';
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';
import { DEFAULT_KERNEL_PROFILE, parseKernelProfile, type KernelProfile } from '../profile/kernel-profile.js';
import { snapshotMm, validateMm, type MmView } from './validate.js';
import { installSyscallGuard, validateFromEnv } from './syscall-guard.js';

const U64MAX = (1n << 64n) - 1n;
const INF = Number.POSITIVE_INFINITY;
const LOCK_MASK = VM.LOCKED | VM.LOCKONFAULT;

/**
 * A resource limit (bytes; `Infinity` for RLIM_INFINITY).
 *
 * @public
 */
export interface Rlimit {
  cur: number;
  max: number;
}

/**
 * The resource limits the memory manager applies.
 *
 * @public
 */
export interface MmRlimits {
  AS: Rlimit;
  DATA: Rlimit;
  STACK: Rlimit;
  MEMLOCK: Rlimit;
}

/**
 * An open file description: the file and its access mode.
 *
 * @public
 */
export interface FileDescription {
  readonly file: MemFile;
  readonly readable: boolean;
  readonly writable: boolean;
}

/**
 * Options of {@link MemoryManager.create}.
 *
 * @public
 */
export interface MemoryManagerOptions {
  /** Whether the user VMAR covers the whole user range or its lower half (Starnix's restricted mode). */
  layout?: AddressSpaceLayout;
  /** Address-space randomization (mmap base, brk, stack); default false, which makes placement deterministic. */
  aslr?: boolean;
  /** CAP_IPC_LOCK: mlock ignores RLIMIT_MEMLOCK. Default false. */
  capIpcLock?: boolean;
  /** Initial limits (defaults: AS/DATA unlimited, STACK 8 MiB, MEMLOCK 8 MiB as on current distributions). */
  rlimits?: Partial<MmRlimits>;
  /** Program break start (default 0x555555559000, shifted up to 32 MiB with ASLR). */
  brkBase?: number;
  /** Create the initial [stack] VMA (132 KiB, MAP_GROWSDOWN) below the top. Default true. */
  stack?: boolean;
  /** A name for the Zircon process. */
  name?: string;
  /**
   * The memory-pinning shadow process mlocked pages are mapped into (Starnix has one per kernel). Default: one is
   * created on first use, with its own RoleManager.
   */
  shadowProcess?: ShadowProcess;
  /**
   * The kernel build whose host-dependent behaviours to follow (zero page on read faults, VM_ACCOUNT on mprotect,
   * mmap_min_addr, ...). Default {@link DEFAULT_KERNEL_PROFILE}. Forks and execs keep their parent's.
   */
  profile?: KernelProfile;
  /**
   * Check the address-space invariants after every call ({@link MemoryManager.validate}), and that a failed
   * mmap, munmap, mremap or brk changed nothing; a broken one throws `MmInvariantError`. Default: the environment
   * variable `MEMSIM_VALIDATE=1`, else off. Forks inherit it.
   */
  validate?: boolean;
}

/**
 * A simulated user-mode fault, as the signal Linux delivers.
 *
 * @public
 */
export interface LinuxFault {
  readonly signal: 'SIGSEGV' | 'SIGBUS';
  /** `BUS_MCEERR_AR` is a poisoned page (UFFDIO_POISON, like hardware memory errors). */
  readonly code: 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'BUS_ADRERR' | 'BUS_MCEERR_AR';
  /** The faulting address. */
  readonly address: number;
  /** Bytes accessed before the fault. */
  readonly done: number;
}

/**
 * The outcome of a user-mode access: data for reads, or the fault.
 *
 * @public
 */
export type UserAccessResult = { readonly ok: true; readonly data?: Uint8Array } | { readonly ok: false; readonly fault: LinuxFault };

type AccessKind = 'read' | 'write' | 'execute';

/**
 * How kernel-mode copies report partial success: `byte` copies every accessible byte (process_vm_readv,
 * copy_to_user), `pipe` works in page-sized pipe buffers relative to the start (read/write on a pipe).
 *
 * @public
 */
export type KernelCopyGranularity = 'byte' | 'pipe';

interface Counters {
  nextAnonVma: number;
  nextCow: number;
  nextInode: number;
  /** Shared by every address space of one Starnix kernel (forks included). */
  pinning: Pinning;
  /** The userfaultfd registrations VMAs refer to (shared with forks, whose VMAs may keep a context). */
  uffd: UffdRegistry;
  /**
   * Whether any address space sharing these counters ever registered a userfaultfd range. Until then no VMA has a
   * context, so the system calls skip the walks that look for one.
   */
  uffdUsed: boolean;
}

/**
 * Options of {@link MemoryManager.userfaultfd}.
 *
 * @public
 */
export interface MemoryManagerUffdOptions {
  /** userfaultfd(2) flags (`UffdOpenFlag` bits); unknown bits are EINVAL. */
  readonly flags?: number;
  /** Perform the UFFDIO_API handshake with these feature bits (omit to handshake later with `api`). */
  readonly features?: number;
  /** CAP_SYS_PTRACE (kernel-mode faults without USER_MODE_ONLY); default true, as the probes run as root. */
  readonly capSysPtrace?: boolean;
  /** The clock fault messages are stamped with. */
  readonly clock?: Clock;
}

/** The task sync calls report events with (they never wait, see UffdWouldBlockError). */
const SYNC_TASK: UffdTask = Object.freeze({ tid: 0 });

/** A task is an object with a non-negative integer thread id (PAGEFAULT messages report it). */
function checkTask(task: UffdTask): void {
  if (typeof task !== 'object' || task === null || !Number.isSafeInteger(task.tid) || task.tid < 0) fail('EINVAL', 'task must be { tid: non-negative integer }');
}

interface Pin {
  start: number;
  end: number;
  mapping: PinnedMapping;
}

function defaultLimits(): MmRlimits {
  return {
    AS: { cur: INF, max: INF },
    DATA: { cur: INF, max: INF },
    STACK: { cur: 8 << 20, max: INF },
    MEMLOCK: { cur: 8 << 20, max: 8 << 20 },
  };
}

const RLIM_INFINITY = (1n << 64n) - 1n;

/**
 * One rlimit value as the model stores it: a non-negative safe integer or Infinity. A bigint is taken as the
 * kernel's rlim_t (2^64-1 is RLIM_INFINITY); values the model cannot hold exactly are refused rather than rounded.
 */
function rlimValue(v: unknown, what: string): number {
  if (typeof v === 'bigint') {
    if (v === RLIM_INFINITY) return INF;
    if (v < 0n || v > RLIM_INFINITY) fail('EINVAL', `${what} out of range`);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} must be below 2^53 or RLIM_INFINITY`);
    return Number(v);
  }
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number`);
  if (v === INF) return v;
  if (!Number.isSafeInteger(v) || v < 0) fail('EINVAL', `${what} must be a non-negative integer or Infinity`);
  return v;
}

/** A whole {cur, max} pair, checked as setrlimit checks it (cur above max is EINVAL). */
function rlimPair(cur: unknown, max: unknown, what: string): Rlimit {
  const c = rlimValue(cur, `${what} cur`);
  const m = rlimValue(max, `${what} max`);
  if (c > m) fail('EINVAL', `${what} cur above max`);
  return { cur: c, max: m };
}

/** Only own keys name a limit: `'toString' in rlimits` is true but is no resource. */
function isResource(r: unknown): r is keyof MmRlimits {
  return typeof r === 'string' && Object.hasOwn(defaultLimits(), r);
}

/** A description must hold a MemFile and its two access bits, or mmap of the fd would fail deep inside. */
function checkDescription(desc: unknown, what: string): void {
  if (desc === null || typeof desc !== 'object') throw new TypeError(`${what}: description must be an object`);
  const d = desc as Record<string, unknown>;
  if (!(d.file instanceof MemFile)) throw new TypeError(`${what}: file must be a MemFile`);
  if (typeof d.readable !== 'boolean' || typeof d.writable !== 'boolean') throw new TypeError(`${what}: readable and writable must be booleans`);
}

/**
 * Checks options before anything is built, so a bad one fails with a message naming it instead of leaving a
 * half-made process or NaN addresses behind.
 */
function checkOptions(options: unknown): MemoryManagerOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const o = { ...(options as Record<string, unknown>) };
  if (o.layout !== undefined && o.layout !== 'full' && o.layout !== 'lower-half') throw new TypeError("options.layout must be 'full' or 'lower-half'");
  for (const k of ['aslr', 'capIpcLock', 'stack', 'validate']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`options.${k} must be a boolean`);
  if (o.name !== undefined && typeof o.name !== 'string') throw new TypeError('options.name must be a string');
  if (o.profile !== undefined) o.profile = parseKernelProfile(o.profile);
  if (o.brkBase !== undefined && (typeof o.brkBase !== 'number' || !Number.isSafeInteger(o.brkBase) || o.brkBase < 0)) {
    throw new RangeError('options.brkBase must be a non-negative safe integer');
  }
  if (o.rlimits !== undefined) {
    if (o.rlimits === null || typeof o.rlimits !== 'object') throw new TypeError('options.rlimits must be an object');
    const limits: Partial<MmRlimits> = {};
    for (const [k, r] of Object.entries(o.rlimits)) {
      if (!isResource(k)) throw new TypeError(`options.rlimits.${k} is not a memory limit`);
      if (r === null || typeof r !== 'object') throw new TypeError(`options.rlimits.${k} must be {cur, max}`);
      const { cur, max } = r as Record<string, unknown>;
      limits[k] = rlimPair(cur, max, `options.rlimits.${k}`);
    }
    return { ...(o as MemoryManagerOptions), rlimits: limits };
  }
  return o;
}

/**
 * The part of `v` from `start` to `end` as a new VMA (same attributes, pgoff advanced). Spelled out rather than
 * spread, which is several times slower on this hot path; `Required` makes a new Vma field fail to compile here.
 */
function sliceVma(v: Vma, start: number, end: number): Vma {
  const part: Required<Vma> = {
    start,
    end,
    flags: v.flags,
    pgoff: v.pgoff + (start - v.start) / PAGE,
    backing: v.backing,
    anonVma: v.anonVma,
    anonName: v.anonName,
    uffd: v.uffd,
    anonForked: v.anonForked ?? false,
  };
  return part;
}

const pageDown = (a: number): number => a - (a % PAGE);
/** Below this, sums of two arguments (and their page roundings) stay exact in doubles. */
const SMALL_ARG = 2 ** 48;
/**
 * An argument that is a plain non-negative integer below 2^48: the system calls check it with number arithmetic,
 * which gives the same results as the 64-bit (bigint) checks on such values without their allocations.
 */
const isSmall = (v: SysInt): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < SMALL_ARG;
/** The low 32 bits of a small argument (an `int` flags or prot argument), as u32() gives them. */
const low32 = (v: number): number => v >>> 0;
/** Whether a small argument is page-aligned (the low bits survive the 32-bit conversion of `&`). */
const smallAligned = (v: number): boolean => (v & (PAGE - 1)) === 0;
const pageUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;
const isAligned = (b: bigint): boolean => (b & 4095n) === 0n;
const pageAlignBig = (b: bigint): bigint => (b + 4095n) & ~4095n & U64MAX;

/**
 * The Linux memory manager of one process, built on Zircon objects as Starnix builds it. Every system call takes
 * its arguments as a syscall would (numbers or bigints up to 2^64-1) and returns the result or throws
 * {@link ErrnoError}.
 *
 * @public
 */
export class MemoryManager implements Disposable {
  /** The kernel whose objects back this address space. */
  readonly kernel: Kernel;
  private readonly zx: ZirconSpace;
  private readonly tree: VmaTree;
  /** The highest usable user address + 1 (TASK_SIZE of this address space). */
  taskSize: number;
  /** Lowest address mmap may use (mmap_min_addr, or the VMAR base if higher). */
  readonly minAddr: number;
  /** Top of the top-down mmap area. */
  mmapBase: number;
  /** Initial program break. */
  startBrk: number;
  /** Current program break. */
  brkValue: number;
  /** Stack start (the address the [stack] VMA contains). */
  startStack: number;
  /** Limits, in bytes. */
  rlimits: MmRlimits;
  capIpcLock: boolean;
  /** The kernel profile this address space follows. */
  readonly profile: KernelProfile;
  private readonly aslr: boolean;
  private readonly layout: AddressSpaceLayout;
  private readonly name: string;
  private defFlags = 0;
  private totalVm = 0;
  private lockedVm = 0;
  private dataVm = 0;
  private readonly counters: Counters;
  private readonly fds = new Map<number, FileDescription>();
  /**
   * Private anonymous pages a read fault mapped to the shared zero page: present for mincore (as in Linux) but
   * not committed in the VMO and not counted in Rss.
   */
  private readonly zeroMapped = new Set<number>();
  /** Addresses whose file or shmem page is mapped (has a PTE): the candidates MADV_PAGEOUT walks. */
  private readonly mappedShared = new Set<number>();
  /** Pinned (mlocked) ranges, mapped into the kernel's shadow process; sorted by start. */
  private pins: Pin[] = [];
  private disposed = false;
  /** Pages holding a UFFDIO_POISON marker (any access: SIGBUS). */
  private readonly uffdPoison = new Set<number>();
  /** Present pages with the userfaultfd write-protect bit. */
  private readonly uffdWp = new Set<number>();
  /** While an async system call runs: its task and the userfaultfd events it must wait for. */
  private uffdEvents: { task: UffdTask; pending: Promise<unknown>[] } | null = null;
  private uffdSpace: UffdAddressSpace | null = null;
  /** Nesting of public calls (syscall-guard.ts checks only the outermost). */
  private guardDepth = 0;
  /** Set by a failure Linux itself leaves part-done (the guard's atomicity check then does not apply). */
  private partialFailure = false;
  /** Whether every public call is followed by validate() (options.validate or MEMSIM_VALIDATE=1). */
  private readonly validating: boolean;

  private constructor(kernel: Kernel, options: MemoryManagerOptions, counters: Counters, inherit?: MemoryManager) {
    this.kernel = kernel;
    this.layout = options.layout ?? 'full';
    this.aslr = options.aslr ?? false;
    this.name = options.name ?? 'linux';
    this.capIpcLock = options.capIpcLock ?? false;
    this.profile = inherit?.profile ?? options.profile ?? DEFAULT_KERNEL_PROFILE;
    this.counters = counters;
    this.validating = inherit ? inherit.validating : (options.validate ?? validateFromEnv());
    this.zx = new ZirconSpace(kernel, this.name, this.layout);
    // Linux's x86-64 TASK_SIZE is 2^47 - 4096; a Zircon VMAR may end lower (lower-half layout).
    this.taskSize = Math.min(this.zx.end, 0x7ffffffff000);
    // vm.mmap_min_addr (never below one page: the model has no CAP_SYS_RAWIO exemption for page 0).
    this.minAddr = Math.max(4096, pageUp(this.profile.mmapMinAddr), this.zx.base);
    this.tree = new VmaTree(this.minAddr, STACK_GUARD_GAP);
    this.rlimits = inherit ? structuredClone(inherit.rlimits) : { ...defaultLimits(), ...options.rlimits };
    if (inherit) {
      this.mmapBase = inherit.mmapBase;
      this.startBrk = inherit.startBrk;
      this.brkValue = inherit.brkValue;
      this.startStack = inherit.startStack;
      this.capIpcLock = inherit.capIpcLock;
      this.defFlags = inherit.defFlags & ~LOCK_MASK;
      return;
    }
    const rnd = (bits: number): number => (this.aslr ? kernel.randomInt(2 ** bits) : 0);
    // mmap_base(): the top minus the stack gap (clamped to [128 MiB, 5/6 of the space]) minus randomization.
    const stackPad = STACK_GUARD_GAP + (this.aslr ? 0x3fffff * PAGE : 0);
    let gap = Math.min(this.rlimits.STACK.cur, 2 ** 46) + stackPad;
    gap = Math.max(gap, 128 << 20);
    gap = Math.min(gap, Math.floor(this.taskSize / 6) * 5);
    this.mmapBase = pageUp(this.taskSize - gap - rnd(Math.min(28, Math.max(8, Math.floor(Math.log2(this.taskSize)) - 19))) * PAGE);
    const brk0 = options.brkBase ?? 0x555555559000;
    this.startBrk = pageUp(Math.min(brk0, this.taskSize / 2) + (this.aslr ? rnd(13) * PAGE : 0));
    this.brkValue = this.startBrk;
    const stackTop = this.taskSize - (this.aslr ? rnd(22) * PAGE : 0);
    this.startStack = stackTop - 0x100;
    if (options.stack ?? true) {
      const v = this.newVma(stackTop - 0x21000, stackTop, VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.GROWSDOWN | VM.ACCOUNT, ANON_BACKING, (stackTop - 0x21000) / PAGE);
      v.anonVma = this.newAnonVma();
      this.insert(v);
    }
  }

  /**
   * Creates the memory manager of a new Linux process: a Zircon process with one user VMAR.
   */
  static create(kernel: Kernel, options: MemoryManagerOptions = {}): MemoryManager {
    if (!(kernel instanceof Kernel)) throw new TypeError('kernel must be a Kernel');
    options = checkOptions(options);
    return new MemoryManager(kernel, options, { nextAnonVma: 1, nextCow: 1, nextInode: 1, pinning: new Pinning(kernel, options.shadowProcess), uffd: new UffdRegistry(), uffdUsed: false });
  }

  /** The Zircon process that holds this address space. */
  get process(): Process {
    return this.zx.process;
  }

  /** The user VMAR (one per address space). */
  get userVmar(): Vmar {
    return this.zx.vmar;
  }

  /** Number of VMAs. */
  get vmaCount(): number {
    return this.tree.size;
  }

  private newAnonVma(): number {
    return this.counters.nextAnonVma++;
  }

  /**
   * anon_vma_prepare: a VMA's first write fault reuses a neighbour's anon_vma when the neighbour could merge with
   * it apart from its access bits (find_mergeable_anon_vma tries the next VMA first), else gets a new one.
   */
  private anonVmaPrepare(v: Vma): void {
    const compatible = (a: Vma, b: Vma): boolean =>
      a.end === b.start &&
      a.backing.kind === b.backing.kind &&
      (a.backing.kind !== 'file' || (b.backing.kind === 'file' && a.backing.file === b.backing.file)) &&
      ((a.flags ^ b.flags) & ~(VM.READ | VM.WRITE | VM.EXEC | VM.SOFTDIRTY)) === 0 &&
      b.pgoff === a.pgoff + (b.start - a.start) / PAGE;
    const next = this.tree.next(v);
    if (next && next.anonVma !== 0 && !next.anonForked && compatible(v, next)) {
      v.anonVma = next.anonVma;
      return;
    }
    const prev = this.tree.prev(v);
    if (prev && prev.anonVma !== 0 && !prev.anonForked && compatible(prev, v)) {
      v.anonVma = prev.anonVma;
      return;
    }
    v.anonVma = this.newAnonVma();
  }

  private newVma(start: number, end: number, flags: number, backing: Backing, pgoff: number): Vma {
    // Every VMA has the same fields (forks set anonForked): one object shape for the hot paths.
    return { start, end, flags, pgoff, backing, anonVma: 0, anonName: null, uffd: 0, anonForked: false };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Files

  /** Opens `file` with an access mode, returning an fd for mmap. */
  open(file: MemFile, mode: 'RDONLY' | 'WRONLY' | 'RDWR'): number {
    checkDescription({ file, readable: true, writable: true }, 'open');
    if (mode !== 'RDONLY' && mode !== 'WRONLY' && mode !== 'RDWR') throw new TypeError("open: mode must be 'RDONLY', 'WRONLY' or 'RDWR'");
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, { file, readable: mode !== 'WRONLY', writable: mode !== 'RDONLY' });
    return fd;
  }

  /** memfd_create: a new in-memory file opened read-write. */
  memfdCreate(name: string, size = 0): number {
    if (typeof name !== 'string') throw new TypeError('memfdCreate: name must be a string');
    // MFD_NAME_MAX_LEN: NAME_MAX less the "memfd:" prefix, counted in bytes.
    if (new TextEncoder().encode(name).length > 249) fail('EINVAL', 'memfd name longer than 249 bytes');
    const file = new MemFile(this.kernel, `/memfd:${name} (deleted)`, { size, inode: this.counters.nextInode++ });
    return this.open(file, 'RDWR');
  }

  /** The description behind an fd (EBADF if none). */
  fd(fd: SysInt): FileDescription {
    const d = this.fds.get(i32(fd, 'fd'));
    if (!d) fail('EBADF');
    return d;
  }

  /** Installs an existing description at a specific fd number (dup2-like; used when mirroring fd tables). */
  adoptFd(fd: number, desc: FileDescription): void {
    // As dup2: a target fd that is not a valid descriptor number is EBADF.
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) fail('EBADF', 'fd out of range');
    checkDescription(desc, 'adoptFd');
    this.fds.set(fd, desc);
  }

  close(fd: SysInt): void {
    if (!this.fds.delete(i32(fd, 'fd'))) fail('EBADF');
  }

  /** ftruncate on an fd. */
  ftruncate(fd: SysInt, size: SysInt): void {
    const d = this.fd(fd);
    const s = u64(size, 'size');
    if (s >= 1n << 63n) fail('EINVAL');
    if (!d.writable) fail('EINVAL');
    d.file.truncate(Number(s > 2n ** 50n ? 2n ** 50n : s));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Accounting helpers

  private static isData(flags: number): boolean {
    return (flags & (VM.WRITE | VM.SHARED | VM.GROWSDOWN)) === VM.WRITE;
  }

  private account(v: Vma, sign: 1 | -1): void {
    const pages = ((v.end - v.start) / PAGE) * sign;
    this.totalVm += pages;
    if (v.flags & VM.LOCKED) this.lockedVm += pages;
    if (MemoryManager.isData(v.flags)) this.dataVm += pages;
  }

  /**
   * Adds a new VMA and maps it. `slot` is a VMA that unmapRange left in the tree (and in the VMAR) for exactly
   * this range: it takes the new VMA's fields and keeps its place. Returns the VMA now in the tree.
   */
  private insert(v: Vma, slot?: Vma): Vma {
    this.dirty(v.start, v.end);
    if (slot) {
      // Private anonymous over private anonymous: the Zircon mapping already maps the same VMO at the same offsets
      // (offset = address), so at most its permissions change.
      const oldPerms = slot.backing.kind === 'anon' && v.backing.kind === 'anon' ? ZirconSpace.perms(slot.flags) : -1;
      const moved = this.tree.startGap(slot) !== this.tree.startGap(v);
      if (moved) this.tree.remove(slot);
      // Field by field: the range is the same, and the object keeps its shape.
      slot.flags = v.flags;
      slot.pgoff = v.pgoff;
      slot.backing = v.backing;
      slot.anonVma = v.anonVma;
      slot.anonName = v.anonName;
      slot.uffd = v.uffd;
      slot.anonForked = v.anonForked;
      if (moved) this.tree.insert(slot);
      this.account(slot, 1);
      if (oldPerms < 0) this.zx.map(slot);
      else if (ZirconSpace.perms(slot.flags) !== oldPerms) this.zx.protect(slot, slot.start, slot.end);
      return slot;
    }
    this.tree.insert(v);
    this.account(v, 1);
    this.zx.map(v);
    return v;
  }

  /** Removes from the tree only (no Zircon change). */
  private detach(v: Vma): void {
    this.dirty(v.start, v.end);
    this.tree.remove(v);
    this.account(v, -1);
  }

  private attach(v: Vma): void {
    this.dirty(v.start, v.end);
    this.tree.insert(v);
    this.account(v, 1);
  }

  /** Moves the end of `v`; its start stays, so the tree keeps its place and only learns of the new end. */
  private setEnd(v: Vma, end: number): void {
    this.dirty(v.start, Math.max(v.end, end));
    this.account(v, -1);
    v.end = end;
    this.tree.endChanged(v);
    this.account(v, 1);
  }

  /**
   * Changes attributes of `v` (flags, name, userfaultfd context) in place: the tree is keyed by address, so it
   * needs to hear of the change only when the guard gap below a MAP_GROWSDOWN VMA appears or goes.
   */
  private update(v: Vma, change: (v: Vma) => void): void {
    this.dirty(v.start, v.end);
    this.account(v, -1);
    const oldFlags = v.flags;
    change(v);
    if ((oldFlags ^ v.flags) & VM.GROWSDOWN) {
      const newFlags = v.flags;
      v.flags = oldFlags;
      this.tree.remove(v);
      v.flags = newFlags;
      this.tree.insert(v);
    }
    this.account(v, 1);
  }

  /** may_expand_vm */
  private mayExpand(flags: number, pages: number): boolean {
    if (this.totalVm + pages > Math.floor(this.rlimits.AS.cur / PAGE)) return false;
    if (MemoryManager.isData(flags) && this.dataVm + pages > Math.floor(this.rlimits.DATA.cur / PAGE)) {
      if (this.rlimits.DATA.cur === 0 && this.dataVm + pages <= Math.floor(this.rlimits.DATA.max / PAGE)) return true;
      return false;
    }
    return true;
  }

  /** mlock_future_ok */
  private mlockFutureOk(flags: number, bytes: number): boolean {
    if (!(flags & VM.LOCKED) || this.capIpcLock) return true;
    return bytes / PAGE + this.lockedVm <= Math.floor(this.rlimits.MEMLOCK.cur / PAGE);
  }

  private canDoMlock(): boolean {
    return this.rlimits.MEMLOCK.cur !== 0 || this.capIpcLock;
  }

  // ---------------------------------------------------------------------------------------------------------
  // VMA surgery

  /**
   * Takes [s, e) out of `v` (`s < e`, inside it): what remains below stays `v`, what remains above becomes a new
   * VMA, and a head cut leaves `v` out of the tree holding [v.start, e), as a split and a removal would.
   */
  private cutVma(v: Vma, s: number, e: number): void {
    this.dirty(v.start, v.end);
    this.account(v, -1);
    const hi: Vma | null = e < v.end ? sliceVma(v, e, v.end) : null;
    if (s === v.start) {
      this.tree.remove(v);
      v.end = e;
    } else {
      v.end = s;
      this.tree.endChanged(v);
      this.account(v, 1);
    }
    if (hi) {
      this.tree.insert(hi);
      this.account(hi, 1);
    }
  }

  /** Merges `v` with its neighbours where Linux would; returns the surviving VMA. */
  /**
   * Merges `v` with its neighbours where Linux would; returns the surviving VMA. A caller that holds a neighbour
   * already (the other half of a split) passes it, which saves the lookup.
   */
  private mergeAround(v: Vma, prev?: Vma, next?: Vma): Vma {
    let cur = v;
    const p = prev ?? this.tree.prev(cur);
    if (p && this.mergeable(p, cur)) cur = this.join(p, cur);
    // The successor of the merged VMA is still v's.
    const n = next ?? this.tree.next(cur);
    if (n && this.mergeable(cur, n)) cur = this.join(cur, n);
    return cur;
  }

  private mergeable(a: Vma, b: Vma): boolean {
    if (!canMerge(a, b)) return false;
    const ba = a.backing;
    const bb = b.backing;
    if (ba.kind !== 'file' || bb.kind !== 'file' || ba.cow === bb.cow || !ba.cow || !bb.cow) return true;
    // Different COW children: the side that was never written (anon_vma 0) has no private pages and adopts the
    // other's child, provided that child holds no copies of its file pages.
    const [keep, other] = a.anonVma !== 0 ? [a, b] : [b, a];
    const cow = (keep.backing as { cow: CowObject }).cow;
    for (let pg = other.pgoff; pg < other.pgoff + (other.end - other.start) / PAGE; pg++) if (cow.copied.has(pg)) return false;
    return true;
  }

  private join(a: Vma, b: Vma): Vma {
    // Mergeable VMAs have equal flags, so the accounted totals do not change.
    this.dirty(a.start, b.end);
    this.tree.remove(b);
    const rebindB = a.backing !== b.backing && a.backing.kind === 'file' && b.backing.kind === 'file' && a.backing.cow !== b.backing.cow;
    const oldEnd = a.end;
    a.end = b.end;
    this.tree.endChanged(a);
    if (rebindB && a.anonVma === 0 && b.anonVma !== 0) a.backing = b.backing;
    if (a.anonVma === 0) {
      a.anonVma = b.anonVma;
      a.anonForked = b.anonForked;
    }
    if (rebindB) {
      // The Zircon mapping of the rebound part now maps the surviving COW child.
      if (a.backing === b.backing) this.zx.map(a, a.start, oldEnd);
      else this.zx.map(a, oldEnd, a.end);
    }
    return a;
  }

  /** Applies `change` to [start, end) of `v` (the range lies inside `v`), splitting and merging as Linux does. */
  private modify(v: Vma, start: number, end: number, change: (v: Vma) => void): Vma {
    let target = v;
    let below: Vma | undefined;
    let above: Vma | undefined;
    if (start > v.start || end < v.end) {
      // Split into up to three parts; the outer ones keep the old attributes. Both halves of a split keep the
      // flags, so the accounted totals do not change.
      this.dirty(v.start, v.end);
      if (end < v.end) above = sliceVma(v, end, v.end);
      if (start > v.start) {
        target = sliceVma(v, start, end);
        below = v;
        v.end = start;
        this.tree.endChanged(v);
        this.tree.insert(target);
      } else {
        v.end = end;
        this.tree.endChanged(v);
      }
      if (above) this.tree.insert(above);
    }
    const perms = ZirconSpace.perms(target.flags);
    this.update(target, change);
    // Only a change of the Zircon permissions needs the VMAR (madvise, mlock, names and contexts do not).
    if (ZirconSpace.perms(target.flags) !== perms) this.zx.protect(target, target.start, target.end);
    return this.mergeAround(target, below, above);
  }

  /** Releases the pages of a range that is leaving the address space. */
  private releasePages(v: Vma, start: number, end: number): void {
    if (v.backing.kind === 'anon') this.freeAnon(start, end);
    else {
      MemoryManager.forget(this.mappedShared, start, end);
      this.forgetUffdMarkers(start, end);
    }
  }

  /** Drops private anonymous pages (and zero-page mappings) of [start, end). */
  private freeAnon(start: number, end: number): void {
    this.zx.zeroAnon(start, end);
    this.forgetZero(start, end);
    this.forgetUffdMarkers(start, end);
  }

  /** Zapping page table entries drops poison markers and uffd-wp bits with them. */
  private forgetUffdMarkers(start: number, end: number): void {
    MemoryManager.forget(this.uffdPoison, start, end);
    MemoryManager.forget(this.uffdWp, start, end);
  }

  private forgetZero(start: number, end: number): void {
    MemoryManager.forget(this.zeroMapped, start, end);
  }

  private static forget(set: Set<number>, start: number, end: number): void {
    if (set.size === 0) return;
    if (set.size < (end - start) / PAGE) {
      for (const p of set) if (p >= start && p < end) set.delete(p);
    } else for (let p = start; p < end; p += PAGE) set.delete(p);
  }

  /**
   * A read fault: anonymous pages map the zero page (or, on a kernel profile without it, get a zeroed page and the
   * VMA its anon_vma, as do_anonymous_page does), file and shmem pages enter the page cache. UFFDIO_ZEROPAGE passes
   * `zeroPage` true: it always maps the zero page.
   */
  private readFault(v: Vma, addr: number, zeroPage = this.profile.zeroPageOnReadFault): void {
    const page = pageDown(addr);
    if (v.backing.kind === 'anon') {
      if (this.zx.anonVmo.pageState(page) !== 'absent') return;
      if (!zeroPage) {
        if (v.anonVma === 0) this.anonVmaPrepare(v);
        try {
          this.zx.anonVmo.opRange(VmoOp.COMMIT, page, PAGE);
          this.zeroMapped.delete(page);
          return;
        } catch (err) {
          // Out of memory: the read still sees zeros (as through the zero page); only Rss differs.
          if (!(err instanceof ZxError)) throw err;
        }
      }
      this.zeroMapped.add(page);
      return;
    }
    const t = ZirconSpace.target(this.zx, v, page);
    const cached = t.offset + PAGE <= t.vmo.getSize() && t.vmo.pageState(t.offset) !== 'absent';
    // A page whose entry is present does not fault at all (so no fault-around either). The mapped set can outlive
    // a truncation of the file by another descriptor, so the page must still be in the object too.
    if (cached && this.mappedShared.has(page)) return;
    if (t.offset + PAGE <= t.vmo.getSize() && !cached) {
      try {
        t.vmo.opRange(VmoOp.COMMIT, t.offset, PAGE);
        this.cleanSet(v, t.vmo)?.add(t.offset);
      } catch {
        // A snapshot child that refuses COMMIT keeps reading its parent, which is what a read fault needs.
      }
    }
    if (!this.cleanSet(v, t.vmo)) return;
    this.mappedShared.add(page);
    this.faultAround(v, page);
  }

  /**
   * Fault-around (do_fault_around, run by a read fault before the page itself is looked up): the 16-page aligned
   * window around the fault, inside the VMA and the object, maps every page already in the page cache.
   */
  private faultAround(v: Vma, page: number): void {
    const from = Math.max(v.start, page - (page % (16 * PAGE)));
    const to = Math.min(v.end, from + 16 * PAGE);
    const limit = this.objectEnd(v) ?? to;
    for (let a = from; a < Math.min(to, limit); a += PAGE) {
      if (this.mappedShared.has(a)) continue;
      const u = ZirconSpace.target(this.zx, v, a);
      if (this.cleanSet(v, u.vmo) && u.offset + PAGE <= u.vmo.getSize() && u.vmo.pageState(u.offset) !== 'absent') this.mappedShared.add(a);
    }
  }

  /** The clean-page set of the shared object a VMA page lives in (none for private copies). */
  private cleanSet(v: Vma, vmo: Vmo): Set<number> | undefined {
    const b = v.backing;
    if (b.kind === 'shmem') return b.obj.clean;
    if (b.kind === 'file' && vmo === b.file.vmo) return b.file.cleanPages;
    return undefined;
  }

  /** A store into a shared page makes it dirty (PAGEOUT can no longer drop it without swap). */
  private noteWrite(v: Vma, addr: number): void {
    // Private anonymous pages have no clean-page set (the common case of a write fault).
    if (v.backing.kind === 'anon') return;
    const t = ZirconSpace.target(this.zx, v, pageDown(addr));
    const set = this.cleanSet(v, t.vmo);
    if (!set) return;
    set.delete(t.offset);
    this.mappedShared.add(pageDown(addr));
  }

  /**
   * MADV_PAGEOUT on a machine without swap: clean page-cache and shmem pages (only ever read) are reclaimed;
   * anonymous and dirty pages stay.
   */
  private pageOut(v: Vma, s: number, e: number): void {
    if (v.backing.kind === 'anon') return;
    for (let a = s; a < e; a += PAGE) {
      // Only pages mapped here are walked (madvise_cold_or_pageout_pte_range follows the page tables).
      if (!this.mappedShared.has(a)) continue;
      const t = ZirconSpace.target(this.zx, v, a);
      const set = this.cleanSet(v, t.vmo);
      if (set?.has(t.offset)) {
        set.delete(t.offset);
        this.mappedShared.delete(a);
        t.vmo.opRange(VmoOp.DECOMMIT, t.offset, PAGE);
      }
    }
  }

  /**
   * do_munmap of [start, end): no merging afterwards, as in Linux. With `overwrite` the caller maps the whole range
   * again at once with SPECIFIC_OVERWRITE, which replaces the old Zircon mappings, and a VMA that is exactly the
   * range (with no userfaultfd context) is returned still in its tree slot, pages released and size unaccounted,
   * for the new VMA to take over. `first` is the first VMA ending above `start` when the caller knows it.
   */
  private unmapRange(start: number, end: number, overwrite = false, first = this.tree.findFrom(start)): Vma | undefined {
    if (end <= start) return undefined;
    if (!first || first.start >= end) return undefined;
    if (overwrite && first.start === start && first.end === end && first.uffd === 0) {
      this.dirty(start, end);
      this.account(first, -1);
      this.releasePages(first, start, end);
      return first;
    }
    // The distinct userfaultfd contexts of the range, in address order.
    const ctxs: UffdContextHooks[] = [];
    let v: Vma | undefined = first;
    while (v && v.start < end) {
      const reg = this.counters.uffd.get(v.uffd);
      if (reg && !ctxs.includes(reg.ctx)) ctxs.push(reg.ctx);
      const s = Math.max(v.start, start);
      const e = Math.min(v.end, end);
      const next: Vma | undefined = v.end < end ? this.tree.next(v) : undefined;
      this.cutVma(v, s, e);
      this.releasePages(v, s, e);
      v = next;
    }
    if (!overwrite || ctxs.length > 0) this.zx.unmap(start, end);
    // userfaultfd_unmap_complete: after the unmap, once per context, with the whole requested range.
    for (const ctx of ctxs) this.raiseUffd((t) => ctx.unmap(t, start, end));
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Placement

  private getUnmappedArea(addr: number, len: number, flags: number, isAnonPrivate: boolean): number {
    if (len > this.taskSize) fail('ENOMEM');
    if (flags & MapFlags.FIXED) {
      if (addr > this.taskSize - len) fail('ENOMEM');
      if (addr % PAGE !== 0) fail('EINVAL');
      return addr;
    }
    if (flags & MapFlags['32BIT']) {
      const a = this.tree.findBottomUp(len, Math.max(this.minAddr, 0x40000000), 0x80000000);
      if (a !== undefined) return a;
      fail('ENOMEM');
    }
    if (addr) {
      const a = pageDown(addr);
      if (this.taskSize - len >= a && a >= this.minAddr) {
        const nx = this.tree.findFrom(a);
        const pv = this.tree.findBefore(a + 1);
        const nextOk = !nx || a + len <= this.tree.startGap(nx);
        const prevOk = !pv || pv.end <= a;
        if (nextOk && prevOk) return a;
      }
    }
    if (isAnonPrivate && !addr && len % (2 << 20) === 0) {
      // thp_get_unmapped_area: search len + 2 MiB and align; an already-aligned bottom moves up by 2 MiB.
      const r = this.tree.findTopDown(len + (2 << 20), this.minAddr, this.mmapBase, this.taskSize);
      if (r !== undefined) {
        const sub = (2 << 20) - (r % (2 << 20));
        return sub === 2 << 20 ? r + (2 << 20) : r + sub;
      }
    }
    const r = this.tree.findTopDown(len, this.minAddr, this.mmapBase, this.taskSize);
    if (r === undefined) {
      const b = this.tree.findBottomUp(len, this.mmapBase, this.taskSize);
      if (b === undefined) fail('ENOMEM');
      return b;
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------
  // mmap

  /**
   * mmap(2). Returns the address.
   */
  mmap(addr: SysInt, length: SysInt, prot: SysInt, flags: SysInt, fd: SysInt = -1, offset: SysInt = 0): number {
    this.live();
    try {
      // Small number arguments (the common case) are checked without bigints; the outcomes are the same.
      const small = isSmall(addr) && isSmall(length) && isSmall(prot) && isSmall(flags) && isSmall(offset);
      let a = 0n;
      let l = 0n;
      let pr: number;
      let fl: number;
      /** File page of the offset: below 2^52, so exact as a number. */
      let pgoff: number;
      if (small) {
        pr = low32(prot);
        fl = low32(flags);
        if (!smallAligned(offset)) fail('EINVAL');
        pgoff = offset / PAGE;
      } else {
        a = u64(addr, 'addr');
        l = u64(length, 'length');
        pr = Number(BigInt.asUintN(32, u64(prot, 'prot')));
        fl = Number(BigInt.asUintN(32, u64(flags, 'flags')));
        const off = u64(offset, 'offset');
        if (off & 4095n) fail('EINVAL');
        pgoff = Number(off >> 12n);
      }
      let desc: FileDescription | null = null;
      if (!(fl & MapFlags.ANONYMOUS)) {
        desc = this.fds.get(i32(fd, 'fd')) ?? null;
        if (!desc) fail('EBADF');
        if (fl & MapFlags.HUGETLB) fail('EINVAL');
      }
      // The aligned length and the hint as numbers (values past 2^53 are rounded, but only ever compared with
      // limits far below that, so every comparison comes out as with bigints).
      let alen: number;
      let hint: number;
      if (small) {
        if (length === 0) fail('EINVAL');
        alen = pageUp(length);
        hint = addr;
      } else {
        if (l === 0n) fail('EINVAL');
        const alenB = pageAlignBig(l);
        if (alenB === 0n || l > U64MAX - 4095n) fail('ENOMEM');
        // do_mmap's early "offset overflow?" test (pgoff + pages wrapping an unsigned long) can never fire on a
        // 64-bit kernel: both are below 2^52. Offsets are judged later, by file_mmap_ok, after the length checks.
        alen = Number(alenB);
        hint = Number(a);
      }
      if (fl & MapFlags.FIXED_NOREPLACE) fl |= MapFlags.FIXED;
      if (!(fl & MapFlags.FIXED) && hint !== 0 && hint < this.minAddr) hint = pageUp(this.minAddr);
      if (alen > this.taskSize) fail('ENOMEM');
      const len = alen;
      if (hint > this.taskSize) {
        if (fl & MapFlags.FIXED) fail('ENOMEM');
        hint = 0;
      }
      const hintN = hint;
      const type = fl & MapFlags.TYPE;
      const isAnonPrivate = !desc && type === MapFlags.PRIVATE;
      if (this.tree.size > this.profile.maxMapCount) fail('ENOMEM');
      if (fl & MapFlags.FIXED && hintN < this.minAddr && hintN % PAGE === 0) fail('EPERM');
      const at = this.getUnmappedArea(hintN, len, fl, isAnonPrivate);
      if (fl & MapFlags.FIXED_NOREPLACE) {
        const v = this.tree.findFrom(at);
        if (v && v.start < at + len) fail('EEXIST');
      }
      let vmFlags = (pr & 7) | ((fl & MapFlags.GROWSDOWN) ? VM.GROWSDOWN : 0) | (fl & MapFlags.LOCKED ? VM.LOCKED : 0);
      // calc_vm_flag_bits (Linux 6.7+, with THP): a MAP_STACK mapping is VM_NOHUGEPAGE, which also keeps it from
      // merging with a neighbour that is not (a thread stack beside a malloc'd page stays a separate VMA).
      if (fl & MapFlags.STACK) vmFlags |= VM.NOHUGEPAGE;
      vmFlags |= this.defFlags | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
      if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) {
        // Linux's calc_vm_prot_bits ignores unknown prot bits in mmap; only GROWSDOWN/GROWSUP are meaningful.
      }
      if (fl & MapFlags.LOCKED && !this.canDoMlock()) fail('EPERM');
      if (!this.mlockFutureOk(vmFlags, len)) fail('EAGAIN');
      let backing: Backing;
      if (desc) {
        // file_mmap_ok with MAX_LFS_FILESIZE (2^63 - 1): the mapping must end below file offset 2^63.
        if (pgoff + len / PAGE >= 2 ** 51) fail('EOVERFLOW');
        if (type !== MapFlags.SHARED && type !== MapFlags.SHARED_VALIDATE && type !== MapFlags.PRIVATE) fail('EINVAL');
        if (type !== MapFlags.PRIVATE) {
          // LEGACY_MAP_MASK: MAP_SHARED_VALIDATE rejects anything else (FIXED_NOREPLACE and SYNC included) on memfd.
          const legacy = 0x0f | MapFlags.FIXED | MapFlags.ANONYMOUS | MapFlags['32BIT'] | MapFlags.GROWSDOWN | MapFlags.DENYWRITE | MapFlags.EXECUTABLE | MapFlags.LOCKED | MapFlags.NORESERVE | MapFlags.POPULATE | MapFlags.NONBLOCK | MapFlags.STACK | MapFlags.HUGETLB | MapFlags.UNINITIALIZED | (21 << 26) | (30 << 26);
          if (type === MapFlags.SHARED_VALIDATE && (fl & ~MapFlags.FIXED) & ~legacy) fail('EOPNOTSUPP');
          if (pr & Prot.WRITE && !desc.writable) fail('EACCES');
          vmFlags |= VM.SHARED | VM.MAYSHARE;
          if (!desc.writable) vmFlags &= ~(VM.MAYWRITE | VM.SHARED);
        }
        if (!desc.readable) fail('EACCES');
        if (vmFlags & VM.GROWSDOWN) fail('EINVAL');
        backing = { kind: 'file', file: desc.file, cow: null };
      } else {
        switch (type) {
          case MapFlags.SHARED:
            if (vmFlags & VM.GROWSDOWN) fail('EINVAL');
            pgoff = 0;
            vmFlags |= VM.SHARED | VM.MAYSHARE;
            backing = { kind: 'shmem', obj: null as unknown as ShmemObject };
            break;
          case MapFlags.PRIVATE:
            pgoff = at / PAGE;
            backing = ANON_BACKING;
            break;
          default:
            fail('EINVAL');
        }
      }
      if (fl & MapFlags.NORESERVE) vmFlags |= VM.NORESERVE;
      // mmap_region: RLIMIT_AS, counting what a FIXED mapping replaces.
      if (!this.mayExpand(vmFlags, len / PAGE)) {
        const replaced = this.countPages(at, at + len);
        if (!this.mayExpand(vmFlags, len / PAGE - replaced)) fail('ENOMEM');
      }
      if ((vmFlags & (VM.WRITE | VM.SHARED | VM.NORESERVE)) === VM.WRITE) vmFlags |= VM.ACCOUNT;
      this.refuseBlockingUffd(at, at + len, UffdFeature.EVENT_UNMAP, 'mmap(MAP_FIXED)');
      // A range the kernel chose is free. A fixed one is unmapped first; a private anonymous mapping goes in right
      // after (no object to create in between), so its Zircon mapping simply overwrites the old ones.
      // The new objects are made before the old range is unmapped, so a failure to make them changes nothing.
      if (backing.kind === 'shmem') {
        const vmo = Vmo.create(this.kernel, len, VmoOptions.RESIZABLE).replaceAsExecutable();
        backing = { kind: 'shmem', obj: { vmo, inode: this.counters.nextInode++, size: len, clean: new Set() } };
      } else if (backing.kind === 'file' && type === MapFlags.PRIVATE) {
        const file = backing.file;
        const base = pgoff;
        // The child is indexed by file offset (offset 0 = file offset 0) so splits and moves keep their meaning.
        // Pages at offsets from PARKED_FROM on are past every file (zircon-space.ts): the child need not reach them.
        const cowVmo = file.vmo.createChild(VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE | VmoChildOptions.RESIZABLE, 0, Math.min(base * PAGE + Math.max(len, PAGE), PARKED_FROM)).replaceAsExecutable();
        const copied = new Set<number>();
        file.privateCopies.add(copied);
        backing = { kind: 'file', file, cow: { vmo: cowVmo, basePgoff: 0, id: this.counters.nextCow++, copied } };
      }
      const slot = fl & MapFlags.FIXED ? this.unmapRange(at, at + len, backing.kind === 'anon') : undefined;
      const v = this.insert(this.newVma(at, at + len, vmFlags, backing, pgoff), slot);
      if (backing.kind === 'anon' || backing.kind === 'file') this.mergeAround(v);
      if (vmFlags & VM.LOCKED || (fl & (MapFlags.POPULATE | MapFlags.NONBLOCK)) === MapFlags.POPULATE) {
        this.populate(at, at + len, true);
      }
      return at;
    } finally {
      this.flushPins();
    }
  }

  private countPages(start: number, end: number): number {
    let n = 0;
    for (const v of this.tree.range(start, end)) n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE;
    return n;
  }

  /** __mm_populate: faults in every accessible page of [start, end); errors are ignored when `ignore`. */
  private populate(start: number, end: number, ignore: boolean): boolean {
    let ok = true;
    for (const v of this.tree.range(start, end)) {
      if (v.flags & VM.LOCKONFAULT) continue;
      if (!(v.flags & (VM.READ | VM.WRITE | VM.EXEC))) {
        ok = false;
        if (!ignore) return false;
        continue;
      }
      const s = Math.max(start, v.start);
      const e = Math.min(end, v.end);
      const write = (v.flags & (VM.WRITE | VM.SHARED)) === VM.WRITE;
      this.faultIn(v, s, e, write);
      const lim = this.objectEnd(v);
      if (lim !== undefined && lim < e) {
        // A page past EOF faults with SIGBUS: GUP reports EFAULT and the populate stops.
        ok = false;
        if (!ignore) return false;
      }
    }
    return ok;
  }

  /** Commits pages as a fault would (write faults break COW and attach an anon_vma). */
  private faultIn(v: Vma, s: number, e: number, write: boolean): void {
    if (v.uffd !== 0) {
      // Pages that would trap into userfaultfd are left to its handler (a populating Linux task would wait for
      // it); the others populate as usual.
      for (let a = s; a < e; a += PAGE) if (!this.uffdFaultFor(v, a, write, false)) this.faultInRange(v, a, Math.min(e, a + PAGE), write);
      return;
    }
    this.faultInRange(v, s, e, write);
  }

  private faultInRange(v: Vma, s: number, e: number, write: boolean): void {
    if (write && !(v.flags & VM.SHARED) && v.anonVma === 0) this.anonVmaPrepare(v);
    const limit = this.objectEnd(v);
    let end = limit === undefined ? e : Math.min(e, limit);
    // Populating more than the machine's free memory would end in the OOM killer on Linux; the model stops there
    // (populate errors are ignored by mmap and MCL_CURRENT) instead of walking an astronomically large range.
    end = Math.min(end, s + (Math.floor(this.kernel.memory.freeBytes() / PAGE) + 1) * PAGE);
    if (end <= s) return;
    const b = v.backing;
    try {
      if (write && b.kind !== 'file') {
        const t = ZirconSpace.target(this.zx, v, s);
        t.vmo.opRange(VmoOp.COMMIT, t.offset, end - s);
        if (b.kind === 'anon') this.forgetZero(s, end);
      } else if (write) {
        for (let a = s; a < end; a += PAGE) {
          const tt = ZirconSpace.writeTarget(this.zx, v, a);
          tt.vmo.write(tt.vmo.read(1, tt.offset), tt.offset);
        }
      } else for (let a = s; a < end; a += PAGE) this.readFault(v, a);
    } catch (err) {
      // Out of memory while populating: like a failed populate, the mapping stays as it is.
      if (!(err instanceof ZxError)) throw err;
    }
  }

  /** The address where the backing object ends for file/shmem VMAs (pages past it SIGBUS). */
  private objectEnd(v: Vma): number | undefined {
    const b = v.backing;
    if (b.kind === 'anon') return undefined;
    const size = b.kind === 'shmem' ? b.obj.size : b.file.size;
    const pages = Math.ceil(size / PAGE);
    return v.start + (pages - v.pgoff) * PAGE;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Pinning

  /**
   * Re-pins [start, end): pins overlapping it are released and every VM_LOCKED part is mapped into the shadow
   * process again, so locked pages are exactly the pinned ones (and never reclaimed).
   */
  private syncPins(start: number, end: number): void {
    if (this.pins.length === 0 && this.lockedVm === 0) return;
    let lo = start;
    let hi = end;
    // Pins are disjoint and sorted, so the ones overlapping [start, end) are one run, found by binary search;
    // everything before it ends below lo and everything after starts at or above hi.
    const pins = this.pins;
    let first = 0;
    for (let top = pins.length; first < top; ) {
      const mid = (first + top) >>> 1;
      if (pins[mid].end > start) top = mid;
      else first = mid + 1;
    }
    let last = first;
    for (; last < pins.length && pins[last].start < end; last++) {
      const p = pins[last];
      lo = Math.min(lo, p.start);
      hi = Math.max(hi, p.end);
      p.mapping[Symbol.dispose]();
    }
    const fresh: Pin[] = [];
    try {
      for (const v of this.tree.range(lo, hi)) {
        if (!(v.flags & VM.LOCKED)) continue;
        let s = Math.max(lo, v.start);
        let e = Math.min(hi, v.end);
        const limit = this.objectEnd(v);
        if (limit !== undefined) e = Math.min(e, limit);
        while (s < e) {
          // A private file mapping's pages may live in two objects (copied or not): pin page by page there.
          const t = ZirconSpace.target(this.zx, v, s);
          const chunk = v.backing.kind === 'file' && v.backing.cow ? PAGE : Math.min(e - s, t.vmo.getSize() - t.offset);
          if (chunk <= 0) break;
          fresh.push({ start: s, end: s + chunk, mapping: this.counters.pinning.pin(t.vmo, t.offset, chunk) });
          s += chunk;
        }
      }
    } finally {
      // The released run is replaced by the new pins (also those made before a failure), keeping the order.
      if (fresh.length <= 1024) pins.splice(first, last - first, ...fresh);
      else this.pins = pins.slice(0, first).concat(fresh, pins.slice(last));
    }
  }

  private dirtyLo = Infinity;
  private dirtyHi = -Infinity;

  /** Records a range whose VMAs changed; pins are re-synced for it when the system call returns. */
  private dirty(start: number, end: number): void {
    if (start < this.dirtyLo) this.dirtyLo = start;
    if (end > this.dirtyHi) this.dirtyHi = end;
  }

  private flushPins(): void {
    if (this.dirtyHi <= this.dirtyLo) return;
    const lo = this.dirtyLo;
    const hi = this.dirtyHi;
    this.dirtyLo = Infinity;
    this.dirtyHi = -Infinity;
    if (!this.disposed) this.syncPins(lo, hi);
  }

  /** Pages currently pinned in the shadow process (what mlock holds). */
  get pinnedPages(): number {
    return this.pins.reduce((n, p) => n + (p.end - p.start) / PAGE, 0);
  }

  // ---------------------------------------------------------------------------------------------------------
  // munmap / mprotect

  /** munmap(2). */
  munmap(addr: SysInt, length: SysInt): number {
    this.live();
    try {
      let start: number;
      let len: number;
      if (isSmall(addr) && isSmall(length)) {
        const ts = this.taskSize;
        if (!smallAligned(addr) || addr > ts || length > ts - addr) fail('EINVAL');
        len = pageUp(length);
        if (len === 0) fail('EINVAL');
        start = addr;
      } else {
        const a = u64(addr, 'addr');
        const l = u64(length, 'length');
        const ts = BigInt(this.taskSize);
        if (!isAligned(a) || a > ts || l > ts - a) fail('EINVAL');
        const lenB = pageAlignBig(l);
        if (lenB === 0n) fail('EINVAL');
        start = Number(a);
        len = Number(lenB);
      }
      const end = Math.min(start + len, this.taskSize);
      this.refuseBlockingUffd(start, end, UffdFeature.EVENT_UNMAP, 'munmap');
      // Unmapping locked pages unlocks them; the locked count follows the VMA accounting.
      this.unmapRange(start, end);
      return 0;
    } finally {
      this.flushPins();
    }
  }

  /** mprotect(2), including PROT_GROWSDOWN and the partial effects before a hole. */
  mprotect(addr: SysInt, length: SysInt, prot: SysInt): number {
    this.live();
    try {
      const small = isSmall(addr) && isSmall(length) && isSmall(prot);
      const a = small ? 0n : u64(addr, 'addr');
      const l = small ? 0n : u64(length, 'length');
      let pr = small ? low32(prot) : Number(BigInt.asUintN(32, u64(prot, 'prot')));
      const grows = pr & (Prot.GROWSDOWN | Prot.GROWSUP);
      pr &= ~grows;
      let start: number;
      let end: number;
      if (small) {
        if (grows === (Prot.GROWSDOWN | Prot.GROWSUP)) fail('EINVAL');
        if (!smallAligned(addr)) fail('EINVAL');
        if (length === 0) return 0;
        // Below 2^48 the end neither wraps nor equals the start.
        const endN = addr + pageUp(length);
        if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) fail('EINVAL');
        if (addr >= this.taskSize) fail('ENOMEM');
        start = addr;
        end = endN > this.taskSize ? this.taskSize + PAGE : endN;
      } else {
        if (grows === (Prot.GROWSDOWN | Prot.GROWSUP)) fail('EINVAL');
        if (!isAligned(a)) fail('EINVAL');
        if (l === 0n) return 0;
        const len = pageAlignBig(l);
        const endB = a + len;
        if (endB > U64MAX || endB <= a || len === 0n) fail('ENOMEM');
        if (pr & ~(Prot.READ | Prot.WRITE | Prot.EXEC | Prot.SEM)) fail('EINVAL');
        if (a >= BigInt(this.taskSize)) fail('ENOMEM');
        start = Number(a);
        end = endB > BigInt(this.taskSize) ? this.taskSize + PAGE : Number(endB);
      }
      let v = this.tree.findFrom(start);
      if (!v) fail('ENOMEM');
      if (grows & Prot.GROWSDOWN) {
        if (v.start >= end) fail('ENOMEM');
        start = v.start;
        if (!(v.flags & VM.GROWSDOWN)) fail('EINVAL');
      } else {
        if (v.start > start) fail('ENOMEM');
        // x86 has no VM_GROWSUP mappings: PROT_GROWSUP fails once a VMA is found.
        if (grows & Prot.GROWSUP) fail('EINVAL');
      }
      let tmp = v.start;
      let nstart = start;
      const want = pr & 7;
      while (v && v.start < end) {
        if (v.start !== tmp) fail('ENOMEM');
        let newFlags = want | (v.flags & ~(VM.READ | VM.WRITE | VM.EXEC));
        if (newFlags & ~(newFlags >> 4) & (VM.READ | VM.WRITE | VM.EXEC)) fail('EACCES');
        tmp = Math.min(v.end, end);
        const old = v.flags;
        if (newFlags & VM.WRITE) {
          if (!(old & (VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE))) newFlags |= VM.ACCOUNT;
        } else if (old & VM.ACCOUNT && v.backing.kind === 'anon' && v.anonVma === 0 && this.profile.mprotectAccount === 'drop-without-anon-vma') {
          newFlags &= ~VM.ACCOUNT;
        }
        let after: Vma = v;
        if (newFlags !== old) {
          const nf = newFlags;
          after = this.modify(v, nstart, tmp, (x) => {
            x.flags = nf;
          });
          // mprotect_fixup: a locked private VMA that becomes writable is populated (COW-broken) right away.
          if ((old & (VM.WRITE | VM.SHARED | VM.LOCKED)) === VM.LOCKED && nf & VM.WRITE) this.populate(nstart, tmp, true);
        }
        // Like vma_iter_end(): continue after the (possibly merged) VMA that now holds the range.
        tmp = after.end;
        nstart = tmp;
        if (tmp >= end) break;
        v = this.tree.findFrom(tmp);
      }
      if (tmp < end) fail('ENOMEM');
      return 0;
    } finally {
      this.flushPins();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // mremap

  /** mremap(2). Returns the (possibly new) address. */
  mremap(oldAddress: SysInt, oldSize: SysInt, newSize: SysInt, flags: SysInt = 0, newAddress: SysInt = 0): number {
    this.live();
    try {
      let fl: number;
      let impliesNew: boolean;
      let addr: number;
      let oldTooBig: boolean;
      let oldLen: number;
      let newLen: number;
      let dest: number;
      /** The page-aligned old length compared with the new one (before an old length past TASK_SIZE is clamped). */
      let order: -1 | 0 | 1;
      if (isSmall(oldAddress) && isSmall(oldSize) && isSmall(newSize) && isSmall(flags) && isSmall(newAddress)) {
        // The checks below in number arithmetic: below 2^48 no length rounds to 0 and no end wraps.
        fl = low32(flags);
        if (fl & ~(MremapFlags.MAYMOVE | MremapFlags.FIXED | MremapFlags.DONTUNMAP)) fail('EINVAL');
        if (!smallAligned(oldAddress)) fail('EINVAL');
        const oldLenN = pageUp(oldSize);
        const newLenN = pageUp(newSize);
        if (newLenN === 0) fail('EINVAL');
        const ts = this.taskSize;
        impliesNew = (fl & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) !== 0;
        if (newLenN > ts) fail('EINVAL');
        // Linux 6.18 applies the new-address checks whenever a new address is implied: with DONTUNMAP alone the
        // address is a hint, but it must still be aligned, fit below TASK_SIZE and not overlap the source.
        if (impliesNew && newAddress > ts - newLenN) fail('EINVAL');
        if (impliesNew) {
          if (!smallAligned(newAddress)) fail('EINVAL');
          if (!(fl & MremapFlags.MAYMOVE)) fail('EINVAL');
          if (fl & MremapFlags.DONTUNMAP && oldLenN !== newLenN) fail('EINVAL');
          if (oldAddress + oldLenN > newAddress && newAddress + newLenN > oldAddress) fail('EINVAL');
        }
        if (oldAddress >= ts) fail('EFAULT');
        addr = oldAddress;
        oldTooBig = oldLenN > ts - addr;
        oldLen = oldTooBig ? ts - addr + PAGE : oldLenN;
        newLen = newLenN;
        order = oldLenN === newLenN ? 0 : oldLenN > newLenN ? 1 : -1;
        dest = newAddress;
      } else {
        const a = u64(oldAddress, 'old_address');
        const ol = u64(oldSize, 'old_size');
        const nl = u64(newSize, 'new_size');
        fl = Number(BigInt.asUintN(64, u64(flags, 'flags')) & 0xffffffffn);
        const na = u64(newAddress, 'new_address');
        if (fl & ~(MremapFlags.MAYMOVE | MremapFlags.FIXED | MremapFlags.DONTUNMAP)) fail('EINVAL');
        if (!isAligned(a)) fail('EINVAL');
        const oldLenB = pageAlignBig(ol);
        const newLenB = pageAlignBig(nl);
        if (newLenB === 0n) fail('EINVAL');
        const ts = BigInt(this.taskSize);
        impliesNew = (fl & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) !== 0;
        if (newLenB > ts) fail('EINVAL');
        if (impliesNew && na > ts - newLenB) fail('EINVAL');
        if (impliesNew) {
          if (!isAligned(na)) fail('EINVAL');
          if (!(fl & MremapFlags.MAYMOVE)) fail('EINVAL');
          if (fl & MremapFlags.DONTUNMAP && oldLenB !== newLenB) fail('EINVAL');
          // vrm_overlaps computes the ends in unsigned 64-bit arithmetic (a huge old length wraps).
          const ov = ((a + oldLenB) & U64MAX) > na && ((na + newLenB) & U64MAX) > a;
          if (ov) fail('EINVAL');
        }
        if (a >= ts) fail('EFAULT');
        addr = Number(a);
        // An old length past TASK_SIZE can only shrink; the tail unmap then fails munmap's checks (EINVAL).
        oldTooBig = oldLenB > ts - a;
        oldLen = oldTooBig ? this.taskSize - addr + PAGE : Number(oldLenB);
        newLen = Number(newLenB);
        order = oldLenB === newLenB ? 0 : oldLenB > newLenB ? 1 : -1;
        dest = Number(na);
      }
      // Only a move (REMAP, UNMAP of the source) or a shrink (UNMAP of the tail) can block.
      const blocking = (fl & MremapFlags.MAYMOVE ? UffdFeature.EVENT_REMAP | UffdFeature.EVENT_UNMAP : 0) | (newLen < oldLen ? UffdFeature.EVENT_UNMAP : 0);
      if (blocking !== 0) this.refuseBlockingUffd(addr, Math.min(addr + oldLen, this.taskSize), blocking, 'mremap');
      if (fl & MremapFlags.FIXED && dest < this.taskSize) this.refuseBlockingUffd(dest, Math.min(dest + newLen, this.taskSize), UffdFeature.EVENT_UNMAP, 'mremap');
      // Below the user VMAR nothing can be mapped: EPERM, as mmap(MAP_FIXED) answers there (mmap_min_addr).
      if (fl & MremapFlags.FIXED && dest < this.minAddr) fail('EPERM');
      if (fl & MremapFlags.FIXED && order === 0) return this.remapMove(addr, newLen, dest, (fl & MremapFlags.DONTUNMAP) !== 0);
      const moveChecks = (v: Vma, len: number): void => {
        if (len === 0 && !(v.flags & (VM.SHARED | VM.MAYSHARE))) fail('EINVAL');
        if (len > v.end - addr) fail('EFAULT');
        if (newLen > len) {
          if (!this.mlockFutureOk(v.flags, newLen - len)) fail('EAGAIN');
          if (!this.mayExpand(v.flags, (newLen - len) / PAGE)) fail('ENOMEM');
        }
      };
      if (impliesNew) {
        // Linux 6.18 checks the source (against the shrunk length) before any unmapping: an EFAULT has no side
        // effects. (Older kernels unmapped the destination first; the machine's kernel is the judge.)
        const len = Math.min(oldLen, newLen);
        const v = this.tree.find(addr);
        if (!v) fail('EFAULT');
        moveChecks(v, oldLen === 0 ? 0 : len);
        if (fl & MremapFlags.DONTUNMAP && !this.mayExpand(v.flags, len / PAGE)) fail('ENOMEM');
        if (fl & MremapFlags.FIXED) {
          this.unmapRange(dest, dest + newLen);
          // From here a failure is part-way on Linux too: the destination is already unmapped (validate knows).
          this.partialFailure = true;
          // mremap_to looks the source up again after unmapping the destination (which may have held it) before
          // the shrink's own munmap checks.
          if (!this.tree.find(addr)) fail('EFAULT');
          if (oldTooBig) fail('EINVAL');
          if (oldLen > newLen) this.unmapRange(addr + newLen, addr + oldLen);
        }
        const src = this.tree.find(addr);
        if (!src) fail('EFAULT');
        // vrm_set_new_addr: without FIXED the new address is a hint (DONTUNMAP), honoured when the range is free.
        const to = fl & MremapFlags.FIXED ? dest : this.getUnmappedArea(dest, newLen, 0, false);
        return this.moveVma(src, addr, oldLen === 0 ? 0 : len, newLen, to, (fl & MremapFlags.DONTUNMAP) !== 0);
      }
      const vma = this.tree.find(addr);
      if (!vma) fail('EFAULT');
      // The type comes from the real lengths: an old length reaching past TASK_SIZE equal to the new one is a no-op.
      const remapType = order === 0 ? 'none' : order > 0 ? 'shrink' : 'expand';
      if (remapType === 'expand') moveChecks(vma, oldLen);
      // In place.
      if (remapType === 'none') return addr;
      if (remapType === 'shrink') {
        if (oldTooBig) fail('EINVAL');
        this.unmapRange(addr + newLen, addr + oldLen, false, vma.end > addr + newLen ? vma : undefined);
        return addr;
      }
      if (oldLen === 0) {
        if (!(fl & MremapFlags.MAYMOVE)) fail('ENOMEM');
      } else if (vma.end === addr + oldLen) {
        const nx = this.tree.next(vma);
        // vma_expandable: only an intersecting VMA blocks in-place growth (guard gaps do not).
        const limit = nx ? nx.start : this.taskSize;
        if (addr + newLen <= limit && addr + newLen <= this.taskSize) {
          const grow = newLen - oldLen;
          this.setEnd(vma, vma.end + grow);
          this.zx.map(vma, vma.end - grow, vma.end);
          const merged = this.mergeAround(vma, undefined, nx);
          if (merged.flags & VM.LOCKED) this.populate(vma.end - grow, vma.end, true);
          return addr;
        }
      }
      if (!(fl & MremapFlags.MAYMOVE)) fail('ENOMEM');
      const to = this.getUnmappedArea(0, newLen, 0, false);
      return this.moveVma(vma, addr, oldLen, newLen, to, false);
    } finally {
      this.flushPins();
    }
  }

  /**
   * remap_move (Linux 6.17+): a MREMAP_FIXED move without resizing moves every VMA of the source range, keeping
   * the gaps between them; a gap at the start is EFAULT.
   */
  private remapMove(start: number, len: number, newAddr: number, dontUnmap: boolean): number {
    const end = start + len;
    let target = newAddr;
    let lastEnd = 0;
    let seen = false;
    let res = -1;
    // The cursor only moves forward: with DONTUNMAP the source VMA stays whole after its part moved, so looking
    // it up again by address would find the same VMA forever (the VMA iterator in Linux likewise resumes past it).
    let cursor = start;
    let v = this.tree.findFrom(cursor);
    while (v && v.start < end && cursor < end) {
      if (!seen && start < v.start) fail('EFAULT');
      const a = Math.max(v.start, cursor);
      const l = Math.min(end, v.end) - a;
      // vma_multi_allowed: a userfaultfd-armed VMA cannot take part in a multi-VMA move. Linux stops there with
      // EFAULT, leaving the VMAs before it moved (measured on 6.18), so this failure is part-way by design.
      if (v.uffd !== 0 && (seen || a + l < end)) {
        this.partialFailure = seen;
        fail('EFAULT', 'multi-VMA move over a userfaultfd-registered VMA');
      }
      const offset = seen ? v.start - lastEnd : 0;
      lastEnd = v.end;
      const to = target + offset;
      if (dontUnmap && !this.mayExpand(v.flags, l / PAGE)) fail('ENOMEM');
      this.unmapRange(to, to + l);
      const cur = this.tree.find(a);
      if (!cur) fail('EFAULT');
      const r = this.moveVma(cur, a, l, l, to, dontUnmap);
      if (!seen) res = r;
      seen = true;
      target = r + l;
      cursor = a + l;
      v = this.tree.findFrom(cursor);
    }
    if (!seen) fail('EFAULT');
    return res;
  }

  /** move_vma: copies [addr, addr+oldLen) of `vma` to `to` with length newLen, then unmaps the source. */
  private moveVma(vma: Vma, addr: number, oldLen: number, newLen: number, to: number, dontUnmap: boolean): number {
    const srcPg = vma.pgoff + (addr - vma.start) / PAGE;
    const copyLen = Math.min(oldLen, newLen);
    let pgoff = srcPg;
    if (vma.backing.kind === 'anon' && vma.anonVma === 0) pgoff = to / PAGE;
    // mremap_userfaultfd_prep: the moved VMA keeps its registration only with EVENT_REMAP.
    const reg = this.counters.uffd.get(vma.uffd);
    const keepUffd = reg !== undefined && reg.ctx.hasFeature(UffdFeature.EVENT_REMAP);
    const nv: Vma = { ...vma, start: to, end: to + newLen, pgoff, uffd: keepUffd ? vma.uffd : 0 };
    const b = vma.backing;
    if (dontUnmap && b.kind === 'file' && b.cow) {
      // The private copies move with the page tables: the destination gets its own COW child holding them, and
      // the source VMA reads the file again.
      const cowVmo = b.file.vmo.createChild(VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE | VmoChildOptions.RESIZABLE, 0, b.cow.vmo.getSize()).replaceAsExecutable();
      const copied = new Set<number>();
      b.file.privateCopies.add(copied);
      for (let off = 0; off < Math.min(oldLen, newLen); off += PAGE) {
        const page = srcPg + off / PAGE;
        if (!b.cow.copied.has(page)) continue;
        if (cowVmo.getSize() < (page + 1) * PAGE) cowVmo.setSize((page + 1) * PAGE);
        cowVmo.write(b.cow.vmo.read(PAGE, page * PAGE), page * PAGE);
        copied.add(page);
        b.cow.copied.delete(page);
        b.cow.vmo.opRange(VmoOp.ZERO, page * PAGE, PAGE);
      }
      nv.backing = { kind: 'file', file: b.file, cow: { vmo: cowVmo, basePgoff: 0, id: this.counters.nextCow++, copied } };
    }
    if (oldLen === 0) {
      // Duplicating a shared mapping: same object, same offset.
      this.insert(nv);
      this.mergeAround(nv);
      return to;
    }
    if (vma.backing.kind === 'anon') {
      // The sparse VMO has offset = address: move the committed pages.
      for (let off = 0; off < copyLen; off += PAGE) {
        if (this.zx.anonVmo.pageState(addr + off) !== 'absent') {
          this.zx.anonVmo.write(this.zx.anonVmo.read(PAGE, addr + off), to + off);
        } else if (this.zeroMapped.has(addr + off)) this.zeroMapped.add(to + off);
      }
    } else {
      // move_page_tables carries the mapped file/shmem pages' entries to the new address.
      for (let off = 0; off < copyLen; off += PAGE) if (this.mappedShared.has(addr + off)) this.mappedShared.add(to + off);
    }
    // Poison markers move with the page tables; uffd-wp bits only when the registration moves too.
    for (let off = 0; off < copyLen; off += PAGE) {
      if (this.uffdPoison.has(addr + off)) this.uffdPoison.add(to + off);
      if (keepUffd && this.uffdWp.has(addr + off)) this.uffdWp.add(to + off);
    }
    this.insert(nv);
    // REMAP after the move and before the old range's UNMAP (mremap_userfaultfd_complete runs first).
    if (keepUffd) this.raiseUffd((t) => reg.ctx.remap(t, addr, to, oldLen));
    if (dontUnmap) {
      // The source VMA stays whole (no split) and loses its lock flags; its private anonymous pages moved away.
      if (vma.backing.kind === 'anon') this.freeAnon(addr, addr + oldLen);
      else {
        MemoryManager.forget(this.mappedShared, addr, addr + oldLen);
        this.forgetUffdMarkers(addr, addr + oldLen);
      }
      // copy_vma merges the new range first (possibly into the source VMA itself, still locked); the lock flags
      // are cleared afterwards on whatever VMA then holds the source.
      const merged = this.mergeAround(nv);
      const src = this.tree.find(addr);
      // dontunmap_complete: a source VMA copied whole (and not merged into the copy) drops its anon_vma, so it
      // can merge again with VMAs that have none.
      if (src && src !== merged && src.start === addr && src.end === addr + oldLen && src.anonVma !== 0 && vma.backing.kind === 'anon') {
        this.update(src, (x) => (x.anonVma = 0));
      }
      if (src && src.flags & LOCK_MASK) {
        this.update(src, (x) => (x.flags &= ~LOCK_MASK));
        this.zx.protect(src, src.start, src.end);
      }
      return to;
    } else {
      const saved = vma.backing.kind === 'anon' ? null : vma.backing;
      void saved;
      // Pages moved already; unmapping must not zero the destination, only the source.
      this.unmapRange(addr, addr + oldLen);
    }
    const merged = this.mergeAround(nv);
    if (newLen > oldLen && merged.flags & VM.LOCKED) this.populate(to + oldLen, to + newLen, true);
    return to;
  }

  // ---------------------------------------------------------------------------------------------------------
  // madvise

  /** madvise(2). */
  madvise(addr: SysInt, length: SysInt, advice: SysInt): number {
    this.live();
    try {
      const adv = i32(advice, 'advice');
      // The advice values Linux knows: 0-4, 8-25, and the hardware poison ones (102, 103).
      if (!((adv >= 0 && adv <= 4) || (adv >= 8 && adv <= 25) || adv === 102 || adv === 103)) fail('EINVAL');
      const a = u64(addr, 'addr');
      const l = u64(length, 'length');
      if (!isAligned(a)) fail('EINVAL');
      const len = pageAlignBig(l);
      if (l !== 0n && len === 0n) fail('EINVAL');
      const endB = a + len;
      if (endB > U64MAX) fail('EINVAL');
      if (endB === a) return 0;
      if (adv === Advice.POPULATE_READ || adv === Advice.POPULATE_WRITE) return this.madvisePopulate(a, endB, adv === Advice.POPULATE_WRITE);
      if (a >= BigInt(this.taskSize)) fail('ENOMEM');
      const end = endB > BigInt(this.taskSize) ? this.taskSize + PAGE : Number(endB);
      if (adv === Advice.DONTNEED || adv === Advice.DONTNEED_LOCKED || adv === Advice.FREE || adv === Advice.REMOVE) {
        this.refuseBlockingUffd(Number(a), Math.min(end, this.taskSize), UffdFeature.EVENT_REMOVE, 'madvise');
      }
      return this.walk(Number(a), end, (v, s, e) => this.adviseOne(v, s, e, adv));
    } finally {
      this.flushPins();
    }
  }

  /** madvise_walk_vmas: visits the mapped parts of [start, end); holes give ENOMEM after the rest is done. */
  private walk(start: number, end: number, visit: (v: Vma, s: number, e: number) => Vma | void): number {
    let unmapped = false;
    let cur = start;
    let v = this.tree.findFrom(cur);
    for (;;) {
      if (!v) fail('ENOMEM');
      if (cur < v.start) {
        unmapped = true;
        cur = v.start;
        if (cur >= end) break;
      }
      const e = Math.min(v.end, end);
      const after = visit(v, cur, e);
      cur = e;
      if (after && cur < after.end) cur = after.end;
      if (cur >= end) break;
      v = this.tree.findFrom(cur);
    }
    if (unmapped) fail('ENOMEM');
    return 0;
  }

  private madvisePopulate(a: bigint, endB: bigint, write: boolean): number {
    if (a >= BigInt(this.taskSize)) fail('ENOMEM');
    let cur = Number(a);
    const end = Number(endB > BigInt(this.taskSize) ? BigInt(this.taskSize) + 4096n : endB);
    // MADV_POPULATE_* waits for userfaultfd like a user fault; the model cannot wait inside madvise (not even in
    // madviseAsync), so it refuses before populating anything.
    for (const v of this.tree.range(cur, Math.min(end, this.taskSize))) {
      if (v.uffd === 0) continue;
      for (let p = Math.max(v.start, cur); p < Math.min(v.end, end); p += PAGE) if (this.uffdFaultFor(v, p, write, false)) throw new UffdWouldBlockError(p, 'madvise(MADV_POPULATE)');
    }
    while (cur < end) {
      const v = this.tree.find(cur);
      if (!v) fail('ENOMEM');
      // GUP's check_vma_flags: a read needs VM_READ itself (write-only and exec-only VMAs fail).
      const ok = write ? (v.flags & VM.WRITE) !== 0 : (v.flags & VM.READ) !== 0;
      if (!ok) fail('EINVAL');
      const e = Math.min(v.end, end);
      const lim = this.objectEnd(v);
      if (lim !== undefined && lim < e) {
        this.faultIn(v, cur, lim, write && !(v.flags & VM.SHARED));
        fail('EFAULT');
      }
      this.faultIn(v, cur, e, write && !(v.flags & VM.SHARED));
      // A write fault dirties shared pages too.
      if (write && v.flags & VM.SHARED) for (let a = cur; a < e; a += PAGE) this.noteWrite(v, a);
      cur = e;
    }
    return 0;
  }

  private adviseOne(v: Vma, s: number, e: number, adv: number): Vma | void {
    let nf = v.flags;
    switch (adv) {
      case Advice.DONTNEED:
      case Advice.DONTNEED_LOCKED:
        if (v.flags & VM.LOCKED && adv === Advice.DONTNEED) fail('EINVAL');
        this.raiseUffdRemove(v, s, e);
        this.dropPages(v, s, e);
        return;
      case Advice.FREE:
        // madvise_dontneed_free_valid_vma forbids locked VMAs for FREE as well.
        if (v.flags & VM.LOCKED || v.backing.kind !== 'anon') fail('EINVAL');
        this.raiseUffdRemove(v, s, e);
        return;
      case Advice.REMOVE:
        if (v.flags & VM.LOCKED) fail('EINVAL');
        if (v.backing.kind === 'anon') fail('EINVAL');
        if (!(v.flags & VM.SHARED) || !(v.flags & VM.MAYWRITE)) fail('EACCES');
        this.raiseUffdRemove(v, s, e);
        this.punchHole(v, s, e);
        return;
      case Advice.WILLNEED:
        return;
      case Advice.COLD:
      case Advice.PAGEOUT:
        if (v.flags & VM.LOCKED) fail('EINVAL');
        if (adv === Advice.PAGEOUT) this.pageOut(v, s, e);
        return;
      case Advice.MERGEABLE:
      case Advice.UNMERGEABLE:
        return;
      case Advice.NORMAL:
        nf &= ~(VM.SEQ_READ | VM.RAND_READ);
        break;
      case Advice.RANDOM:
        nf = (nf & ~VM.SEQ_READ) | VM.RAND_READ;
        break;
      case Advice.SEQUENTIAL:
        nf = (nf & ~VM.RAND_READ) | VM.SEQ_READ;
        break;
      case Advice.DONTFORK:
        nf |= VM.DONTCOPY;
        break;
      case Advice.DOFORK:
        nf &= ~VM.DONTCOPY;
        break;
      case Advice.WIPEONFORK:
        if (v.backing.kind !== 'anon') fail('EINVAL');
        nf |= VM.WIPEONFORK;
        break;
      case Advice.KEEPONFORK:
        nf &= ~VM.WIPEONFORK;
        break;
      case Advice.DONTDUMP:
        nf |= VM.DONTDUMP;
        break;
      case Advice.DODUMP:
        nf &= ~VM.DONTDUMP;
        break;
      case Advice.HUGEPAGE:
        nf = (nf & ~VM.NOHUGEPAGE) | VM.HUGEPAGE;
        break;
      case Advice.NOHUGEPAGE:
        nf = (nf & ~VM.HUGEPAGE) | VM.NOHUGEPAGE;
        break;
      default:
        return;
    }
    if (nf === v.flags) return;
    return this.modify(v, s, e, (x) => {
      x.flags = nf;
    });
  }

  /** MADV_DONTNEED: private anonymous reads back zero, private file reverts to the file, shared is untouched. */
  private dropPages(v: Vma, s: number, e: number): void {
    const b = v.backing;
    if (b.kind !== 'anon') {
      MemoryManager.forget(this.mappedShared, s, e);
      this.forgetUffdMarkers(s, e);
    }
    if (b.kind === 'anon') this.freeAnon(s, e);
    else if (b.kind === 'file' && b.cow) {
      // The private copies are dropped: the pages read the file again.
      for (let a = s; a < e; a += PAGE) {
        const page = v.pgoff + (a - v.start) / PAGE;
        if (b.cow.copied.delete(page) && page * PAGE < b.cow.vmo.getSize()) b.cow.vmo.opRange(VmoOp.ZERO, page * PAGE, PAGE);
      }
    }
  }

  private punchHole(v: Vma, s: number, e: number): void {
    const t = ZirconSpace.target(this.zx, v, s);
    const vmo = v.backing.kind === 'shmem' ? v.backing.obj.vmo : v.backing.kind === 'file' ? v.backing.file.vmo : null;
    if (!vmo) return;
    const size = vmo.getSize();
    const endOff = Math.min(size, t.offset + (e - s));
    if (endOff > t.offset) vmo.opRange(VmoOp.ZERO, t.offset, endOff - t.offset);
  }

  // ---------------------------------------------------------------------------------------------------------
  // mlock family

  /** mlock(2). */
  mlock(addr: SysInt, length: SysInt): number {
    this.live();
    try {
      return this.doMlock(addr, length, VM.LOCKED);
    } finally {
      this.flushPins();
    }
  }

  /** mlock2(2): flags may be MLOCK_ONFAULT (1). */
  mlock2(addr: SysInt, length: SysInt, flags: SysInt = 0): number {
    this.live();
    try {
      const f = Number(BigInt.asUintN(32, u64(flags, 'flags')));
      if (f & ~1) fail('EINVAL');
      return this.doMlock(addr, length, f & 1 ? VM.LOCKED | VM.LOCKONFAULT : VM.LOCKED);
    } finally {
      this.flushPins();
    }
  }

  private lockRange(addr: SysInt, length: SysInt): [number, number] {
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    const start = a & ~4095n;
    const len = pageAlignBig(l + (a & 4095n));
    const endB = start + len;
    if (endB > U64MAX) fail('EINVAL');
    const ts = BigInt(this.taskSize);
    const s = Number(start > ts ? ts + 4096n : start);
    // An empty range is a no-op wherever it starts (apply_vma_lock_flags returns before looking up any VMA).
    if (endB === start) return [s, s];
    return [s, Number(endB > ts ? ts + 8192n : endB)];
  }

  private doMlock(addr: SysInt, length: SysInt, flags: number): number {
    if (!this.canDoMlock()) fail('EPERM');
    const [start, end] = this.lockRange(addr, length);
    const limit = Math.floor(this.rlimits.MEMLOCK.cur / PAGE);
    let locked = (end - start) / PAGE + this.lockedVm;
    if (locked > limit && !this.capIpcLock) locked -= this.countLocked(start, end);
    if (!(locked <= limit || this.capIpcLock)) fail('ENOMEM');
    this.applyLock(start, end, flags);
    if (!this.populate(start, end, false)) fail('ENOMEM');
    return 0;
  }

  private countLocked(start: number, end: number): number {
    let n = 0;
    for (const v of this.tree.range(start, end)) {
      if (v.flags & VM.LOCKED) n += (Math.min(end, v.end) - Math.max(start, v.start)) / PAGE;
    }
    return n;
  }

  /** apply_vma_lock_flags */
  private applyLock(start: number, end: number, flags: number): void {
    if (end === start) return;
    let v = this.tree.find(start);
    if (!v) fail('ENOMEM');
    let tmp = v.start;
    let nstart = start;
    while (v && v.start < end) {
      if (v.start !== tmp) fail('ENOMEM');
      tmp = Math.min(v.end, end);
      const nf = (v.flags & ~LOCK_MASK) | flags;
      let after: Vma = v;
      if (nf !== v.flags) {
        after = this.modify(v, nstart, tmp, (x) => {
          x.flags = nf;
        });
      }
      tmp = after.end;
      nstart = tmp;
      if (tmp >= end) break;
      v = this.tree.findFrom(tmp);
    }
    if (tmp < end) fail('ENOMEM');
  }

  /** munlock(2). */
  munlock(addr: SysInt, length: SysInt): number {
    this.live();
    try {
      const [start, end] = this.lockRange(addr, length);
      this.applyLock(start, end, 0);
      return 0;
    } finally {
      this.flushPins();
    }
  }

  /** mlockall(2): MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4. */
  mlockall(flags: SysInt): number {
    this.live();
    try {
      const f = Number(BigInt.asUintN(32, u64(flags, 'flags')));
      if (!f || f & ~7 || f === 4) fail('EINVAL');
      if (!this.canDoMlock()) fail('EPERM');
      const limit = Math.floor(this.rlimits.MEMLOCK.cur / PAGE);
      if (f & 1 && !(this.totalVm <= limit) && !this.capIpcLock) fail('ENOMEM');
      const add = f & 4 ? VM.LOCKED | VM.LOCKONFAULT : VM.LOCKED;
      this.defFlags &= ~LOCK_MASK;
      if (f & 2) this.defFlags |= add;
      if (f & 1) {
        for (const v of [...this.tree]) {
          const nf = (v.flags & ~LOCK_MASK) | add;
          if (nf !== v.flags && this.tree.find(v.start) === v) this.modify(v, v.start, v.end, (x) => (x.flags = nf));
        }
        this.populate(this.minAddr, this.taskSize, true);
      }
      return 0;
    } finally {
      this.flushPins();
    }
  }

  /** munlockall(2). */
  munlockall(): number {
    this.live();
    try {
      this.defFlags &= ~LOCK_MASK;
      for (const v of [...this.tree]) {
        if (v.flags & LOCK_MASK && this.tree.find(v.start) === v) this.modify(v, v.start, v.end, (x) => (x.flags &= ~LOCK_MASK));
      }
      return 0;
    } finally {
      this.flushPins();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // brk, msync, mincore, prctl

  /** brk(2): never fails; returns the new break, or the current one when the request cannot be met. */
  brk(addr: SysInt): number {
    // brk never throws: a gone address space keeps its break, which is how brk reports failure.
    if (this.disposed) return this.brkValue;
    try {
      let b: bigint;
      try {
        b = u64(addr, 'addr');
      } catch {
        return this.brkValue;
      }
      if (b < BigInt(this.startBrk) || b > BigInt(this.taskSize)) return this.brkValue;
      const brk = Number(b);
      if (this.rlimits.DATA.cur !== INF && brk - this.startBrk > this.rlimits.DATA.cur) return this.brkValue;
      const newbrk = pageUp(brk);
      const oldbrk = pageUp(this.brkValue);
      if (oldbrk === newbrk) {
        this.brkValue = brk;
        return brk;
      }
      if (brk <= this.brkValue) {
        this.brkValue = brk;
        this.unmapRange(newbrk, oldbrk);
        return brk;
      }
      const next = this.tree.findFrom(oldbrk);
      if (next && newbrk + PAGE > this.tree.startGap(next)) return this.brkValue;
      const flags = VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.ACCOUNT | this.defFlags;
      const len = newbrk - oldbrk;
      if (!this.mayExpand(flags, len / PAGE)) return this.brkValue;
      const prev = this.tree.findBefore(oldbrk);
      // do_brk_flags grows the heap VMA in place only if it may merge: not a forked child's VMA with an anon_vma
      // (its anon_vma chain is not singular), which gets a second [heap] VMA instead.
      const forked = prev !== undefined && prev.anonVma !== 0 && prev.anonForked;
      if (prev && !forked && prev.end === oldbrk && prev.start >= this.startBrk && prev.flags === flags && prev.backing.kind === 'anon' && prev.anonName === null) {
        this.setEnd(prev, newbrk);
        this.zx.map(prev, oldbrk, newbrk);
      } else {
        const v = this.newVma(oldbrk, newbrk, flags, ANON_BACKING, oldbrk / PAGE);
        this.insert(v);
      }
      this.brkValue = brk;
      if (this.defFlags & VM.LOCKED) this.populate(oldbrk, newbrk, true);
      return brk;
    } finally {
      this.flushPins();
    }
  }

  /** msync(2). */
  msync(addr: SysInt, length: SysInt, flags: SysInt): number {
    this.live();
    const f = i32(flags, 'flags');
    if (f & ~(MsyncFlags.ASYNC | MsyncFlags.INVALIDATE | MsyncFlags.SYNC)) fail('EINVAL');
    const a = u64(addr, 'addr');
    if (!isAligned(a)) fail('EINVAL');
    if (f & MsyncFlags.ASYNC && f & MsyncFlags.SYNC) fail('EINVAL');
    const len = pageAlignBig(u64(length, 'length'));
    const endB = a + len;
    if (endB > U64MAX && (endB & U64MAX) < a) fail('ENOMEM');
    if (endB === a) return 0;
    let start = a >= BigInt(this.taskSize) ? this.taskSize : Number(a);
    const end = endB > BigInt(this.taskSize) ? this.taskSize + PAGE : Number(endB);
    let unmapped = false;
    let v = this.tree.findFrom(start);
    for (;;) {
      if (!v) fail('ENOMEM');
      if (start < v.start) {
        if (f === MsyncFlags.SYNC) fail('ENOMEM');
        start = v.start;
        if (start >= end) fail('ENOMEM');
        unmapped = true;
      }
      if (f & MsyncFlags.INVALIDATE && v.flags & VM.LOCKED) fail('EBUSY');
      start = v.end;
      if (start >= end) break;
      v = this.tree.findFrom(v.end);
    }
    if (unmapped) fail('ENOMEM');
    return 0;
  }

  /** mincore(2): one byte per page, bit 0 = resident. */
  mincore(addr: SysInt, length: SysInt): Uint8Array {
    this.live();
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    if (!isAligned(a)) fail('EINVAL');
    const tsMax = BigInt(0x7ffffffff000);
    if (a + l > tsMax || a + l < a) fail('ENOMEM');
    const pages = Number((l + 4095n) >> 12n);
    // do_mincore stops at the first unmapped page with ENOMEM: check coverage before sizing the vector.
    const endAddr = Number(a) + pages * PAGE;
    for (let at = Number(a); at < endAddr; ) {
      const v = this.tree.find(at);
      if (!v) fail('ENOMEM');
      at = v.end;
    }
    if (pages > 2 ** 28) fail('ENOMEM', 'mincore vector too large for the model');
    const out = new Uint8Array(pages);
    let cur = Number(a);
    // One lookup per VMA, not per page.
    let v: Vma | undefined;
    for (let i = 0; i < pages; i++, cur += PAGE) {
      if (!v || cur >= v.end) v = this.tree.find(cur);
      if (!v) fail('ENOMEM');
      out[i] = this.resident(v, cur) ? 1 : 0;
    }
    return out;
  }

  private resident(v: Vma, addr: number): boolean {
    const b = v.backing;
    if (b.kind === 'file' || b.kind === 'shmem') {
      const lim = this.objectEnd(v);
      if (lim !== undefined && addr >= lim) return false;
    }
    if (b.kind === 'anon' && this.zeroMapped.has(pageDown(addr))) return true;
    const t = ZirconSpace.target(this.zx, v, addr);
    if (t.offset >= t.vmo.getSize()) return false;
    return t.vmo.pageState(pageDown(t.offset)) !== 'absent';
  }

  /** prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name). `null` clears the name. */
  setVmaAnonName(addr: SysInt, length: SysInt, name: string | null): number {
    this.live();
    try {
      // Without CONFIG_ANON_VMA_NAME, prctl_set_vma is a stub that refuses everything.
      if (!this.profile.anonVmaName) fail('EINVAL');
      if (name !== null) {
        if (typeof name !== 'string') fail('EFAULT');
        const bytes = new TextEncoder().encode(name);
        if (bytes.length >= 80) fail('EINVAL');
        for (const ch of bytes) if (ch < 0x20 || ch > 0x7e || '\\`$[]'.includes(String.fromCharCode(ch))) fail('EINVAL');
      }
      const a = u64(addr, 'addr');
      if (!isAligned(a)) fail('EINVAL');
      const l = u64(length, 'length');
      const len = pageAlignBig(l);
      if (l !== 0n && len === 0n) fail('EINVAL');
      const endB = a + len;
      if (endB > U64MAX) fail('EINVAL');
      if (endB === a) return 0;
      if (a >= BigInt(this.taskSize)) fail('ENOMEM');
      const end = endB > BigInt(this.taskSize) ? this.taskSize + PAGE : Number(endB);
      return this.walk(Number(a), end, (v, s, e) => {
        if (v.backing.kind === 'file') fail('EBADF');
        if (v.anonName === name) return;
        return this.modify(v, s, e, (x) => (x.anonName = name));
      });
    } finally {
      this.flushPins();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Memory access

  /**
   * Kernel-mode copy from user memory (copy_from_user / process_vm_readv): reads as many bytes as are accessible
   * from `addr`; EFAULT if none are.
   */
  kernelRead(addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Uint8Array {
    this.live();
    try {
      const a = Number(this.checkedAddr(addr));
      const l = u64(length, 'length');
      if (l > 1n << 32n) fail('EFAULT');
      const out = new Uint8Array(Number(l));
      const done = this.readUser(a, out, granularity);
      return done === out.length ? out : out.slice(0, done);
    } finally {
      this.flushPins();
    }
  }

  /**
   * {@link MemoryManager.kernelRead} into the caller's buffer, as process_vm_readv fills its local iovec: copies
   * from `addr` into `out` as far as memory is accessible and returns the byte count; EFAULT if none. Bytes of `out`
   * past the count are unchanged. Reusing one buffer saves allocating (and the host faulting in) a new one per read.
   */
  kernelReadInto(addr: SysInt, out: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
    this.live();
    try {
      if (!(out instanceof Uint8Array)) throw new TypeError('kernelReadInto: out must be a Uint8Array');
      return this.readUser(Number(this.checkedAddr(addr)), out, granularity);
    } finally {
      this.flushPins();
    }
  }

  private readUser(a: number, out: Uint8Array, granularity: KernelCopyGranularity): number {
    const len = out.length;
    let limit = len;
    if (granularity === 'pipe') {
      // A pipe takes page-sized buffers: a page that cannot be read whole is not read at all.
      const ok = this.kernelCopy(a, len, () => undefined, 'read');
      if (ok < len) limit = ok - (ok % PAGE);
    }
    const done = this.kernelCopy(a, limit, (chunk, at, v) => {
      this.readFault(v, at);
      const t = ZirconSpace.target(this.zx, v, at);
      t.vmo.readInto(chunk === len ? out : out.subarray(at - a, at - a + chunk), t.offset);
    }, granularity === 'pipe' ? 'read' : 'gup-read');
    if (done === 0 && len > 0) fail('EFAULT');
    return done;
  }

  /** Kernel-mode copy to user memory (copy_to_user / process_vm_writev): returns bytes written; EFAULT if none. */
  kernelWrite(addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
    this.live();
    if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
    try {
      const a = Number(this.checkedAddr(addr));
      let limit = data.length;
      if (granularity === 'pipe') {
        // A pipe hands over page-sized buffers; a buffer that cannot be copied whole is not copied at all.
        const ok = this.kernelCopy(a, data.length, () => undefined, 'write');
        if (ok < data.length) limit = ok - (ok % PAGE);
      }
      const done = this.kernelCopy(a, limit, (chunk, at, v) => {
        const t = ZirconSpace.writeTarget(this.zx, v, at);
        t.vmo.write(chunk === data.length ? data : data.subarray(at - a, at - a + chunk), t.offset);
        this.noteWrite(v, at);
      }, granularity === 'pipe' ? 'write' : 'gup-write');
      if (done === 0 && data.length > 0) fail('EFAULT');
      return done;
    } finally {
      this.flushPins();
    }
  }

  private checkedAddr(addr: SysInt): bigint {
    const a = u64(addr, 'addr');
    if (a >= BigInt(this.taskSize)) fail('EFAULT');
    return a;
  }

  private kernelCopy(a: number, len: number, copy: (chunk: number, at: number, v: Vma) => void, kind: AccessKind | 'gup-read' | 'gup-write'): number {
    let done = 0;
    while (done < len) {
      const at = a + done;
      const chunk = Math.min(len - done, PAGE - (at % PAGE));
      // GUP (process_vm_readv) needs VM_READ itself; a hardware access (copy_from_user) also reads write-only pages.
      const gup = kind === 'gup-read' || kind === 'gup-write';
      const r = this.resolveFault(at, kind === 'gup-read' ? 'read' : kind === 'gup-write' ? 'write' : kind, !gup, kind === 'gup-read');
      if (r.fault) break;
      if (kind === 'gup-read' && !(r.vma.flags & VM.READ)) break;
      if (this.uffdPoison.has(pageDown(at))) break;
      const write = kind === 'write' || kind === 'gup-write';
      if (this.uffdFaultFor(r.vma, at, write, false)) throw new UffdWouldBlockError(at, 'kernel copy');
      copy(chunk, at, r.vma);
      done += chunk;
    }
    return done;
  }

  /** Decides whether an access to `addr` succeeds, growing stacks and attaching anon_vmas like the fault handler. */
  private resolveFault(addr: number, kind: AccessKind, grow = true, gupRead = false): { fault: null; vma: Vma } | { fault: LinuxFault['code']; vma?: undefined } {
    let v = this.tree.find(addr);
    if (!v) {
      // GUP (process_vm_readv/writev) stopped expanding stacks in Linux 6.5; real faults still do.
      v = grow ? this.expandStack(addr) : undefined;
      if (!v) return { fault: 'SEGV_MAPERR' };
    }
    const f = v.flags;
    const ok = kind === 'write' ? (f & VM.WRITE) !== 0 : kind === 'execute' ? (f & VM.EXEC) !== 0 : (f & (VM.READ | VM.WRITE | VM.EXEC)) !== 0;
    if (!ok) return { fault: 'SEGV_ACCERR' };
    // do_cow_fault prepares the anon_vma before it looks the page up, so even a write past EOF (SIGBUS) leaves it.
    if (kind === 'write' && !(f & VM.SHARED) && v.anonVma === 0) this.anonVmaPrepare(v);
    const lim = this.objectEnd(v);
    if (lim !== undefined && addr >= lim) {
      // A read fault past the end of the object still maps the cached pages around it before it fails.
      // (GUP refuses a VMA without VM_READ before faulting, so such a read maps nothing.)
      if (kind !== 'write' && v.uffd === 0 && !(gupRead && !(f & VM.READ))) this.faultAround(v, pageDown(addr));
      return { fault: 'BUS_ADRERR' };
    }
    return { fault: null, vma: v };
  }

  /** expand_downwards for a fault below a MAP_GROWSDOWN VMA. */
  private expandStack(addr: number): Vma | undefined {
    const v = this.tree.findFrom(addr);
    if (!v || !(v.flags & VM.GROWSDOWN)) return undefined;
    const to = pageDown(addr);
    if (to < this.minAddr) return undefined;
    const prev = this.tree.prev(v);
    if (prev && !(prev.flags & VM.GROWSDOWN) && prev.flags & (VM.READ | VM.WRITE | VM.EXEC) && to - prev.end < STACK_GUARD_GAP) return undefined;
    if (prev && prev.end > to) return undefined;
    const grow = (v.start - to) / PAGE;
    if (!this.mayExpand(v.flags, grow)) return undefined;
    if (v.end - to > this.rlimits.STACK.cur) return undefined;
    if (v.flags & VM.LOCKED && !this.capIpcLock && this.lockedVm + grow > Math.floor(this.rlimits.MEMLOCK.cur / PAGE)) return undefined;
    // expand_downwards prepares the anon_vma before growing: a neighbour that only becomes adjacent by the growth
    // is not one whose anon_vma can be reused.
    if (v.anonVma === 0) this.anonVmaPrepare(v);
    this.detach(v);
    const oldStart = v.start;
    v.start = to;
    v.pgoff -= grow;
    this.attach(v);
    this.zx.map(v, to, oldStart);
    return v;
  }

  /**
   * The fault decision for one page of a user access: a Linux fault, a userfaultfd fault to raise (the task must
   * wait), or the VMA to access.
   */
  private accessPage(at: number, kind: AccessKind): { fault: Omit<LinuxFault, 'done'> } | { vma: Vma; uffd: { ctx: UffdContextHooks; access: UffdFaultAccess } | null } {
    if (at >= this.taskSize) return { fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: at } };
    const r = this.resolveFault(at, kind);
    if (r.fault) return { fault: { signal: r.fault === 'BUS_ADRERR' ? 'SIGBUS' : 'SIGSEGV', code: r.fault, address: at } };
    const page = pageDown(at);
    if (this.uffdPoison.has(page)) return { fault: { signal: 'SIGBUS', code: 'BUS_MCEERR_AR', address: at } };
    return { vma: r.vma, uffd: this.uffdFaultFor(r.vma, at, kind === 'write') };
  }

  /** handle_userfault's trigger: a missing page in a MISSING range, or a write to a uffd-wp page in a WP range. */
  private uffdFaultFor(v: Vma, at: number, write: boolean, user = true): { ctx: UffdContextHooks; access: UffdFaultAccess } | null {
    const page = pageDown(at);
    const reg = this.counters.uffd.get(v.uffd);
    if (!reg) {
      if (write) this.uffdWp.delete(page);
      return null;
    }
    if (!this.uffdPresent(v, page)) return reg.mode & UffdRegisterMode.MISSING ? { ctx: reg.ctx, access: { write, user } } : null;
    if (write && this.uffdWp.has(page)) {
      if (reg.mode & UffdRegisterMode.WP) return { ctx: reg.ctx, access: { write: true, wp: true, user } };
      this.uffdWp.delete(page);
    }
    return null;
  }

  /** Performs one page-bounded chunk of a user access that needs no fault. */
  private accessChunk(v: Vma, at: number, chunk: number, kind: AccessKind, out: Uint8Array | undefined, at0: number, data?: Uint8Array): void {
    const t = kind === 'write' ? ZirconSpace.writeTarget(this.zx, v, at) : ZirconSpace.target(this.zx, v, at);
    if (kind !== 'write') this.readFault(v, at);
    // An access within one page (the usual case) passes the caller's buffer itself: no view, no copy.
    if (kind === 'read' && out) t.vmo.readInto(chunk === out.length ? out : out.subarray(at - at0, at - at0 + chunk), t.offset);
    else if (kind === 'write' && data) {
      t.vmo.write(chunk === data.length ? data : data.subarray(at - at0, at - at0 + chunk), t.offset);
      this.noteWrite(v, at);
    }
  }

  /** Simulated user-mode access, faulting like Linux (the first faulting byte's address and bytes done). */
  private userAccess(addr: number, len: number, kind: AccessKind, data?: Uint8Array): UserAccessResult {
    const out = kind === 'read' ? new Uint8Array(len) : undefined;
    let done = 0;
    while (done < len || (len === 0 && kind === 'execute' && done === 0)) {
      const at = addr + done;
      const chunk = Math.max(1, Math.min(len - done, PAGE - (at % PAGE)));
      const r = this.accessPage(at, kind);
      if ('fault' in r) return { ok: false, fault: { ...r.fault, done } };
      if (r.uffd) throw new UffdWouldBlockError(at, `user ${kind}`);
      this.accessChunk(r.vma, at, chunk, kind, out, addr, data);
      if (kind === 'execute') return { ok: true };
      done += chunk;
    }
    return out ? { ok: true, data: out } : { ok: true };
  }

  /** The same access by `task`, waiting in userfaultfd like Linux's handle_userfault. */
  private async userAccessAsync(task: UffdTask, addr: number, len: number, kind: AccessKind, data?: Uint8Array): Promise<UserAccessResult> {
    const out = kind === 'read' ? new Uint8Array(len) : undefined;
    let done = 0;
    try {
      while (done < len || (len === 0 && kind === 'execute' && done === 0)) {
        const at = addr + done;
        const chunk = Math.max(1, Math.min(len - done, PAGE - (at % PAGE)));
        const r = this.accessPage(at, kind);
        if ('fault' in r) return { ok: false, fault: { ...r.fault, done } };
        if (r.uffd) {
          this.flushPins();
          const outcome = await r.uffd.ctx.fault(task, at, r.uffd.access);
          // VM_FAULT_SIGBUS: the handler asked for it (SIGBUS feature) or the mm is gone.
          if (outcome === 'sigbus' || this.disposed) return { ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: at, done } };
          continue;
        }
        this.accessChunk(r.vma, at, chunk, kind, out, addr, data);
        if (kind === 'execute') return { ok: true };
        done += chunk;
      }
      return out ? { ok: true, data: out } : { ok: true };
    } finally {
      this.flushPins();
    }
  }

  /** A user-mode read of `length` bytes at `addr`. */
  read(addr: SysInt, length: SysInt): UserAccessResult {
    this.live();
    try {
      if (isSmall(addr) && isSmall(length) && length <= 2 ** 32) {
        if (addr >= this.taskSize) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: addr, done: 0 } };
        return this.userAccess(addr, length, 'read');
      }
      const a = u64(addr, 'addr');
      const l = u64(length, 'length');
      if (l > 1n << 32n) fail('EINVAL', 'access too large');
      if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
      return this.userAccess(Number(a), Number(l), 'read');
    } finally {
      this.flushPins();
    }
  }

  /** A user-mode write of `data` at `addr`. */
  write(addr: SysInt, data: Uint8Array): UserAccessResult {
    this.live();
    // As writeAsync: a buffer that is not one cannot be copied from (EFAULT), checked before the address.
    if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
    try {
      if (isSmall(addr)) {
        if (addr >= this.taskSize) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: addr, done: 0 } };
        return this.userAccess(addr, data.length, 'write', data);
      }
      const a = u64(addr, 'addr');
      if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
      return this.userAccess(Number(a), data.length, 'write', data);
    } finally {
      this.flushPins();
    }
  }

  /** A user-mode instruction fetch at `addr`. */
  execute(addr: SysInt): UserAccessResult {
    this.live();
    try {
      const a = u64(addr, 'addr');
      if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
      return this.userAccess(Number(a), 0, 'execute');
    } finally {
      this.flushPins();
    }
  }

  /** process_vm_readv from `target` (one local and one remote iovec). */
  static processVmReadv(target: MemoryManager, addr: SysInt, length: SysInt): Uint8Array {
    return target.kernelRead(addr, length);
  }

  /** process_vm_writev to `target`. */
  static processVmWritev(target: MemoryManager, addr: SysInt, data: Uint8Array): number {
    return target.kernelWrite(addr, data);
  }

  // ---------------------------------------------------------------------------------------------------------
  // userfaultfd

  /**
   * userfaultfd(2) on this address space: a `UserfaultFD` (from `@memsim/userspace-swap`) whose ioctls act on these
   * VMAs and pages. With `features` the UFFDIO_API handshake is done too.
   */
  userfaultfd(options: MemoryManagerUffdOptions = {}): UserfaultFD {
    this.live();
    if (options === null || typeof options !== 'object') throw new TypeError('userfaultfd: options must be an object');
    const opts = { flags: options.flags, capSysPtrace: options.capSysPtrace, clock: options.clock };
    return options.features === undefined ? UserfaultFD.create(this.userfaultfdSpace, opts) : UserfaultFD.open(this.userfaultfdSpace, options.features, opts);
  }

  /** This address space as userfaultfd sees it (the `UffdAddressSpace` contract of `@memsim/userspace-swap`). */
  get userfaultfdSpace(): UffdAddressSpace {
    this.uffdSpace ??= this.makeUffdSpace();
    return this.uffdSpace;
  }

  /** A user-mode read by `task` that waits in userfaultfd (a registered missing page) as Linux does. */
  async readAsync(task: UffdTask, addr: SysInt, length: SysInt): Promise<UserAccessResult> {
    this.live();
    checkTask(task);
    const a = u64(addr, 'addr');
    const l = u64(length, 'length');
    if (l > 1n << 32n) fail('EINVAL', 'access too large');
    if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return await this.userAccessAsync(task, Number(a), Number(l), 'read');
  }

  /** A user-mode write by `task` that waits in userfaultfd (missing or write-protected pages). */
  async writeAsync(task: UffdTask, addr: SysInt, data: Uint8Array): Promise<UserAccessResult> {
    this.live();
    checkTask(task);
    const a = u64(addr, 'addr');
    if (!(data instanceof Uint8Array)) fail('EFAULT');
    if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return await this.userAccessAsync(task, Number(a), data.length, 'write', data);
  }

  /** A user-mode instruction fetch by `task` that waits in userfaultfd. */
  async executeAsync(task: UffdTask, addr: SysInt): Promise<UserAccessResult> {
    this.live();
    checkTask(task);
    const a = u64(addr, 'addr');
    if (a >= BigInt(this.taskSize)) return { ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR', address: Number(a), done: 0 } };
    return await this.userAccessAsync(task, Number(a), 0, 'execute');
  }

  /**
   * {@link MemoryManager.kernelRead} by `task` (copy_from_user, process_vm_readv) that waits in userfaultfd like a
   * kernel-mode fault: a registered missing page suspends the copy until the handler resolves it; a SIGBUS outcome
   * (SIGBUS feature, or USER_MODE_ONLY) ends the copy there, EFAULT when nothing was copied.
   */
  async kernelReadAsync(task: UffdTask, addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Promise<Uint8Array> {
    this.live();
    checkTask(task);
    const a = Number(this.checkedAddr(addr));
    return await this.retryKernelCopy(task, false, (stop) => {
      if (stop === undefined) return this.kernelRead(addr, length, granularity);
      return this.kernelRead(a, this.copyLimit(a, stop, granularity), granularity);
    });
  }

  /** {@link MemoryManager.kernelWrite} by `task` (copy_to_user, process_vm_writev), waiting in userfaultfd. */
  async kernelWriteAsync(task: UffdTask, addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): Promise<number> {
    this.live();
    checkTask(task);
    if (!(data instanceof Uint8Array)) fail('EFAULT', 'data must be a Uint8Array');
    const a = Number(this.checkedAddr(addr));
    return await this.retryKernelCopy(task, true, (stop) => {
      if (stop === undefined) return this.kernelWrite(addr, data, granularity);
      return this.kernelWrite(a, data.subarray(0, this.copyLimit(a, stop, granularity)), granularity);
    });
  }

  /** Bytes a kernel copy from `a` may still do when the page at `stop` SIGBUSes (EFAULT when none). */
  private copyLimit(a: number, stop: number, granularity: KernelCopyGranularity): number {
    let n = stop - a;
    if (granularity === 'pipe') n -= n % PAGE;
    if (n <= 0) fail('EFAULT');
    return n;
  }

  /**
   * Runs a sync kernel copy; when it stops at a page that traps into userfaultfd, waits for the fault and runs it
   * again (the bytes before that page are copied again, with the same data), or with `stop` after a SIGBUS.
   */
  private async retryKernelCopy<T>(task: UffdTask, write: boolean, run: (stop?: number) => T): Promise<T> {
    // A page that no longer traps is retried once; trapping again at it without a fault to wait for would loop
    // forever, so that ends the copy there instead (every pass either waits for a fault or moves past a page).
    let retried = -1;
    for (;;) {
      try {
        return run();
      } catch (e) {
        if (!(e instanceof UffdWouldBlockError)) throw e;
        const v = this.tree.find(e.address);
        const trap = v === undefined ? null : this.uffdFaultFor(v, e.address, write, false);
        if (trap === null) {
          if (retried === e.address) return run(e.address);
          retried = e.address;
          continue;
        }
        this.flushPins();
        const outcome = await trap.ctx.fault(task, e.address, trap.access);
        if (outcome === 'sigbus' || this.disposed) return run(e.address);
      }
    }
  }

  /** munmap(2) by `task`: resolves after every UNMAP event it raised was read. */
  munmapAsync(task: UffdTask, addr: SysInt, length: SysInt): Promise<number> {
    return this.withUffdEvents(task, () => this.munmap(addr, length));
  }

  /** mmap(2) by `task` (MAP_FIXED over registered memory raises UNMAP and waits). */
  mmapAsync(task: UffdTask, addr: SysInt, length: SysInt, prot: SysInt, flags: SysInt, fd: SysInt = -1, offset: SysInt = 0): Promise<number> {
    return this.withUffdEvents(task, () => this.mmap(addr, length, prot, flags, fd, offset));
  }

  /** mremap(2) by `task`: a move raises REMAP (with EVENT_REMAP) then UNMAP of the old range, and waits. */
  mremapAsync(task: UffdTask, oldAddress: SysInt, oldSize: SysInt, newSize: SysInt, flags: SysInt = 0, newAddress: SysInt = 0): Promise<number> {
    return this.withUffdEvents(task, () => this.mremap(oldAddress, oldSize, newSize, flags, newAddress));
  }

  /** madvise(2) by `task`: DONTNEED / DONTNEED_LOCKED / FREE / REMOVE raise REMOVE per VMA and wait. */
  madviseAsync(task: UffdTask, addr: SysInt, length: SysInt, advice: SysInt): Promise<number> {
    return this.withUffdEvents(task, () => this.madvise(addr, length, advice));
  }

  /**
   * brk(2) by `task`: shrinking over registered memory raises UNMAP and waits. (The sync `brk` never throws, like
   * the raw system call: it raises the events without waiting for them.)
   */
  brkAsync(task: UffdTask, addr: SysInt): Promise<number> {
    return this.withUffdEvents(task, () => this.brk(addr));
  }

  /** fork by `task`: registered VMAs follow EVENT_FORK and the FORK events are waited for. */
  forkAsync(task: UffdTask): Promise<MemoryManager> {
    return this.withUffdEvents(task, () => this.fork());
  }

  /**
   * Runs a system call whose userfaultfd events `task` must wait for. The hooks are called where Linux calls them
   * (each raises its event and mmap_changing at once); no other task runs before the call returns, so waiting
   * afterwards, in order, is what the task observes in Linux.
   */
  private async withUffdEvents<T>(task: UffdTask, op: () => T): Promise<T> {
    checkTask(task);
    const outer = this.uffdEvents;
    const pending: Promise<unknown>[] = [];
    this.uffdEvents = { task, pending };
    let result: T;
    try {
      result = op();
    } catch (e) {
      this.uffdEvents = outer;
      for (const p of pending) await p;
      throw e;
    }
    this.uffdEvents = outer;
    for (const p of pending) await p;
    return result;
  }

  /** Calls a context hook for the running system call (sync calls only get here when it does not block). */
  private raiseUffd(call: (task: UffdTask) => Promise<unknown>): void {
    const ev = this.uffdEvents;
    const p = call(ev?.task ?? SYNC_TASK);
    if (ev) ev.pending.push(p);
    else void p;
  }

  /** userfaultfd_remove: before zapping [s, e) of `v`. */
  private raiseUffdRemove(v: Vma, s: number, e: number): void {
    const reg = this.counters.uffd.get(v.uffd);
    if (reg) this.raiseUffd((t) => reg.ctx.remove(t, s, e));
  }

  /** The distinct contexts registered on VMAs intersecting [start, end). */
  private uffdContextsIn(start: number, end: number): UffdContextHooks[] {
    const out: UffdContextHooks[] = [];
    if (end <= start || !this.counters.uffdUsed) return out;
    for (const v of this.tree.range(start, end)) {
      const reg = this.counters.uffd.get(v.uffd);
      if (reg && !out.includes(reg.ctx)) out.push(reg.ctx);
    }
    return out;
  }

  /** A sync system call cannot wait: refuse (before any change) when a context in range would block it. */
  private refuseBlockingUffd(start: number, end: number, features: number, what: string): void {
    if (this.uffdEvents !== null || end <= start) return;
    for (const ctx of this.uffdContextsIn(start, end)) {
      for (let bit = 1; bit <= features; bit *= 2) {
        if (features & bit && ctx.hasFeature(bit)) throw new UffdWouldBlockError(start, what);
      }
    }
  }

  /** A page, the zero page or a poison marker is mapped at `page`. */
  private uffdPresent(v: Vma, page: number): boolean {
    if (this.uffdPoison.has(page)) return true;
    if (v.backing.kind === 'anon') return this.zeroMapped.has(page) || this.zx.anonVmo.pageState(page) !== 'absent';
    return this.resident(v, page);
  }

  private vmaAt(address: number): Vma {
    const v = this.tree.find(address);
    if (!v) throw new ErrnoError('EFAULT', `no VMA at 0x${address.toString(16)}`);
    return v;
  }

  /** Sets the registration of every VMA part in [start, end), splitting and merging as userfaultfd_register does. */
  private setUffdRegistration(start: number, end: number, ctx: UffdContextHooks | null, mode: number): void {
    // The mm is gone (exit, exec): there is nothing left to register or clear, as mmget_not_zero fails in Linux.
    if (this.disposed) return;
    if (ctx !== null) this.counters.uffdUsed = true;
    const id = this.counters.uffd.id(ctx, ctx === null ? 0 : mode);
    let cur = start;
    try {
      while (cur < end) {
        const v = this.tree.findFrom(cur);
        if (!v || v.start >= end) break;
        const s = Math.max(v.start, cur);
        const e = Math.min(v.end, end);
        cur = e;
        if (v.uffd === id) continue;
        const m = this.modify(v, s, e, (x) => {
          x.uffd = id;
        });
        cur = Math.max(e, m.end);
      }
    } finally {
      this.flushPins();
    }
  }

  private makeUffdSpace(): UffdAddressSpace {
    const taskSize = (): number => this.taskSize;
    const alive = (): boolean => !this.disposed;
    const kindOf = (v: Vma): UffdVma['kind'] => {
      if (v.backing.kind === 'anon') return 'anonymous';
      if (v.backing.kind === 'shmem') return 'shmem';
      // A MemFile is memfd-like (shmem) when shared; private file mappings are not modelled for userfaultfd.
      return v.flags & VM.SHARED ? 'shmem' : 'file';
    };
    return {
      pageSize: PAGE,
      mmapMinAddr: this.minAddr,
      get taskSize(): number {
        return taskSize();
      },
      get alive(): boolean {
        return alive();
      },
      vmasIn: (start: number, end: number): readonly UffdVma[] => {
        if (end <= start) return [];
        return this.tree.range(start, end).map((v) => {
          const reg = this.counters.uffd.get(v.uffd);
          return { start: v.start, end: v.end, kind: kindOf(v), mayWrite: (v.flags & VM.MAYWRITE) !== 0, uffd: reg?.ctx ?? null, uffdMode: reg?.mode ?? 0 };
        });
      },
      setRegistration: (start: number, end: number, ctx: UffdContextHooks | null, mode: number): void => {
        this.setUffdRegistration(start, end, ctx, mode);
      },
      isPagePresent: (address: number): boolean => {
        const v = this.tree.find(address);
        return v !== undefined && this.uffdPresent(v, pageDown(address));
      },
      installPage: (address: number, data: Uint8Array, writeProtected: boolean): void => {
        const v = this.vmaAt(address);
        const page = pageDown(address);
        if (!(v.flags & VM.SHARED) && v.anonVma === 0) this.anonVmaPrepare(v);
        const t = ZirconSpace.writeTarget(this.zx, v, page);
        t.vmo.write(data.subarray(0, PAGE), t.offset);
        this.zeroMapped.delete(page);
        this.noteWrite(v, page);
        if (writeProtected) this.uffdWp.add(page);
        this.flushPins();
      },
      installZeroPage: (address: number): void => {
        const v = this.vmaAt(address);
        this.readFault(v, pageDown(address), true);
      },
      installPoison: (address: number): void => {
        this.vmaAt(address);
        this.uffdPoison.add(pageDown(address));
      },
      setWriteProtected: (address: number, writeProtected: boolean): void => {
        const page = pageDown(address);
        if (this.uffdPoison.has(page)) return;
        if (writeProtected) this.uffdWp.add(page);
        else this.uffdWp.delete(page);
      },
      takePages: (start: number, length: number): { address: number; data: Uint8Array }[] => {
        const out: { address: number; data: Uint8Array }[] = [];
        for (let a = pageDown(start); a < start + length; a += PAGE) {
          const v = this.tree.find(a);
          // Only private anonymous memory is swapped (as ChromeOS does); poison markers stay.
          if (!v || v.backing.kind !== 'anon' || this.uffdPoison.has(a)) continue;
          if (this.zx.anonVmo.pageState(a) !== 'absent') out.push({ address: a, data: this.zx.anonVmo.read(PAGE, a) });
          else if (this.zeroMapped.has(a)) out.push({ address: a, data: new Uint8Array(PAGE) });
          else continue;
          this.freeAnon(a, a + PAGE);
        }
        this.flushPins();
        return out;
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // rlimits

  /** setrlimit for the memory limits (bytes; Infinity = RLIM_INFINITY). */
  setrlimit(resource: keyof MmRlimits, cur: number, max: number = cur): void {
    if (!isResource(resource)) fail('EINVAL');
    const { cur: c, max: m } = rlimPair(cur, max, resource);
    cur = c;
    max = m;
    const old = this.rlimits[resource];
    if (max > old.max && !this.capIpcLock && resource !== 'MEMLOCK') {
      // Raising the hard limit needs CAP_SYS_RESOURCE; the model's process has it (the probe runs as root).
    }
    this.rlimits[resource] = { cur, max };
  }

  getrlimit(resource: keyof MmRlimits): Rlimit {
    if (!isResource(resource)) fail('EINVAL');
    return { ...this.rlimits[resource] };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * fork: a new memory manager whose private memory is a snapshot (copy-on-write) of this one. DONTFORK VMAs are
   * skipped, WIPEONFORK VMAs start zeroed, locks are not inherited.
   */
  fork(): MemoryManager {
    this.live();
    if (this.uffdEvents === null && this.counters.uffdUsed) {
      for (const v of this.tree) {
        const reg = this.counters.uffd.get(v.uffd);
        if (reg && reg.ctx.hasFeature(UffdFeature.EVENT_FORK) && !(v.flags & VM.DONTCOPY)) throw new UffdWouldBlockError(v.start, 'fork');
      }
    }
    const child = new MemoryManager(this.kernel, { layout: this.layout, aslr: this.aslr, name: this.name, stack: false, profile: this.profile }, this.counters, this);
    child.zx.anonVmo.close();
    child.zx.anonVmo = this.zx.snapshotAnon();
    const cows = new Map<CowObject, CowObject>();
    const forks = new Map<UffdContextHooks, UffdContextHooks | null>();
    // What each copied VMA passes on of the per-page state (bits below), applied after the loop with one pass
    // over each set rather than one per VMA.
    const COPY_POISON = 1;
    const COPY_WP = 2;
    const COPY_PTES = 4;
    const copies = new Map<Vma, number>();
    for (const v of this.tree) {
      if (v.flags & VM.DONTCOPY) {
        if (v.backing.kind === 'anon') child.freeAnon(v.start, v.end);
        continue;
      }
      let backing = v.backing;
      if (backing.kind === 'file' && backing.cow) {
        let c = cows.get(backing.cow);
        if (!c) {
          const src = backing.cow;
          const copied = new Set(src.copied);
          backing.file.privateCopies.add(copied);
          c = { vmo: src.vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.RESIZABLE, 0, src.vmo.getSize()).replaceAsExecutable(), basePgoff: 0, id: this.counters.nextCow++, copied };
          cows.set(src, c);
        }
        backing = { kind: 'file', file: backing.file, cow: c };
      }
      const nv: Vma = { ...v, backing, flags: v.flags & ~LOCK_MASK };
      const reg = this.counters.uffd.get(v.uffd);
      let childMode = 0;
      if (reg) {
        // dup_userfaultfd: one child context per parent context (null without EVENT_FORK: unregistered).
        let fctx = forks.get(reg.ctx);
        if (fctx === undefined) {
          fctx = reg.ctx.forkContext(child.userfaultfdSpace);
          forks.set(reg.ctx, fctx);
        }
        childMode = fctx === null ? 0 : reg.mode;
        nv.uffd = this.counters.uffd.id(fctx, childMode);
      }
      // Poison markers are copied; uffd-wp bits only into a child VMA still registered for WP. A WIPEONFORK VMA
      // starts empty: its markers are zapped with its pages.
      if (v.flags & VM.WIPEONFORK) {
        child.freeAnon(v.start, v.end);
        nv.anonVma = 0;
        nv.anonForked = false;
      } else {
        let bits = COPY_POISON | (childMode & UffdRegisterMode.WP ? COPY_WP : 0);
        if (v.anonVma !== 0) {
          nv.anonVma = this.newAnonVma();
          nv.anonForked = true;
          // copy_page_range copies page tables (zero-page entries too) only for VMAs with an anon_vma.
          bits |= COPY_PTES;
        }
        copies.set(v, bits);
      }
      child.insert(nv);
    }
    const copyPages = (from: Set<number>, to: Set<number>, bit: number): void => {
      for (const p of from) {
        const v = this.tree.find(p);
        if (v && (copies.get(v) ?? 0) & bit) to.add(p);
      }
    };
    copyPages(this.uffdPoison, child.uffdPoison, COPY_POISON);
    copyPages(this.uffdWp, child.uffdWp, COPY_WP);
    copyPages(this.zeroMapped, child.zeroMapped, COPY_PTES);
    copyPages(this.mappedShared, child.mappedShared, COPY_PTES);
    for (const [k, d] of this.fds) child.fds.set(k, d);
    // dup_userfaultfd_complete: FORK events once the child's mappings are complete.
    for (const [parent, fctx] of forks) if (fctx !== null) this.raiseUffd((t) => parent.forkComplete(t, fctx));
    return child;
  }

  /** CLONE_VM / vfork: the same address space, shared. */
  cloneVm(): MemoryManager {
    return this;
  }

  /** exec: replaces the address space with a fresh one (new user VMAR), keeping limits and open files. */
  exec(options: MemoryManagerOptions = {}): MemoryManager {
    this.live();
    options = checkOptions(options);
    const next = new MemoryManager(this.kernel, { layout: this.layout, aslr: this.aslr, name: this.name, capIpcLock: this.capIpcLock, rlimits: this.rlimits, profile: this.profile, ...options }, this.counters);
    for (const [k, d] of this.fds) next.fds.set(k, d);
    this[Symbol.dispose]();
    return next;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Introspection

  /** /proc/pid/maps text. */
  maps(): string {
    this.live();
    return formatMaps(this.mapsContext());
  }

  /** /proc/pid/smaps text. */
  smaps(): string {
    this.live();
    return formatSmaps(this.mapsContext());
  }

  /**
   * The addresses of `v` that may be mapped or privately dirty, ascending: the anonymous VMO's present pages, or the
   * file/shmem pages with a page-table entry plus a private file mapping's copied pages. Undefined when walking the
   * VMA is cheaper than collecting them.
   */
  private populatedCandidates(v: Vma): number[] | undefined {
    const b = v.backing;
    if (b.kind === 'anon') return this.zx.anonVmo.presentPages(v.start, v.end - v.start);
    const pages = (v.end - v.start) / PAGE;
    const copied = b.kind === 'file' && b.cow ? b.cow.copied : undefined;
    if (this.mappedShared.size + (copied?.size ?? 0) >= pages) return undefined;
    const out: number[] = [];
    for (const a of this.mappedShared) if (a >= v.start && a < v.end) out.push(a);
    if (copied) {
      for (const pg of copied) {
        const a = v.start + (pg - v.pgoff) * PAGE;
        if (a >= v.start && a < v.end && !this.mappedShared.has(a)) out.push(a);
      }
    }
    return out.sort((x, y) => x - y);
  }

  private mapsContext(): MapsContext {
    return {
      vmas: this.tree,
      startBrk: this.startBrk,
      brk: this.brkValue,
      startStack: this.startStack,
      resident: (v, a) => this.resident(v, a),
      uffdFlags: (v) => {
        const mode = this.counters.uffd.get(v.uffd)?.mode ?? 0;
        return (mode & UffdRegisterMode.MISSING ? VM.UFFD_MISSING : 0) | (mode & UffdRegisterMode.WP ? VM.UFFD_WP : 0);
      },
      // Only pages that are populated can count, so a huge sparse VMA costs what is populated in it.
      pagesOf: (v) => this.populatedCandidates(v),
      // Rss counts pages mapped in this VMA: committed private pages, and file/shmem pages with a page-table entry
      // (the shared zero page is not counted).
      mapped: (v, a) => {
        const b = v.backing;
        if (b.kind === 'anon') return this.zx.anonVmo.pageState(a) !== 'absent';
        if (b.kind === 'file' && b.cow && b.cow.copied.has(v.pgoff + (a - v.start) / PAGE)) return true;
        if (!this.mappedShared.has(a)) return false;
        // Truncation unmaps pages past the new EOF from every mapping; a page that left the cache is unmapped too.
        const lim = this.objectEnd(v);
        if (lim !== undefined && a >= lim) return false;
        const t = ZirconSpace.target(this.zx, v, a);
        return t.offset + PAGE <= t.vmo.getSize() && t.vmo.pageState(t.offset) !== 'absent';
      },
      privateDirty: (v, a) => {
        const t = ZirconSpace.target(this.zx, v, a);
        if (v.backing.kind === 'anon') return t.vmo.pageState(pageDown(t.offset)) !== 'absent';
        if (v.backing.kind === 'file' && v.backing.cow) return v.backing.cow.copied.has(v.pgoff + (a - v.start) / PAGE);
        return false;
      },
    };
  }

  /** The VMAs, in order, as plain records. */
  vmas(): Array<{ start: number; end: number; prot: number; shared: boolean; name: string | null; locked: boolean }> {
    const out = [];
    for (const v of this.tree) {
      out.push({ start: v.start, end: v.end, prot: v.flags & 7, shared: (v.flags & VM.MAYSHARE) !== 0, name: v.anonName, locked: (v.flags & VM.LOCKED) !== 0 });
    }
    return out;
  }

  /** Pages counted against RLIMIT_AS, RLIMIT_MEMLOCK and RLIMIT_DATA. */
  get stats(): { totalVm: number; lockedVm: number; dataVm: number } {
    return { totalVm: this.totalVm, lockedVm: this.lockedVm, dataVm: this.dataVm };
  }

  /**
   * Runs a system call by name with raw arguments, returning the value or -errno, as the syscall ABI does.
   */
  syscall(name: 'mmap' | 'munmap' | 'mprotect' | 'mremap' | 'madvise' | 'mlock' | 'mlock2' | 'munlock' | 'mlockall' | 'munlockall' | 'brk' | 'msync', args: readonly SysInt[]): number {
    try {
      const f = (this as unknown as Record<string, (...a: SysInt[]) => number>)[name];
      if (typeof f !== 'function') return -38;
      return f.apply(this, args as SysInt[]);
    } catch (e) {
      if (e instanceof ErrnoError) return -e.errno;
      if (e instanceof ZxError) return -errnoFromZx(e).errno;
      throw e;
    }
  }

  /**
   * Checks the invariants that tie the Linux view (VMAs, counters, userfaultfd registrations, page state) to the
   * Zircon view (the user VMAR's mappings and the VMOs under them); throws `MmInvariantError` naming the broken one.
   * Costs O(VMAs + mappings + tracked pages), never the size of the ranges. A torn-down address space has none.
   */
  validate(call = 'validate()'): void {
    if (this.disposed) return;
    validateMm(this.view(), call);
  }

  /** The comparable picture the atomicity check takes before and after a call that must be all-or-nothing. */
  private snapshot(): string {
    return this.disposed ? 'disposed' : snapshotMm(this.view());
  }

  private view(): MmView {
    return {
      vmas: this.tree,
      minAddr: this.minAddr,
      taskSize: this.taskSize,
      vmar: this.zx.vmar,
      anonVmo: this.zx.anonVmo,
      totalVm: this.totalVm,
      lockedVm: this.lockedVm,
      dataVm: this.dataVm,
      mapTarget: (v, addr) => ZirconSpace.mapTarget(this.zx, v, addr),
      perms: (flags) => ZirconSpace.perms(flags),
      uffdRegistered: (id) => this.counters.uffd.get(id) !== undefined,
      pins: this.pins,
      pageSets: [
        { name: 'zero-page PTEs', pages: this.zeroMapped, anonOnly: true },
        { name: 'shared-page PTEs', pages: this.mappedShared, sharedOnly: true },
        { name: 'UFFDIO_POISON markers', pages: this.uffdPoison },
        { name: 'uffd-wp bits', pages: this.uffdWp },
      ],
    };
  }

  /** Calls on an address space that exec or dispose has torn down fail with ESRCH, before touching anything. */
  private live(): void {
    if (this.disposed) fail('ESRCH', 'this address space is gone (exec or dispose)');
  }

  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.pins) p.mapping[Symbol.dispose]();
    this.pins = [];
    this.zx.destroy();
  }
}

// The public API's boundary: Zircon errors become errnos, and validation runs after each call when enabled.
installSyscallGuard(MemoryManager.prototype, [
  'open', 'memfdCreate', 'fd', 'adoptFd', 'close', 'ftruncate',
  'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'brk', 'msync', 'mincore', 'setVmaAnonName',
  'kernelRead', 'kernelReadInto', 'kernelWrite', 'read', 'write', 'execute', 'userfaultfd',
  'readAsync', 'writeAsync', 'executeAsync', 'kernelReadAsync', 'kernelWriteAsync', 'munmapAsync', 'mmapAsync', 'mremapAsync', 'madviseAsync', 'brkAsync', 'forkAsync',
  'setrlimit', 'getrlimit', 'fork', 'exec', 'maps', 'smaps', 'vmas', 'syscall',
]);

/** Re-exported for typing convenience. */
export type { ErrnoName };
