/**
 * The state of one address space that every module of the memory manager acts on: the VMA tree, the Zircon side,
 * counters, limits, per-page sets. `MemoryManager` is the public front over it; this type is not exported from the
 * package.
 */
import { PAGE, STACK_GUARD_GAP } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { DEFAULT_KERNEL_PROFILE, type KernelProfile } from '../profile/kernel-profile.js';
import { VmaTree } from '../vma/vma-tree.js';
import { LOCK_MASK, defaultLimits, pageUp } from './common.js';
import { type Counters, type FileDescription, type MemoryManagerOptions, type MmRlimits, type Pin } from './types.js';
import { type UffdAddressSpace, type UffdTask } from '@memsim/userspace-swap';
import type { Kernel } from '@memsim/zircon-objects';
import { ZirconSpace, type AddressSpaceLayout } from './zircon-space.js';
import { snapshotMm, validateMm, type MmView } from './validate.js';
import { validateFromEnv } from './syscall-guard.js';
import { GuardSet } from './guard-set.js';
import { ForkShared } from './fork-shared.js';

export class MmState {
  /** The kernel whose objects back this address space. */
  readonly kernel: Kernel;
  readonly zx: ZirconSpace;
  readonly tree: VmaTree;
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
  readonly aslr: boolean;
  readonly layout: AddressSpaceLayout;
  readonly name: string;
  defFlags = 0;
  totalVm = 0;
  lockedVm = 0;
  dataVm = 0;
  readonly counters: Counters;
  readonly fds = new Map<number, FileDescription>();
  /**
   * Private anonymous pages a read fault mapped to the shared zero page: present for mincore (as in Linux) but
   * not committed in the VMO and not counted in Rss.
   */
  readonly zeroMapped = new Set<number>();
  /** Addresses whose file or shmem page is mapped (has a PTE): the candidates MADV_PAGEOUT walks. */
  readonly mappedShared = new Set<number>();
  /** Pinned (mlocked) ranges, mapped into the kernel's shadow process; sorted by start. */
  pins: Pin[] = [];
  disposed = false;
  /** Pages holding a UFFDIO_POISON marker (any access: SIGBUS). */
  readonly uffdPoison = new Set<number>();
  /**
   * Pages with the userfaultfd write-protect bit: present pages, and missing ones holding a uffd-wp PTE marker
   * (UFFDIO_WRITEPROTECT with WP_UNPOPULATED).
   */
  readonly uffdWp = new Set<number>();
  /** Guard markers (MADV_GUARD_INSTALL): any access faults with SIGSEGV. Query with guard.ts's isGuardPage. */
  readonly guards = new GuardSet();
  /** Whether any VMA was ever sealed here (or in the parent): until then unmapping skips the seal walk. */
  everSealed = false;
  /** The kernel pressure subscription that drops MAP_DROPPABLE pages (droppable.ts), made with the first one. */
  droppableWatch: Disposable | null = null;
  /** Pages whose PTE has the soft-dirty bit (written since the last clear_refs 4); only with `profile.softDirty`. */
  readonly softDirty = new Set<number>();
  /** 2 MiB blocks whose page table Linux keeps though a zap may have emptied it (page-tables.ts). */
  readonly keptTables = new Set<number>();
  /**
   * Private anonymous pages fork left shared with a child (not PageAnonExclusive): pagemap clears bit 56 and
   * UFFDIO_MOVE refuses them (EBUSY) until a write gives this process its own copy. Kept as the forked ranges
   * (fork-shared.ts); pages.ts's `forkShared` asks about one page.
   */
  readonly anonShared = new ForkShared();
  /** While an async system call runs: its task and the userfaultfd events it must wait for. */
  uffdEvents: { task: UffdTask; pending: Promise<unknown>[] } | null = null;
  uffdSpace: UffdAddressSpace | null = null;
  /** Nesting of public calls (syscall-guard.ts checks only the outermost). */
  guardDepth = 0;
  /** Set by a failure Linux itself leaves part-done (the guard's atomicity check then does not apply). */
  partialFailure = false;
  /** Whether every public call is followed by validate() (options.validate or MEMSIM_VALIDATE=1). */
  readonly validating: boolean;
  dirtyLo = Infinity;
  dirtyHi = -Infinity;

  constructor(kernel: Kernel, options: MemoryManagerOptions, counters: Counters, inherit?: MmState) {
    this.kernel = kernel;
    this.layout = options.layout ?? 'full';
    this.aslr = options.aslr ?? false;
    this.name = options.name ?? 'linux';
    this.capIpcLock = options.capIpcLock ?? false;
    this.profile = inherit?.profile ?? options.profile ?? DEFAULT_KERNEL_PROFILE;
    this.counters = counters;
    this.validating = inherit ? inherit.validating : (options.validate ?? validateFromEnv());
    this.zx = new ZirconSpace(kernel, this.name, this.layout, inherit ? inherit.zx.design : (options.anonymousBacking ?? 'single'));
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
      this.everSealed = inherit.everSealed;
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
    // The [stack] VMA below stackTop is made by createState (lifecycle.ts), which owns VMA insertion.
    this.startStack = stackTop - 0x100;
  }

  /**
   * Checks the invariants that tie the Linux view (VMAs, counters, userfaultfd registrations, page state) to the
   * Zircon view (the user VMAR's mappings and the VMOs under them); throws `MmInvariantError` naming the broken one.
   * Costs O(VMAs + mappings + tracked pages), never the size of the ranges. A torn-down address space has none.
   */
  validate(call = 'validate()'): void {
    if (this.disposed) return;
    // A self-check of the model, not something Starnix does: its Zircon calls are not counted.
    this.kernel.uncountedSyscalls(() => validateMm(this.view(), call));
  }

  /** How many pages are fork-shared now (for the atomicity check): the present, untouched pages of the ranges. */
  #forkSharedPages(): number {
    let n = 0;
    for (const [s, e] of this.anonShared.ranges()) {
      for (const v of this.tree.range(s, e)) {
        if (v.backing.kind !== 'anon') continue;
        for (const p of ZirconSpace.presentAnon(this.zx, v, Math.max(s, v.start), Math.min(e, v.end))) if (this.anonShared.covers(p)) n++;
      }
    }
    return n;
  }

  /** The comparable picture the atomicity check takes before and after a call that must be all-or-nothing. */
  snapshot(): string {
    return this.disposed ? 'disposed' : this.kernel.uncountedSyscalls(() => snapshotMm(this.view()));
  }

  view(): MmView {
    return {
      vmas: this.tree,
      minAddr: this.minAddr,
      taskSize: this.taskSize,
      vmar: this.zx.vmar,
      anonVmo: this.zx.anonVmo,
      anonObjects: this.zx.anonObjects,
      totalVm: this.totalVm,
      lockedVm: this.lockedVm,
      dataVm: this.dataVm,
      mapTarget: (v, addr) => ZirconSpace.mapTarget(this.zx, v, addr),
      perms: (flags) => ZirconSpace.perms(flags),
      uffdRegistered: (id) => this.counters.uffd.get(id) !== undefined,
      guards: this.guards.ranges(),
      everSealed: this.everSealed,
      pins: this.pins,
      pageSets: [
        { name: 'zero-page PTEs', pages: this.zeroMapped, anonOnly: true },
        { name: 'shared-page PTEs', pages: this.mappedShared, sharedOnly: true },
        { name: 'UFFDIO_POISON markers', pages: this.uffdPoison },
        { name: 'uffd-wp bits', pages: this.uffdWp },
        { name: 'soft-dirty bits', pages: this.softDirty },
      ],
      forkShared: this.anonShared.ranges(),
      forkSharedPages: () => this.#forkSharedPages(),
    };
  }
}

/** Calls on an address space that exec or dispose has torn down fail with ESRCH, before touching anything. */
export function live(mm: MmState): void {
  if (mm.disposed) fail('ESRCH', 'this address space is gone (exec or dispose)');
}
