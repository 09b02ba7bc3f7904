/**
 * Helpers the memory manager's modules share: argument checks and conversions, option and rlimit validation,
 * page arithmetic.
 */
import { type SysInt } from '../abi/args.js';
import { checkAnonBacking } from './anon-backing/design.js';
import { PAGE, VM } from '../abi/constants.js';
import { fail } from '../errno/errno.js';
import { MemFile } from '../files/mem-file.js';
import { parseKernelProfile } from '../profile/kernel-profile.js';
import { type Vma } from '../vma/vma.js';
import { type MemoryManagerOptions, type MmRlimits, type Rlimit } from './types.js';
import { type UffdTask } from '@memsim/userspace-swap';

export const U64MAX = (1n << 64n) - 1n;

export const INF = Number.POSITIVE_INFINITY;

export const LOCK_MASK = VM.LOCKED | VM.LOCKONFAULT;

/** The task sync calls report events with (they never wait, see UffdWouldBlockError). */
export const SYNC_TASK: UffdTask = Object.freeze({ tid: 0 });

/** A task is an object with a non-negative integer thread id (PAGEFAULT messages report it). */
export function checkTask(task: UffdTask): void {
  if (typeof task !== 'object' || task === null || !Number.isSafeInteger(task.tid) || task.tid < 0) fail('EINVAL', 'task must be { tid: non-negative integer }');
}

export function defaultLimits(): MmRlimits {
  return {
    AS: { cur: INF, max: INF },
    DATA: { cur: INF, max: INF },
    STACK: { cur: 8 << 20, max: INF },
    MEMLOCK: { cur: 8 << 20, max: 8 << 20 },
  };
}

export const RLIM_INFINITY = (1n << 64n) - 1n;

/**
 * One rlimit value as the model stores it: a non-negative safe integer or Infinity. A bigint is taken as the
 * kernel's rlim_t (2^64-1 is RLIM_INFINITY); values the model cannot hold exactly are refused rather than rounded.
 */
export function rlimValue(v: unknown, what: string): number {
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
export function rlimPair(cur: unknown, max: unknown, what: string): Rlimit {
  const c = rlimValue(cur, `${what} cur`);
  const m = rlimValue(max, `${what} max`);
  if (c > m) fail('EINVAL', `${what} cur above max`);
  return { cur: c, max: m };
}

/** Only own keys name a limit: `'toString' in rlimits` is true but is no resource. */
export function isResource(r: unknown): r is keyof MmRlimits {
  return typeof r === 'string' && Object.hasOwn(defaultLimits(), r);
}

/** A description must hold a MemFile and its two access bits, or mmap of the fd would fail deep inside. */
export function checkDescription(desc: unknown, what: string): void {
  if (desc === null || typeof desc !== 'object') throw new TypeError(`${what}: description must be an object`);
  const d = desc as Record<string, unknown>;
  if (!(d.file instanceof MemFile)) throw new TypeError(`${what}: file must be a MemFile`);
  if (typeof d.readable !== 'boolean' || typeof d.writable !== 'boolean') throw new TypeError(`${what}: readable and writable must be booleans`);
}

/**
 * Checks options before anything is built, so a bad one fails with a message naming it instead of leaving a
 * half-made process or NaN addresses behind.
 */
export function checkOptions(options: unknown): MemoryManagerOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const o = { ...(options as Record<string, unknown>) };
  if (o.layout !== undefined && o.layout !== 'full' && o.layout !== 'lower-half') throw new TypeError("options.layout must be 'full' or 'lower-half'");
  for (const k of ['aslr', 'capIpcLock', 'stack', 'validate']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`options.${k} must be a boolean`);
  if (o.name !== undefined && typeof o.name !== 'string') throw new TypeError('options.name must be a string');
  if (o.profile !== undefined) o.profile = parseKernelProfile(o.profile);
  if (o.anonymousBacking !== undefined) o.anonymousBacking = checkAnonBacking(o.anonymousBacking);
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
export function sliceVma(v: Vma, start: number, end: number): Vma {
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

export const pageDown = (a: number): number => a - (a % PAGE);

/** Below this, sums of two arguments (and their page roundings) stay exact in doubles. */
export const SMALL_ARG = 2 ** 48;

/**
 * An argument that is a plain non-negative integer below 2^48: the system calls check it with number arithmetic,
 * which gives the same results as the 64-bit (bigint) checks on such values without their allocations.
 */
export const isSmall = (v: SysInt): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < SMALL_ARG;

/** The low 32 bits of a small argument (an `int` flags or prot argument), as u32() gives them. */
export const low32 = (v: number): number => v >>> 0;

/** Whether a small argument is page-aligned (the low bits survive the 32-bit conversion of `&`). */
export const smallAligned = (v: number): boolean => (v & (PAGE - 1)) === 0;

export const pageUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;

export const isAligned = (b: bigint): boolean => (b & 4095n) === 0n;

export const pageAlignBig = (b: bigint): bigint => (b + 4095n) & ~4095n & U64MAX;
