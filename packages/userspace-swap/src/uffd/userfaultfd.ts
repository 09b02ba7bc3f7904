import { describeValue } from '../errors/describe.js';
import { SystemClock } from '../clock/clock.js';
import type { Clock } from '../clock/clock.js';
import { LinuxErrno, UffdError } from '../errors/errno.js';
import type { UffdAddressSpace, UffdContextHooks, UffdFaultAccess, UffdFaultOutcome, UffdTask } from './address-space.js';
import {
  UFFD_API,
  UffdCopyMode,
  UffdFeature,
  UffdIoctl,
  UffdOpenFlag,
  UffdPagefaultFlag,
  UffdPoisonMode,
  UffdRegisterMode,
  UffdZeropageMode,
  ioctlBit,
} from './constants.js';
import { EventDispatcher } from './event-dispatcher.js';
import { fillIoctl } from './fill.js';
import { moveIoctl } from './move.js';
import { canUserfault, kernelFeatures, rangeIoctls, validateRange } from './range.js';
import { clearWriteProtect, writeProtectRange } from './write-protect.js';
import type { DispatchOptions, UffdApiResult, UffdEventMessage, UffdFile, UffdMessage, UffdPagefaultMessage, UserfaultFDHandler } from './uffd-file.js';

/**
 * Options of {@link UserfaultFD.create}.
 *
 * @public
 */
export interface UserfaultFDOptions {
  /** userfaultfd(2) flags: {@link UffdOpenFlag} bits (USER_MODE_ONLY matters; O_CLOEXEC and O_NONBLOCK are accepted). */
  readonly flags?: number;
  /** Whether the creator has CAP_SYS_PTRACE (EVENT_FORK needs it). Default true (the model runs as root). */
  readonly capSysPtrace?: boolean;
  /** Time source for message timestamps and the retry timer. Default: {@link SystemClock}. */
  readonly clock?: Clock;
}

interface FaultWaiter {
  readonly msg: UffdPagefaultMessage;
  readonly resolve: (outcome: UffdFaultOutcome) => void;
}

interface EventWaiter {
  readonly msg: UffdEventMessage;
  readonly resolve: () => void;
}

const FD_IOCTLS = ioctlBit(UffdIoctl.REGISTER) | ioctlBit(UffdIoctl.UNREGISTER) | ioctlBit(UffdIoctl.API);

/**
 * A userfaultfd with Linux's semantics (fs/userfaultfd.c, mm/userfaultfd.c as of Linux 6.18) on a
 * {@link UffdAddressSpace}, plus the seed's event loop ({@link UserfaultFD.startWaitingForEvents}).
 *
 * @remarks
 * Methods mirror the ioctls: {@link UserfaultFD.api} (UFFDIO_API), {@link UserfaultFD.registerRange},
 * {@link UserfaultFD.unregisterRange}, {@link UserfaultFD.copyToRange} (UFFDIO_COPY), {@link UserfaultFD.zeroRange}
 * (UFFDIO_ZEROPAGE), {@link UserfaultFD.wakeRange}, {@link UserfaultFD.writeProtect}, {@link UserfaultFD.poisonRange},
 * {@link UserfaultFD.move} (UFFDIO_MOVE).
 * Failures throw {@link UffdError} with the errno Linux reports. {@link UserfaultFD.read} is a non-blocking read(2).
 * The instance also implements {@link UffdContextHooks}, which the address space calls.
 *
 * @public
 */
export class UserfaultFD implements UffdContextHooks, UffdFile, Disposable {
  /** The address space (mm) this fd was created in. */
  readonly addressSpace: UffdAddressSpace;
  /** The creation flags. */
  readonly flags: number;
  readonly #capSysPtrace: boolean;
  readonly #clock: Clock;
  #features: number | null = null;
  #released = false;
  #references = 1;
  #ownReferenceOpen = true;
  #mmapChanging = 0;
  readonly #faultPending: FaultWaiter[] = [];
  readonly #faultRead: FaultWaiter[] = [];
  readonly #events: EventWaiter[] = [];
  readonly #readableListeners = new Set<() => void>();
  /** The listeners as an array, rebuilt when one comes or goes: a notification iterates it without copying the set. */
  #listenerList: readonly (() => void)[] = [];
  readonly #forkChildren = new Map<UffdAddressSpace, UserfaultFD>();
  #dispatcher: EventDispatcher | null = null;

  private constructor(addressSpace: UffdAddressSpace, flags: number, capSysPtrace: boolean, clock: Clock) {
    this.addressSpace = addressSpace;
    this.flags = flags;
    this.#capSysPtrace = capSysPtrace;
    this.#clock = clock;
  }

  /**
   * userfaultfd(2): a new, not yet handshaken fd on `addressSpace`. Unknown flag bits are EINVAL.
   */
  static create(addressSpace: UffdAddressSpace, options: UserfaultFDOptions = {}): UserfaultFD {
    const flags = options.flags ?? 0;
    const known = UffdOpenFlag.USER_MODE_ONLY | UffdOpenFlag.O_NONBLOCK | UffdOpenFlag.O_CLOEXEC;
    if (!Number.isSafeInteger(flags) || flags < 0 || (flags & ~known) !== 0) {
      throw new UffdError('EINVAL', `unknown userfaultfd flags ${describeValue(flags)}`);
    }
    return new UserfaultFD(addressSpace, flags, options.capSysPtrace ?? true, options.clock ?? new SystemClock());
  }

  /**
   * The seed's `UserfaultFD::Create`: userfaultfd(2) followed by the UFFDIO_API handshake with `features`.
   */
  static open(addressSpace: UffdAddressSpace, features: number, options: UserfaultFDOptions = {}): UserfaultFD {
    const fd = UserfaultFD.create(addressSpace, options);
    fd.api(UFFD_API, features);
    return fd;
  }

  /** The enabled features, or null before a successful handshake. */
  get features(): number | null {
    return this.#features;
  }

  /** True once the context was released: its last reference closed (the methods then fail with EBADF). */
  get closed(): boolean {
    return this.#released;
  }

  /** The count of mapping changes in flight (fills get EAGAIN while it is non-zero). */
  get mmapChanging(): number {
    return this.#mmapChanging;
  }

  /** Whether read() would return a message (POLLIN). */
  get readable(): boolean {
    return this.#faultPending.length > 0 || this.#events.length > 0;
  }

  /** Tasks blocked in a fault on this fd (read or not). */
  get blockedFaults(): number {
    return this.#faultPending.length + this.#faultRead.length;
  }

  /** Whether the handshake enabled feature `bit`. */
  hasFeature(bit: number): boolean {
    if (typeof bit !== 'number') throw new TypeError('hasFeature: bit must be a number');
    return this.#features !== null && (this.#features & bit) !== 0;
  }

  /**
   * UFFDIO_API. `api` must be 0xAA; unknown feature bits, a second successful handshake and bad input are EINVAL;
   * EVENT_FORK without CAP_SYS_PTRACE is EPERM. A failed handshake leaves the fd uninitialized (it can be retried).
   */
  api(api: number, features: number): UffdApiResult {
    this.#checkOpen();
    if (api !== UFFD_API) throw new UffdError('EINVAL', `UFFDIO_API: api ${describeValue(api)} is not 0xAA`);
    const supported = kernelFeatures(this.addressSpace);
    if (!Number.isSafeInteger(features) || features < 0 || features > 0xffffffff || (features & ~supported) !== 0) {
      throw new UffdError('EINVAL', `UFFDIO_API: unknown feature bits in ${describeValue(features)}`);
    }
    if ((features & UffdFeature.EVENT_FORK) !== 0 && !this.#capSysPtrace) {
      throw new UffdError('EPERM', 'UFFDIO_API: EVENT_FORK needs CAP_SYS_PTRACE');
    }
    // WP_ASYNC relies on WP_UNPOPULATED; Linux turns it on unconditionally.
    const enabled = (features & UffdFeature.WP_ASYNC) !== 0 ? features | UffdFeature.WP_UNPOPULATED : features;
    if (this.#features !== null) throw new UffdError('EINVAL', 'UFFDIO_API: the handshake was already done');
    this.#features = enabled;
    return { features: supported, ioctls: FD_IOCTLS };
  }

  /**
   * UFFDIO_REGISTER of [start, start + length) with `mode` (UffdRegisterMode bits). Returns the range ioctls.
   *
   * @remarks
   * EINVAL: mode 0 or unknown bits, misaligned or zero length, outside [mmap_min_addr, TASK_SIZE), no VMA in the
   * range, a file (non-shmem) VMA (unless WP_ASYNC and mode WP alone, as Linux allows), MINOR on anonymous memory. EPERM: a VMA without VM_MAYWRITE. EBUSY: a VMA
   * registered with another userfaultfd. Holes between VMAs are skipped, as Linux does.
   */
  registerRange(start: number, length: number, mode: number): bigint {
    this.#checkInitialized();
    if (!Number.isSafeInteger(mode) || mode === 0 || mode < 0 || (mode & ~0x7) !== 0) {
      throw new UffdError('EINVAL', `UFFDIO_REGISTER: bad mode ${describeValue(mode)}`);
    }
    validateRange(this.addressSpace, start, length);
    const end = start + length;
    if (!this.addressSpace.alive) throw new UffdError('ENOMEM', 'UFFDIO_REGISTER: the process exited');
    const vmas = this.addressSpace.vmasIn(start, end);
    if (vmas.length === 0) throw new UffdError('EINVAL', 'UFFDIO_REGISTER: no mapping in the range');
    let hugetlb = false;
    for (const vma of vmas) {
      if (!canUserfault(vma, mode, this.hasFeature(UffdFeature.WP_ASYNC))) {
        throw new UffdError('EINVAL', `UFFDIO_REGISTER: a ${vma.kind} mapping cannot take mode ${mode}`);
      }
      if (!vma.mayWrite) throw new UffdError('EPERM', 'UFFDIO_REGISTER: mapping without VM_MAYWRITE');
      if (vma.uffd !== null && vma.uffd !== this) {
        throw new UffdError('EBUSY', 'UFFDIO_REGISTER: the range is registered with another userfaultfd');
      }
      if (vma.kind === 'hugetlb') hugetlb = true;
    }
    this.addressSpace.setRegistration(start, end, this, mode);
    let ioctls = rangeIoctls(this.addressSpace, hugetlb);
    if ((mode & UffdRegisterMode.WP) === 0) ioctls &= ~ioctlBit(UffdIoctl.WRITEPROTECT);
    if ((mode & UffdRegisterMode.MINOR) === 0) ioctls &= ~ioctlBit(UffdIoctl.CONTINUE);
    return ioctls;
  }

  /**
   * UFFDIO_UNREGISTER of [start, start + length): wakes faults waiting there (so none hang) and clears the
   * registration. EINVAL: bad range, no VMA in it, a file VMA, or (Linux 6.18) a VMA registered with another fd.
   */
  unregisterRange(start: number, length: number): void {
    this.#checkInitialized();
    validateRange(this.addressSpace, start, length);
    const end = start + length;
    const vmas = this.addressSpace.vmasIn(start, end);
    if (vmas.length === 0) throw new UffdError('EINVAL', 'UFFDIO_UNREGISTER: no mapping in the range');
    for (const vma of vmas) {
      if (!canUserfault(vma, vma.uffdMode, this.hasFeature(UffdFeature.WP_ASYNC))) throw new UffdError('EINVAL', 'UFFDIO_UNREGISTER: incompatible mapping');
      // Observed on Linux 6.18: another fd's registration in the range is EINVAL, not skipped.
      if (vma.uffd !== null && vma.uffd !== this) {
        throw new UffdError('EINVAL', 'UFFDIO_UNREGISTER: the range is registered with another userfaultfd');
      }
    }
    for (const vma of vmas) {
      if (vma.uffd !== this) continue;
      const s = Math.max(vma.start, start);
      const e = Math.min(vma.end, end);
      clearWriteProtect(this.addressSpace, vma, s, e);
      // Wake waiters so none hangs once the range is no longer served (they retry on the normal path).
      this.#wake(s, e - s);
    }
    this.addressSpace.setRegistration(start, end, null, 0);
  }

  /**
   * UFFDIO_COPY: installs `length` bytes of `source` at `destination` (page by page) and wakes the faulting tasks
   * there unless MODE_DONTWAKE. MODE_WP installs the pages write-protected. Returns the bytes copied (= length).
   *
   * @remarks
   * Errors, as Linux reports them ({@link UffdError.field} is the ioctl's `copy` field): EAGAIN (-11) while
   * mappings are changing; EINVAL (no field) for a bad range or mode; ESRCH (no field) after the process exited;
   * ENOENT (-2) when the destination is not inside one registered VMA; EINVAL (-22) for MODE_WP on a range not
   * registered for WP; EEXIST (-17) when the first page is present; EFAULT (-14) when `source` is too short;
   * EAGAIN with the bytes done when a later page failed (partial progress, those pages were installed and woken).
   */
  copyToRange(destination: number, length: number, source: Uint8Array, mode = 0): number {
    this.#checkInitialized();
    // Linux 6.18 writes -EAGAIN into the result field here too (observed with packages/linux-probe).
    if (this.#mmapChanging > 0) throw new UffdError('EAGAIN', 'UFFDIO_COPY: mappings are changing', -LinuxErrno.EAGAIN);
    if (!(source instanceof Uint8Array)) throw new UffdError('EFAULT', 'UFFDIO_COPY: source is not a byte buffer');
    validateRange(this.addressSpace, destination, length);
    if (!Number.isSafeInteger(mode) || (mode & ~(UffdCopyMode.DONTWAKE | UffdCopyMode.WP)) !== 0) {
      throw new UffdError('EINVAL', `UFFDIO_COPY: bad mode ${describeValue(mode)}`);
    }
    return fillIoctl(this.addressSpace, 'copy', destination, length, source, (mode & UffdCopyMode.WP) !== 0, (mode & UffdCopyMode.DONTWAKE) !== 0, this.#waker);
  }

  /**
   * UFFDIO_ZEROPAGE: maps the zero page over [start, start + length), waking the faulting tasks unless
   * MODE_DONTWAKE. Errors as {@link UserfaultFD.copyToRange} (the field is `zeropage`).
   */
  zeroRange(start: number, length: number, mode = 0): number {
    this.#checkInitialized();
    // Linux 6.18 writes -EAGAIN into the result field here too (observed with packages/linux-probe).
    if (this.#mmapChanging > 0) throw new UffdError('EAGAIN', 'UFFDIO_ZEROPAGE: mappings are changing', -LinuxErrno.EAGAIN);
    validateRange(this.addressSpace, start, length);
    if (!Number.isSafeInteger(mode) || (mode & ~UffdZeropageMode.DONTWAKE) !== 0) {
      throw new UffdError('EINVAL', `UFFDIO_ZEROPAGE: bad mode ${describeValue(mode)}`);
    }
    return fillIoctl(this.addressSpace, 'zeropage', start, length, undefined, false, (mode & UffdZeropageMode.DONTWAKE) !== 0, this.#waker);
  }

  /**
   * UFFDIO_POISON: installs poison markers over [start, start + length) (later accesses get SIGBUS) and wakes the
   * faulting tasks unless MODE_DONTWAKE. Errors as {@link UserfaultFD.copyToRange} (the field is `updated`).
   */
  poisonRange(start: number, length: number, mode = 0): number {
    this.#checkInitialized();
    // Linux 6.18 writes -EAGAIN into the result field here too (observed with packages/linux-probe).
    if (this.#mmapChanging > 0) throw new UffdError('EAGAIN', 'UFFDIO_POISON: mappings are changing', -LinuxErrno.EAGAIN);
    validateRange(this.addressSpace, start, length);
    if (!Number.isSafeInteger(mode) || (mode & ~UffdPoisonMode.DONTWAKE) !== 0) {
      throw new UffdError('EINVAL', `UFFDIO_POISON: bad mode ${describeValue(mode)}`);
    }
    return fillIoctl(this.addressSpace, 'poison', start, length, undefined, false, (mode & UffdPoisonMode.DONTWAKE) !== 0, this.#waker);
  }

  /** UFFDIO_WAKE: wakes tasks blocked on faults in [start, start + length); they retry (and may fault again). */
  wakeRange(start: number, length: number): void {
    this.#checkInitialized();
    validateRange(this.addressSpace, start, length);
    this.#wake(start, length);
  }

  /**
   * UFFDIO_WRITEPROTECT: mode WP protects the present pages of the range, mode 0 unprotects them and wakes the
   * writers (unless DONTWAKE). EAGAIN while mappings change; EINVAL for a bad range or mode (WP with DONTWAKE);
   * ENOENT when a VMA in the range is not registered for WP; ESRCH after exit. Like Linux, missing pages are left
   * alone unless WP_UNPOPULATED (or WP_ASYNC) was enabled, which marks them too.
   */
  writeProtect(start: number, length: number, mode: number): void {
    this.#checkInitialized();
    if (this.#mmapChanging > 0) throw new UffdError('EAGAIN', 'UFFDIO_WRITEPROTECT: mappings are changing');
    validateRange(this.addressSpace, start, length);
    writeProtectRange(this.addressSpace, start, length, mode, this.hasFeature(UffdFeature.WP_UNPOPULATED), this.#waker);
  }

  /**
   * UFFDIO_MOVE (Linux 6.8): moves the pages of [source, source + length) to the missing pages of [destination,
   * destination + length), which must be registered with this fd; returns the bytes moved. `mode` takes
   * {@link UffdMoveMode} bits (DONTWAKE, ALLOW_SRC_HOLES). The rules and errors are Linux's: see `moveIoctl`
   * (src/uffd/move.ts) and the package README.
   */
  move(destination: number, source: number, length: number, mode = 0): number {
    this.#checkInitialized();
    return moveIoctl({ space: this.addressSpace, ctx: this, mmapChanging: this.#mmapChanging, wake: this.#waker }, destination, source, length, mode);
  }

  /**
   * read(2) on a non-blocking fd: the oldest unread page fault first, else the oldest non-fault event, else null
   * (EAGAIN). Reading a non-fault event lets the task that raised it resume.
   */
  read(): UffdMessage | null {
    if (this.#released) throw new UffdError('EBADF', 'read: the userfaultfd is closed');
    // Linux 6.18: reading an fd whose UFFDIO_API handshake has not succeeded (never tried, or failed) is EINVAL.
    if (this.#features === null) throw new UffdError('EINVAL', 'read: the UFFDIO_API handshake has not been done');
    const fault = this.#faultPending.shift();
    if (fault !== undefined) {
      this.#faultRead.push(fault);
      return fault.msg;
    }
    const event = this.#events.shift();
    if (event === undefined) return null;
    event.resolve();
    return event.msg;
  }

  /** Calls `listener` whenever a message becomes readable; dispose the result to stop. */
  onReadable(listener: () => void): Disposable {
    this.#readableListeners.add(listener);
    this.#listenerList = [...this.#readableListeners];
    return {
      [Symbol.dispose]: () => {
        this.#readableListeners.delete(listener);
        this.#listenerList = [...this.#readableListeners];
      },
    };
  }

  /**
   * The seed's event loop: reads every message as it arrives, dispatches non-fault events at once and page faults
   * (in order) after them; faults the handler declines are redelivered after later events and on a timer.
   * EBUSY when a handler is already attached.
   */
  startWaitingForEvents(handler: UserfaultFDHandler, options: DispatchOptions = {}): void {
    this.#checkInitialized();
    if (this.#dispatcher !== null) throw new UffdError('EBUSY', 'startWaitingForEvents: a handler is already attached');
    this.#dispatcher = new EventDispatcher(this, handler, this.#clock, options);
  }

  /** Closes the fd (see {@link UserfaultFD.close}) and ends the handler with `closed(0)`. */
  closeAndStopWaitingForEvents(): void {
    this.close();
  }

  /**
   * Another reference to the same userfaultfd file, as dup(2) or passing the fd to another process gives (ChromeOS's
   * renderer hands its fd to the browser this way). The context is released only when the last reference closes.
   * EBADF once released.
   */
  dup(): Disposable & { close(): void } {
    this.#checkOpen();
    this.#references++;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      this.#dropReference();
    };
    return { close, [Symbol.dispose]: close };
  }

  /**
   * close(2) of this handle's reference; when it is the last one (see {@link UserfaultFD.dup}), the context is
   * released (userfaultfd_release): every range is unregistered, every waiting fault is woken (the tasks retry and
   * the normal fault path takes over: anonymous memory zero-fills, no SIGBUS), every task blocked on an unread event
   * resumes, and the handler ends with `closed(0)`. Idempotent.
   */
  close(): void {
    if (!this.#ownReferenceOpen) return;
    this.#ownReferenceOpen = false;
    this.#dropReference();
  }

  #dropReference(): void {
    if (--this.#references > 0 || this.#released) return;
    this.#released = true;
    const space = this.addressSpace;
    for (const vma of space.vmasIn(0, space.taskSize)) {
      if (vma.uffd !== this) continue;
      clearWriteProtect(space, vma, vma.start, vma.end);
      space.setRegistration(vma.start, vma.end, null, 0);
    }
    for (const w of this.#faultPending.splice(0)) w.resolve('retry');
    for (const w of this.#faultRead.splice(0)) w.resolve('retry');
    for (const w of this.#events.splice(0)) {
      if (w.msg.event === 'FORK') w.msg.child.close();
      w.resolve();
    }
    const dispatcher = this.#dispatcher;
    this.#dispatcher = null;
    dispatcher?.stop(0);
  }

  /** Same as {@link UserfaultFD.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- hooks the address space calls (UffdContextHooks) ----

  /** {@inheritDoc UffdContextHooks.fault} */
  fault(task: UffdTask, address: number, access: UffdFaultAccess): Promise<UffdFaultOutcome> {
    if (this.hasFeature(UffdFeature.SIGBUS)) return Promise.resolve('sigbus');
    if (access.user === false && (this.flags & UffdOpenFlag.USER_MODE_ONLY) !== 0) return Promise.resolve('sigbus');
    // A released context returns NOPAGE so closing right after the last fill cannot cause a stray SIGBUS.
    if (this.#released) return Promise.resolve('retry');
    const page = this.addressSpace.pageSize;
    let flags = 0;
    if (access.write) flags |= UffdPagefaultFlag.WRITE;
    if (access.wp === true) flags |= UffdPagefaultFlag.WP;
    const msg: UffdPagefaultMessage = {
      event: 'PAGEFAULT',
      flags,
      address: this.hasFeature(UffdFeature.EXACT_ADDRESS) ? address : address - (address % page),
      ptid: this.hasFeature(UffdFeature.THREAD_ID) ? task.tid : 0,
      raisedAtMicros: this.#clock.nowMicros(),
    };
    return new Promise<UffdFaultOutcome>((resolve) => {
      this.#faultPending.push({ msg, resolve });
      this.#notifyReadable();
    });
  }

  /** {@inheritDoc UffdContextHooks.remove} */
  remove(_task: UffdTask, start: number, end: number): Promise<void> {
    return this.#event(UffdFeature.EVENT_REMOVE, { event: 'REMOVE', start, end });
  }

  /** {@inheritDoc UffdContextHooks.unmap} */
  unmap(_task: UffdTask, start: number, end: number): Promise<void> {
    return this.#event(UffdFeature.EVENT_UNMAP, { event: 'UNMAP', start, end });
  }

  /** {@inheritDoc UffdContextHooks.remap} */
  remap(_task: UffdTask, from: number, to: number, length: number): Promise<void> {
    return this.#event(UffdFeature.EVENT_REMAP, { event: 'REMAP', from, to, len: length });
  }

  /** {@inheritDoc UffdContextHooks.forkContext} */
  forkContext(child: UffdAddressSpace): UffdContextHooks | null {
    if (!this.hasFeature(UffdFeature.EVENT_FORK) || this.#released) return null;
    let fctx = this.#forkChildren.get(child);
    if (fctx === undefined) {
      fctx = new UserfaultFD(child, this.flags, this.#capSysPtrace, this.#clock);
      fctx.#features = this.#features;
      this.#forkChildren.set(child, fctx);
      // dup_userfaultfd raises mmap_changing on the parent until the FORK event was read.
      this.#mmapChanging++;
    }
    return fctx;
  }

  /** {@inheritDoc UffdContextHooks.forkComplete} */
  async forkComplete(_task: UffdTask, child: UffdContextHooks): Promise<void> {
    if (!(child instanceof UserfaultFD) || this.#forkChildren.get(child.addressSpace) !== child) return;
    this.#forkChildren.delete(child.addressSpace);
    try {
      if (this.#released) {
        child.close();
        return;
      }
      await new Promise<void>((resolve) => {
        this.#events.push({ msg: { event: 'FORK', child }, resolve });
        this.#notifyReadable();
      });
    } finally {
      this.#mmapChanging--;
    }
  }

  // ---- internals ----

  async #event(feature: number, msg: UffdEventMessage): Promise<void> {
    if (!this.hasFeature(feature) || this.#released) return;
    this.#mmapChanging++;
    try {
      await new Promise<void>((resolve) => {
        this.#events.push({ msg, resolve });
        this.#notifyReadable();
      });
    } finally {
      // Linux drops mmap_changing only when the blocked task resumes, so EAGAIN can briefly outlast the read.
      this.#mmapChanging--;
    }
  }

  #notifyReadable(): void {
    // A snapshot: listeners added or removed by a listener take effect from the next notification.
    const list = this.#listenerList;
    for (let i = 0; i < list.length; i++) list[i]();
  }

  /** {@link UserfaultFD.#wake} bound, for the ioctl families' files. */
  readonly #waker = (start: number, length: number): void => this.#wake(start, length);

  #wake(start: number, length: number): void {
    // No closure or list array per call: a fill with nobody waiting (most UFFDIO_COPYs) costs two length checks.
    const end = start + length;
    for (let k = 0; k < 2; k++) {
      const list = k === 0 ? this.#faultPending : this.#faultRead;
      for (let i = list.length - 1; i >= 0; i--) {
        const w = list[i];
        if (w.msg.address >= start && w.msg.address < end) {
          list.splice(i, 1);
          w.resolve('retry');
        }
      }
    }
  }

  #checkOpen(): void {
    if (this.#released) throw new UffdError('EBADF', 'the userfaultfd is closed');
  }

  #checkInitialized(): void {
    this.#checkOpen();
    if (this.#features === null) throw new UffdError('EINVAL', 'the UFFDIO_API handshake has not been done');
  }
}
