/**
 * The memory manager's types: the public ones (options, limits, faults, access results) and the internal ones its
 * modules share. Kept apart from memory-manager.ts so the modules need not import the class.
 */
import type { MemFile } from '../files/mem-file.js';
import { type KernelProfile } from '../profile/kernel-profile.js';
import type { UffdRegistry } from '../uffd/uffd-registry.js';
import type { PinnedMapping, ShadowProcess } from '@memsim/memory-pinning';
import { type Clock } from '@memsim/userspace-swap';
import type { AddressSpaceLayout } from './zircon-space.js';
import type { AnonBackingDesign } from './anon-backing/design.js';
import type { Pinning } from './pinning.js';

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
  /**
   * How private anonymous memory is backed on the Zircon side: 'single' (default; today's Starnix, one sparse VMO
   * per address space, offset = address) or 'per-mapping' (Starnix's earlier design: a VMO per mmap, snapshot
   * children on partial unmaps). Forks and execs keep their parent's. See docs/architecture.md.
   */
  anonymousBacking?: AnonBackingDesign;
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

export type AccessKind = 'read' | 'write' | 'execute';

/**
 * How kernel-mode copies report partial success: `byte` copies every accessible byte (process_vm_readv,
 * copy_to_user), `pipe` works in page-sized pipe buffers relative to the start (read/write on a pipe).
 *
 * @public
 */
export type KernelCopyGranularity = 'byte' | 'pipe';

export interface Counters {
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

export interface Pin {
  start: number;
  end: number;
  mapping: PinnedMapping;
}
