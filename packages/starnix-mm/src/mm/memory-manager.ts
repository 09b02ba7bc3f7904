import { type SysInt } from '../abi/args.js';
import { PAGE } from '../abi/constants.js';
import { ErrnoError, type ErrnoName } from '../errno/errno.js';
import { errnoFromZx } from '../errno/zx-errno.js';
import type { MemFile } from '../files/mem-file.js';
import { type KernelProfile } from '../profile/kernel-profile.js';
import { UffdRegistry } from '../uffd/uffd-registry.js';
import { execute, executeAsync, kernelRead, kernelReadAsync, kernelReadInto, kernelWrite, kernelWriteAsync, read, readAsync, write, writeAsync } from './access.js';
import { getrlimit, setrlimit } from './accounting.js';
import { brk } from './brk.js';
import { checkOptions } from './common.js';
import { adoptFd, close, fdDescription, ftruncate, memfdCreate, open } from './files.js';
import { fork } from './fork.js';
import { madvise } from './madvise.js';
import { mincore } from './mincore.js';
import { mlock, mlock2, mlockall, munlock, munlockall } from './mlock.js';
import { mmap } from './mmap.js';
import { mprotect } from './mprotect.js';
import { mremap } from './mremap.js';
import { msync } from './msync.js';
import { munmap } from './munmap.js';
import { mseal } from './mseal.js';
import { maps, smaps, vmas } from './procfs.js';
import { clearRefs, pagemap } from './pagemap.js';
import { type PagemapScanArgs, type PagemapScanResult, pagemapScan } from './pagemap-scan.js';
import { procMemRead, procMemWrite } from './proc-mem.js';
import type { MmState } from './state.js';
import { live } from './state.js';
import { type FileDescription, type KernelCopyGranularity, type MemoryManagerOptions, type MemoryManagerUffdOptions, type MmRlimits, type Rlimit, type UserAccessResult } from './types.js';
import { withUffdEvents } from './uffd-events.js';
import { userfaultfd, userfaultfdSpace } from './uffd.js';
import { setVmaAnonName } from './vma-name.js';
import { type UffdAddressSpace, type UffdTask, type UserfaultFD } from '@memsim/userspace-swap';
import { Kernel, type Process, type Vmar, ZxError } from '@memsim/zircon-objects';
import { Pinning } from './pinning.js';
import { createState, dispose } from './lifecycle.js';
import { installSyscallGuard } from './syscall-guard.js';
import { anonVmoInfos } from './anon-backing/report.js';
import type { AnonBackingDesign, AnonVmoInfo } from './anon-backing/design.js';

export type {
  FileDescription,
  KernelCopyGranularity,
  LinuxFault,
  MemoryManagerOptions,
  MemoryManagerUffdOptions,
  MmRlimits,
  Rlimit,
  UserAccessResult,
} from './types.js';

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

  /** The highest usable user address + 1 (TASK_SIZE of this address space). */
  get taskSize(): number {
    return this.s.taskSize;
  }

  set taskSize(value: number) {
    this.s.taskSize = value;
  }

  /** Lowest address mmap may use (mmap_min_addr, or the VMAR base if higher). */
  readonly minAddr: number;

  /** Top of the top-down mmap area. */
  get mmapBase(): number {
    return this.s.mmapBase;
  }

  set mmapBase(value: number) {
    this.s.mmapBase = value;
  }

  /** Initial program break. */
  get startBrk(): number {
    return this.s.startBrk;
  }

  set startBrk(value: number) {
    this.s.startBrk = value;
  }

  /** Current program break. */
  get brkValue(): number {
    return this.s.brkValue;
  }

  set brkValue(value: number) {
    this.s.brkValue = value;
  }

  /** Stack start (the address the [stack] VMA contains). */
  get startStack(): number {
    return this.s.startStack;
  }

  set startStack(value: number) {
    this.s.startStack = value;
  }

  /** Limits, in bytes. */
  get rlimits(): MmRlimits {
    return this.s.rlimits;
  }

  set rlimits(value: MmRlimits) {
    this.s.rlimits = value;
  }

  get capIpcLock(): boolean {
    return this.s.capIpcLock;
  }

  set capIpcLock(value: boolean) {
    this.s.capIpcLock = value;
  }

  /** The kernel profile this address space follows. */
  readonly profile: KernelProfile;

  /** The address space's state, which the modules of this folder act on. */
  private readonly s: MmState;

  private constructor(s: MmState) {
    this.s = s;
    this.kernel = s.kernel;
    this.minAddr = s.minAddr;
    this.profile = s.profile;
  }

  /**
   * Creates the memory manager of a new Linux process: a Zircon process with one user VMAR.
   */
  static create(kernel: Kernel, options: MemoryManagerOptions = {}): MemoryManager {
    if (!(kernel instanceof Kernel)) throw new TypeError('kernel must be a Kernel');
    options = checkOptions(options);
    return new MemoryManager(createState(kernel, options, { nextAnonVma: 1, nextCow: 1, nextInode: 1, pinning: new Pinning(kernel, options.shadowProcess), uffd: new UffdRegistry(), uffdUsed: false }));
  }

  /** The Zircon process that holds this address space. */
  get process(): Process {
    return this.s.zx.process;
  }

  /** How private anonymous memory is backed: 'single' (one VMO, offset = address) or 'per-mapping'. */
  get anonymousBacking(): AnonBackingDesign {
    return this.s.zx.design;
  }

  /** The private anonymous VMOs of this address space: the single one, or one per mapping and snapshot child. */
  anonVmos(): AnonVmoInfo[] {
    // An inspection of the model, not a call Starnix makes: its Zircon calls are not counted.
    return this.kernel.uncountedSyscalls(() => anonVmoInfos(this.s));
  }

  /** The user VMAR (one per address space). */
  get userVmar(): Vmar {
    return this.s.zx.vmar;
  }

  /** Number of VMAs. */
  get vmaCount(): number {
    return this.s.tree.size;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Files

  /** Opens `file` with an access mode, returning an fd for mmap. */
  open(file: MemFile, mode: 'RDONLY' | 'WRONLY' | 'RDWR'): number {
    return open(this.s, file, mode);
  }

  /** memfd_create: a new in-memory file opened read-write. */
  memfdCreate(name: string, size = 0): number {
    return memfdCreate(this.s, name, size);
  }

  /** The description behind an fd (EBADF if none). */
  fd(fd: SysInt): FileDescription {
    return fdDescription(this.s, fd);
  }

  /** Installs an existing description at a specific fd number (dup2-like; used when mirroring fd tables). */
  adoptFd(fd: number, desc: FileDescription): void {
    return adoptFd(this.s, fd, desc);
  }

  close(fd: SysInt): void {
    return close(this.s, fd);
  }

  /** ftruncate on an fd. */
  ftruncate(fd: SysInt, size: SysInt): void {
    return ftruncate(this.s, fd, size);
  }

  // ---------------------------------------------------------------------------------------------------------
  // mmap

  /**
   * mmap(2). Returns the address.
   */
  mmap(addr: SysInt, length: SysInt, prot: SysInt, flags: SysInt, fd: SysInt = -1, offset: SysInt = 0): number {
    return mmap(this.s, addr, length, prot, flags, fd, offset);
  }

  /** Pages currently pinned in the shadow process (what mlock holds). */
  get pinnedPages(): number {
    return this.s.pins.reduce((n, p) => n + (p.end - p.start) / PAGE, 0);
  }

  // ---------------------------------------------------------------------------------------------------------
  // munmap / mprotect

  /** munmap(2). */
  munmap(addr: SysInt, length: SysInt): number {
    return munmap(this.s, addr, length);
  }

  /** mprotect(2), including PROT_GROWSDOWN and the partial effects before a hole. */
  mprotect(addr: SysInt, length: SysInt, prot: SysInt): number {
    return mprotect(this.s, addr, length, prot);
  }

  // ---------------------------------------------------------------------------------------------------------
  // mremap

  /** mremap(2). Returns the (possibly new) address. */
  mremap(oldAddress: SysInt, oldSize: SysInt, newSize: SysInt, flags: SysInt = 0, newAddress: SysInt = 0): number {
    return mremap(this.s, oldAddress, oldSize, newSize, flags, newAddress);
  }

  // ---------------------------------------------------------------------------------------------------------
  // madvise

  /** madvise(2). */
  madvise(addr: SysInt, length: SysInt, advice: SysInt): number {
    return madvise(this.s, addr, length, advice);
  }

  // ---------------------------------------------------------------------------------------------------------
  // mseal

  /**
   * mseal(2) (Linux 6.10+; ENOSYS on a profile without it): seals the VMAs of [addr, addr+length), which then refuse
   * munmap, MAP_FIXED, mremap, mprotect and the discarding madvise calls (EPERM). `flags` must be 0.
   */
  mseal(addr: SysInt, length: SysInt, flags: SysInt = 0): number {
    return mseal(this.s, addr, length, flags);
  }

  // ---------------------------------------------------------------------------------------------------------
  // mlock family

  /** mlock(2). */
  mlock(addr: SysInt, length: SysInt): number {
    return mlock(this.s, addr, length);
  }

  /** mlock2(2): flags may be MLOCK_ONFAULT (1). */
  mlock2(addr: SysInt, length: SysInt, flags: SysInt = 0): number {
    return mlock2(this.s, addr, length, flags);
  }

  /** munlock(2). */
  munlock(addr: SysInt, length: SysInt): number {
    return munlock(this.s, addr, length);
  }

  /** mlockall(2): MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4. */
  mlockall(flags: SysInt): number {
    return mlockall(this.s, flags);
  }

  /** munlockall(2). */
  munlockall(): number {
    return munlockall(this.s);
  }

  // ---------------------------------------------------------------------------------------------------------
  // brk, msync, mincore, prctl

  /** brk(2): never fails; returns the new break, or the current one when the request cannot be met. */
  brk(addr: SysInt): number {
    return brk(this.s, addr);
  }

  /** msync(2). */
  msync(addr: SysInt, length: SysInt, flags: SysInt): number {
    return msync(this.s, addr, length, flags);
  }

  /** mincore(2): one byte per page, bit 0 = resident. */
  mincore(addr: SysInt, length: SysInt): Uint8Array {
    return mincore(this.s, addr, length);
  }

  /** prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name). `null` clears the name. */
  setVmaAnonName(addr: SysInt, length: SysInt, name: string | null): number {
    return setVmaAnonName(this.s, addr, length, name);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Memory access

  /**
   * Kernel-mode copy from user memory (copy_from_user / process_vm_readv): reads as many bytes as are accessible
   * from `addr`; EFAULT if none are.
   */
  kernelRead(addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Uint8Array {
    return kernelRead(this.s, addr, length, granularity);
  }

  /**
   * {@link MemoryManager.kernelRead} into the caller's buffer, as process_vm_readv fills its local iovec: copies
   * from `addr` into `out` as far as memory is accessible and returns the byte count; EFAULT if none. Bytes of `out`
   * past the count are unchanged. Reusing one buffer saves allocating (and the host faulting in) a new one per read.
   */
  kernelReadInto(addr: SysInt, out: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
    return kernelReadInto(this.s, addr, out, granularity);
  }

  /** Kernel-mode copy to user memory (copy_to_user / process_vm_writev): returns bytes written; EFAULT if none. */
  kernelWrite(addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): number {
    return kernelWrite(this.s, addr, data, granularity);
  }

  /** A user-mode read of `length` bytes at `addr`. */
  read(addr: SysInt, length: SysInt): UserAccessResult {
    return read(this.s, addr, length);
  }

  /** A user-mode write of `data` at `addr`. */
  write(addr: SysInt, data: Uint8Array): UserAccessResult {
    return write(this.s, addr, data);
  }

  /** A user-mode instruction fetch at `addr`. */
  execute(addr: SysInt): UserAccessResult {
    return execute(this.s, addr);
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
    return userfaultfd(this.s, options);
  }

  /** This address space as userfaultfd sees it (the `UffdAddressSpace` contract of `@memsim/userspace-swap`). */
  get userfaultfdSpace(): UffdAddressSpace {
    return userfaultfdSpace(this.s);
  }

  /** A user-mode read by `task` that waits in userfaultfd (a registered missing page) as Linux does. */
  readAsync(task: UffdTask, addr: SysInt, length: SysInt): Promise<UserAccessResult> {
    return readAsync(this.s, task, addr, length);
  }

  /** A user-mode write by `task` that waits in userfaultfd (missing or write-protected pages). */
  writeAsync(task: UffdTask, addr: SysInt, data: Uint8Array): Promise<UserAccessResult> {
    return writeAsync(this.s, task, addr, data);
  }

  /** A user-mode instruction fetch by `task` that waits in userfaultfd. */
  executeAsync(task: UffdTask, addr: SysInt): Promise<UserAccessResult> {
    return executeAsync(this.s, task, addr);
  }

  /**
   * {@link MemoryManager.kernelRead} by `task` (copy_from_user, process_vm_readv) that waits in userfaultfd like a
   * kernel-mode fault: a registered missing page suspends the copy until the handler resolves it; a SIGBUS outcome
   * (SIGBUS feature, or USER_MODE_ONLY) ends the copy there, EFAULT when nothing was copied.
   */
  kernelReadAsync(task: UffdTask, addr: SysInt, length: SysInt, granularity: KernelCopyGranularity = 'byte'): Promise<Uint8Array> {
    return kernelReadAsync(this.s, task, addr, length, granularity);
  }

  /** {@link MemoryManager.kernelWrite} by `task` (copy_to_user, process_vm_writev), waiting in userfaultfd. */
  kernelWriteAsync(task: UffdTask, addr: SysInt, data: Uint8Array, granularity: KernelCopyGranularity = 'byte'): Promise<number> {
    return kernelWriteAsync(this.s, task, addr, data, granularity);
  }

  /** munmap(2) by `task`: resolves after every UNMAP event it raised was read. */
  munmapAsync(task: UffdTask, addr: SysInt, length: SysInt): Promise<number> {
    return withUffdEvents(this.s, task, () => this.munmap(addr, length));
  }

  /** mmap(2) by `task` (MAP_FIXED over registered memory raises UNMAP and waits). */
  mmapAsync(task: UffdTask, addr: SysInt, length: SysInt, prot: SysInt, flags: SysInt, fd: SysInt = -1, offset: SysInt = 0): Promise<number> {
    return withUffdEvents(this.s, task, () => this.mmap(addr, length, prot, flags, fd, offset));
  }

  /** mremap(2) by `task`: a move raises REMAP (with EVENT_REMAP) then UNMAP of the old range, and waits. */
  mremapAsync(task: UffdTask, oldAddress: SysInt, oldSize: SysInt, newSize: SysInt, flags: SysInt = 0, newAddress: SysInt = 0): Promise<number> {
    return withUffdEvents(this.s, task, () => this.mremap(oldAddress, oldSize, newSize, flags, newAddress));
  }

  /** madvise(2) by `task`: DONTNEED / DONTNEED_LOCKED / FREE / REMOVE raise REMOVE per VMA and wait. */
  madviseAsync(task: UffdTask, addr: SysInt, length: SysInt, advice: SysInt): Promise<number> {
    return withUffdEvents(this.s, task, () => this.madvise(addr, length, advice));
  }

  /**
   * brk(2) by `task`: shrinking over registered memory raises UNMAP and waits. (The sync `brk` never throws, like
   * the raw system call: it raises the events without waiting for them.)
   */
  brkAsync(task: UffdTask, addr: SysInt): Promise<number> {
    return withUffdEvents(this.s, task, () => this.brk(addr));
  }

  /** fork by `task`: registered VMAs follow EVENT_FORK and the FORK events are waited for. */
  forkAsync(task: UffdTask): Promise<MemoryManager> {
    return withUffdEvents(this.s, task, () => this.fork());
  }

  // ---------------------------------------------------------------------------------------------------------
  // rlimits

  /** setrlimit for the memory limits (bytes; Infinity = RLIM_INFINITY). */
  setrlimit(resource: keyof MmRlimits, cur: number, max: number = cur): void {
    return setrlimit(this.s, resource, cur, max);
  }

  getrlimit(resource: keyof MmRlimits): Rlimit {
    return getrlimit(this.s, resource);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * fork: a new memory manager whose private memory is a snapshot (copy-on-write) of this one. DONTFORK VMAs are
   * skipped, WIPEONFORK VMAs start zeroed, locks are not inherited.
   */
  fork(): MemoryManager {
    return new MemoryManager(fork(this.s));
  }

  /** CLONE_VM / vfork: the same address space, shared. */
  cloneVm(): MemoryManager {
    return this;
  }

  /** exec: replaces the address space with a fresh one (new user VMAR), keeping limits and open files. */
  exec(options: MemoryManagerOptions = {}): MemoryManager {
    live(this.s);
    options = checkOptions(options);
    const next = createState(this.kernel, { anonymousBacking: this.s.zx.design, layout: this.s.layout, aslr: this.s.aslr, name: this.s.name, capIpcLock: this.s.capIpcLock, rlimits: this.s.rlimits, profile: this.profile, ...options }, this.s.counters);
    for (const [k, d] of this.s.fds) next.fds.set(k, d);
    this[Symbol.dispose]();
    return new MemoryManager(next);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Introspection

  /** /proc/pid/maps text. */
  maps(): string {
    return maps(this.s);
  }

  /** /proc/pid/smaps text. */
  smaps(): string {
    return smaps(this.s);
  }

  /**
   * A read of /proc/PID/pagemap: the 64-bit entries of `pages` pages from the page holding `addr` (bits as
   * {@link Pagemap} names them; PFNs hidden, as for an unprivileged reader). Short at TASK_SIZE.
   */
  pagemap(addr: SysInt, pages: SysInt): BigUint64Array {
    return pagemap(this.s, addr, pages);
  }

  /**
   * A write to /proc/PID/clear_refs: 1-3 (referenced bits, not modelled), 4 (soft-dirty: clears pagemap bit 55 when
   * the profile has `softDirty`, else accepted with no effect, as Linux without CONFIG_MEM_SOFT_DIRTY), 5 (peak
   * RSS). ERANGE past a C `int`, EINVAL otherwise.
   */
  clearRefs(value: SysInt): void {
    clearRefs(this.s, value);
  }

  /** The PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7; ENOTTY on a profile without `pagemapScan`). */
  pagemapScan(args: PagemapScanArgs): PagemapScanResult {
    return pagemapScan(this.s, args);
  }

  /**
   * pread(2) of /proc/PID/mem: FOLL_FORCE reads (PROT_NONE memory too); stops at the first inaccessible page and at
   * a page userfaultfd would have to supply (it does not wait, unlike process_vm_readv); EIO when nothing was read.
   */
  procMemRead(addr: SysInt, length: SysInt): Uint8Array {
    return procMemRead(this.s, addr, length);
  }

  /**
   * pwrite(2) of /proc/PID/mem: FOLL_FORCE writes; read-only private mappings get their copy-on-write broken,
   * read-only shared mappings stop the write; EIO when nothing was written. Returns the bytes written.
   */
  procMemWrite(addr: SysInt, data: Uint8Array): number {
    return procMemWrite(this.s, addr, data);
  }

  /** The VMAs, in order, as plain records. */
  vmas(): Array<{ start: number; end: number; prot: number; shared: boolean; name: string | null; locked: boolean }> {
    return vmas(this.s);
  }

  /** Pages counted against RLIMIT_AS, RLIMIT_MEMLOCK and RLIMIT_DATA. */
  get stats(): { totalVm: number; lockedVm: number; dataVm: number } {
    return { totalVm: this.s.totalVm, lockedVm: this.s.lockedVm, dataVm: this.s.dataVm };
  }

  /**
   * Runs a system call by name with raw arguments, returning the value or -errno, as the syscall ABI does.
   */
  syscall(name: 'mmap' | 'munmap' | 'mprotect' | 'mremap' | 'madvise' | 'mseal' | 'mlock' | 'mlock2' | 'munlock' | 'mlockall' | 'munlockall' | 'brk' | 'msync', args: readonly SysInt[]): number {
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
    this.s.validate(call);
  }

  [Symbol.dispose](): void {
    dispose(this.s);
  }
}

// The public API's boundary: Zircon errors become errnos, and validation runs after each call when enabled.
installSyscallGuard(MemoryManager.prototype, (mm) => (mm as unknown as { s: MmState }).s, [
  'open', 'memfdCreate', 'fd', 'adoptFd', 'close', 'ftruncate',
  'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'mseal', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'brk', 'msync', 'mincore', 'setVmaAnonName',
  'kernelRead', 'kernelReadInto', 'kernelWrite', 'read', 'write', 'execute', 'userfaultfd',
  'readAsync', 'writeAsync', 'executeAsync', 'kernelReadAsync', 'kernelWriteAsync', 'munmapAsync', 'mmapAsync', 'mremapAsync', 'madviseAsync', 'brkAsync', 'forkAsync',
  'setrlimit', 'getrlimit', 'fork', 'exec', 'maps', 'smaps', 'vmas', 'syscall',
  'pagemap', 'clearRefs', 'pagemapScan', 'procMemRead', 'procMemWrite',
]);

/** Re-exported for typing convenience. */
export type { ErrnoName };
