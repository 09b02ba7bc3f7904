import type { PressureLevel } from '../constants.js';
import type { ZxSyscallCounts } from './syscall-names.js';

/**
 * Physical-memory accounting of a kernel.
 * @public
 */
export interface MemoryStats {
  /** The budget. */
  readonly totalBytes: number;
  /** Bytes in committed (uncompressed) pages. */
  committedBytes(): number;
  /** Logical bytes of compressed pages (page count times the page size). */
  compressedBytes(): number;
  /** Bytes the compressed store actually uses. */
  compressedStorageBytes(): number;
  /** Budget minus committed pages minus compressed storage. */
  freeBytes(): number;
  /** Pages actually held: committed plus compressed. */
  pageCount(): number;
}

/**
 * What one reclamation pass did.
 * @public
 */
export interface ReclaimResult {
  /** Pages freed by discarding unlocked discardable VMOs. */
  discarded: number;
  /** Pages compressed. */
  compressed: number;
}

/**
 * What kernel objects and their handles need of the kernel that owns them: koids and internal state, the clock, the
 * PRNG, ASLR settings, memory accounting, pressure and reclamation. It is every member of {@link Kernel} but
 * `rootJob`; `Kernel` implements it, and is the only implementation.
 *
 * The contract lives in its own file so that objects and handles never import the kernel, which creates the root job
 * (a handle) and so imports them: the kernel and its objects name each other only through this file. `Handle.kernel`
 * and `Job.kernel` are typed with it; the other handle classes narrow it to `Kernel`, and `k instanceof Kernel`
 * narrows it anywhere.
 * @public
 */
export interface KernelContext {
  /** The page size, 4096. */
  readonly pageSize: number;
  /** Whether placement is randomised. */
  readonly aslr: boolean;
  /** ASLR entropy bits. */
  readonly aslrEntropyBits: number;
  /** Physical-memory accounting. */
  readonly memory: MemoryStats;
  /** The kernel clock in ms (deadlines of `waitOne`). */
  now(): number;
  /** A uniform number in [0, 1) from the kernel's seeded PRNG. */
  random(): number;
  /** A uniform integer in [0, maxExclusive), maxExclusive up to 2^53. */
  randomInt(maxExclusive: number): number;
  /** The current pressure level (the forced one, if any). */
  pressureLevel(): PressureLevel;
  /** Forces a level (tests); `null` follows real free memory again. Observers hear about the change at once. */
  forcePressure(level: PressureLevel | null): void;
  /** Observes level changes. Dispose the result to stop. */
  onPressureChange(cb: (level: PressureLevel) => void): Disposable;
  /** How many times each Zircon syscall was made on this kernel's objects (see {@link Kernel.syscallCounts}). */
  syscallCounts(): ZxSyscallCounts;
  /** Runs `fn` without counting its syscalls (see {@link Kernel.uncountedSyscalls}). */
  uncountedSyscalls<T>(fn: () => T): T;
  /** Runs reclamation for the current level (see {@link Kernel.reclaim}). */
  reclaim(): ReclaimResult;
  /** @internal The next koid. */
  _newKoid(): number;
  /** @internal The kernel's state (a `KernelState`, read through `internals`). */
  readonly _internal: object;
}
