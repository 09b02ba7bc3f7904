import type { LinuxCallResult, LinuxOp } from '@memsim/linux-probe';
import { PROBE_WINDOW_BASE, PROBE_WINDOW_SIZE } from '@memsim/linux-probe';
import { Advice, ErrnoError, MapFlags, MemoryManager, MlockFlags, MremapFlags, MsyncFlags, PageCategory, PagemapScanFlag, Prot, type AnonBackingDesign, type KernelProfile, type MmRlimits } from '@memsim/starnix-mm';
import { zirconAnonView } from './zircon-anon.js';
import {
  UffdCopyMode,
  UffdError,
  UffdFeature,
  UffdIoctl,
  UffdMoveMode,
  UffdOpenFlag,
  UffdPagefaultFlag,
  UffdRegisterMode,
  UffdWriteProtectMode,
  type UffdMessage,
  type UffdTask,
  type UffdFile,
} from '@memsim/userspace-swap';
import { Kernel } from '@memsim/zircon-objects';
import { fnv1a64, fromHex, toHex } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import type { Step } from '../scenario/types.js';
import { onNextTurn } from '../engine/turn.js';

const BASE = Number(PROBE_WINDOW_BASE);
const SIZE = Number(PROBE_WINDOW_SIZE);

type Table = Readonly<Record<string, number>>;
const PROT: Table = { ...Prot };
const MAP: Table = { ...MapFlags, ANON: MapFlags.ANONYMOUS };
const MREMAP: Table = { ...MremapFlags };
const MSYNC: Table = { ...MsyncFlags };
const MLOCKALL: Table = { CURRENT: MlockFlags.CURRENT, FUTURE: MlockFlags.FUTURE, ONFAULT: MlockFlags.ONFAULT };
const PM_CATEGORY: Table = { ...PageCategory };
const PM_SCAN: Table = { ...PagemapScanFlag };
// The kernel's numbers for advice starnix-mm does not name (it rejects them as Linux would, with EINVAL).
const ADVICE: Table = { ...Advice, COLLAPSE: 25, GUARD_INSTALL: 102, GUARD_REMOVE: 103, HWPOISON: 100, SOFT_OFFLINE: 101 };

const UFFD_OPEN: Table = { CLOEXEC: UffdOpenFlag.O_CLOEXEC, NONBLOCK: UffdOpenFlag.O_NONBLOCK, USER_MODE_ONLY: UffdOpenFlag.USER_MODE_ONLY };
const UFFD_FEATURE: Table = { ...UffdFeature };
const UFFD_REGISTER: Table = { ...UffdRegisterMode };
const UFFD_COPY: Table = { ...UffdCopyMode };
const UFFD_WP: Table = { ...UffdWriteProtectMode };
const UFFD_ZERO: Table = { DONTWAKE: UffdCopyMode.DONTWAKE };
const UFFD_MOVE: Table = { ...UffdMoveMode };

/** Where `map_count_fill` puts its VMAs, as the probe does: outside the window. */
const FILL_AREA = 0x3000_0000_0000;

/**
 * The probe's `map_count_fill` on the model: single pages of alternating protections (they never merge) at
 * FILL_AREA until the address space has `below` VMAs fewer than the profile's vm.max_map_count, made as the probe
 * makes them (one MAP_FIXED_NOREPLACE mapping split by mprotect: a second fill is EEXIST). Returns the VMA count
 * relative to the limit, as `map_count` does.
 */
function fillMapCount(mm: MemoryManager, below: number): number {
  const limit = mm.profile.maxMapCount;
  if (!Number.isSafeInteger(below) || below < 0 || below > limit) throw new ErrnoError('EINVAL', `map_count_fill below ${below}`);
  const n = limit - below - mm.vmaCount;
  if (n > 0) {
    mm.mmap(FILL_AREA, n * 4096, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
    for (let i = 1; i < n; i += 2) mm.mprotect(FILL_AREA + i * 4096, 4096, Prot.NONE);
  }
  return mm.vmaCount - limit;
}

/** Whether a scenario fills the address space to vm.max_map_count (its model then validates at each `maps` only). */
export function fillsMapCount(steps: readonly Step[]): boolean {
  return steps.some((s) => s.kind === 'linux' && s.call === 'map_count_fill');
}

/** Ops the model does not implement yet: a scenario using one is skipped on the model, with this reason. */
const UNMODELLED: ReadonlySet<string> = new Set(['smaps', 'heap_maps']);

/** Why Linux scenarios cannot run on the model here, or undefined. */
export function linuxModelUnavailable(): string | undefined {
  return undefined;
}

/** Ops only the model answers (they show its Zircon side): a scenario using one is skipped on the live kernel. */
const MODEL_ONLY: ReadonlySet<string> = new Set(['zircon_anon']);

/** Why this scenario cannot run on the live kernel (it looks at the model's Zircon side), or undefined. */
export function linuxProbeSkip(steps: readonly Step[]): string | undefined {
  for (const s of steps) {
    if (s.kind === 'linux' && MODEL_ONLY.has(s.call)) return `'${s.call}' shows the model's Zircon objects; Linux has none`;
  }
  return undefined;
}

/** Why this scenario cannot run on the model (an op starnix-mm does not model yet), or undefined. */
export function linuxModelSkip(steps: readonly Step[]): string | undefined {
  for (const s of steps) {
    if (s.kind === 'linux' && UNMODELLED.has(s.call)) return `model: '${s.call}' is not modelled yet`;
  }
  return undefined;
}

function flags(v: unknown, table: Table): bigint {
  if (v === undefined || v === null) return 0n;
  let out = 0n;
  for (const x of Array.isArray(v) ? v : [v]) {
    if (typeof x === 'string') {
      const n = table[x];
      if (n === undefined) throw new ConformanceError('BAD_ARGUMENT', `unknown flag '${x}'`);
      out |= BigInt(n);
    } else out |= BigInt.asUintN(64, BigInt(x as number | bigint));
  }
  return out;
}

function addr(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'object' && 'abs' in v) return BigInt.asUintN(64, BigInt((v as { abs: number | bigint | string }).abs));
  return BigInt.asUintN(64, BigInt(BASE) + BigInt(v as number | bigint));
}

function int(v: unknown): bigint {
  return BigInt.asUintN(64, BigInt((v ?? 0) as number | bigint));
}

/** An address as the probe reports it: window-relative inside the window (end included), else `{abs}`. */
function rel(a: number): number | { abs: string } {
  return a >= BASE && a <= BASE + SIZE ? a - BASE : { abs: `0x${a.toString(16)}` };
}

function bytesOf(op: Record<string, unknown>): Uint8Array {
  if (typeof op['data'] === 'string') return fromHex(op['data']);
  return new Uint8Array(Number(op['length'] ?? 0)).fill(Number(op['fill'] ?? 0));
}

/** A `thread:` step's task: pending until its async op settles. */
interface ThreadState {
  done: boolean;
  result?: LinuxCallResult;
  /** An unexpected exception of the op (a model bug, not an errno): `join` rethrows it so the case fails loudly. */
  error?: Error;
}

/** A failed system call as the probe reports it. */
function caught(e: unknown): LinuxCallResult {
  if (e instanceof ErrnoError) return { ok: false, errno: e.code };
  if (e instanceof UffdError) return { ok: false, errno: e.code };
  throw e;
}

/**
 * A userfaultfd fill (copy, zeropage, move) as the probe reports it: on failure the ioctl's result field too, as
 * `done` (0 where Linux fails before writing it, the value the probe puts there).
 */
function filled(fill: () => number): LinuxCallResult {
  try {
    return { ok: true, value: fill() };
  } catch (e) {
    if (e instanceof UffdError) return { ok: false, errno: e.code, done: e.field ?? 0 };
    throw e;
  }
}

/** The ioctl bits a uffd reports, as the probe names them (in bit order). */
function ioctlNames(bits: bigint): string[] {
  return Object.entries(UffdIoctl)
    .filter(([, bit]) => ((bits >> BigInt(bit)) & 1n) !== 0n)
    .sort((a, b) => a[1] - b[1])
    .map(([n]) => n);
}

/** The names of the set bits of a mask whose table holds single-bit values, lowest bit first. */
function bitNames(bits: bigint, table: Table): string[] {
  return Object.entries(table)
    .filter(([, bit]) => bit !== 0 && (bits & BigInt(bit)) !== 0n)
    .sort((a, b) => a[1] - b[1])
    .map(([n]) => n);
}

/** One scenario's model state: a kernel, processes by name, fds by name. */
export class ModelLinux {
  readonly kernel = new Kernel({ seed: 1 });
  readonly procs = new Map<string, MemoryManager>();
  readonly fds = new Map<string, number>();
  readonly inodes = new Map<string, number>();
  readonly #uffds = new Map<string, UffdFile>();
  /** Threads by `process/thread`; their ops run as pending tasks. */
  readonly #threads = new Map<string, ThreadState>();
  /** The scenario name of each task id (PAGEFAULT messages carry ids). */
  readonly #tidNames = new Map<number, string>();
  #forkFds = 0;
  /** Ops run so far, and the last one after which the event loop had a turn (see `run`). */
  #calls = 0;
  #turned = 0;

  /** Whether every call is validated (true), or the invariants are checked at each `maps` only ('checkpoints'). */
  readonly #validate: boolean | 'checkpoints';

  /**
   * `profile`: the kernel build the model follows (the detected host's in differential runs; default the model's).
   * `validate`: true checks starnix-mm's invariants after every call; 'checkpoints' only at each `maps` step, for
   * scenarios that fill the address space to vm.max_map_count (see {@link fillsMapCount}), where one check costs
   * O(VMAs) and tens of thousands of VMAs would make every call slow.
   */
  constructor(profile?: KernelProfile, anonBacking?: AnonBackingDesign, validate: boolean | 'checkpoints' = true) {
    this.#validate = validate;
    // The probe runs as root here (CAP_IPC_LOCK) with the distribution's 8 MiB RLIMIT_MEMLOCK. Every call is
    // followed by starnix-mm's validate() (issue 24): a broken invariant or a failed all-or-nothing call that
    // changed something throws MmInvariantError, which a run reports and --fuzz records as a divergence.
    // A browser (the playground) has no user to ask: it models the probe's usual run as root.
    const root = typeof process === 'undefined' || (typeof process.geteuid === 'function' && process.geteuid() === 0);
    this.procs.set('parent', MemoryManager.create(this.kernel, { capIpcLock: root, rlimits: { MEMLOCK: { cur: 8 << 20, max: 8 << 20 } }, validate: validate === true, ...(anonBacking ? { anonymousBacking: anonBacking } : {}), ...(profile ? { profile } : {}) }));
  }

  fd(v: unknown): number {
    if (typeof v === 'string') return this.fds.get(v) ?? 1000;
    return Number(v ?? -1);
  }

  run(op: LinuxOp): LinuxCallResult {
    const proc = op.in ?? 'parent';
    const mm = this.procs.get(proc);
    if (!mm) throw new ConformanceError('BAD_ARGUMENT', `no process '${op.in}' (fork it first)`);
    const o = op as unknown as Record<string, unknown> & { op: string };
    const call = ++this.#calls;
    // Once threads exist, note when the event loop has had a turn after this call (their tasks settled as far as
    // they can); `join` and `wait_blocked` need that to tell a blocked thread from one not yet run.
    if (this.#threads.size > 0 || typeof o['thread'] === 'string') {
      onNextTurn(() => {
        this.#turned = Math.max(this.#turned, call);
      });
    }
    // `join` and `wait_blocked` name the thread they wait for; they run on the main thread themselves.
    if (typeof o['thread'] === 'string' && o.op !== 'join' && o.op !== 'wait_blocked') return this.#start(proc, mm, o, o['thread']);
    let r: LinuxCallResult;
    try {
      r = this.#exec(mm, o, proc);
    } catch (e) {
      r = caught(e);
    }
    // A broken invariant throws MmInvariantError, which fails the case (as it does after a call when validating).
    if (this.#validate === 'checkpoints' && o.op === 'maps') for (const [name, p] of this.procs) p.validate(`validate() of ${name}`);
    return r;
  }

  /**
   * Starts the op on a named thread: the async variant runs as a pending task, which a later `join` collects. The
   * task's events and faults are raised before this returns (nothing else runs meanwhile), as on Linux.
   */
  #start(proc: string, mm: MemoryManager, o: Record<string, unknown> & { op: string }, thread: string): LinuxCallResult {
    const key = `${proc}/${thread}`;
    const prev = this.#threads.get(key);
    if (prev !== undefined && !prev.done) throw new ConformanceError('BAD_ARGUMENT', `thread '${thread}' is still running (join it first)`);
    // tids start at 2: 0 is "no THREAD_ID" in PAGEFAULT messages, 1 the main thread.
    const tid = this.#tidNames.size + 2;
    this.#tidNames.set(tid, proc === 'parent' ? thread : key);
    const state: ThreadState = { done: false };
    this.#threads.set(key, state);
    const settle = (r: LinuxCallResult): void => {
      state.done = true;
      state.result = r;
    };
    this.#execAsync(mm, o, { tid }, proc).then(settle, (e: unknown) => {
      state.done = true;
      state.error = e instanceof Error ? e : new Error(String(e));
    });
    return { ok: true, value: 'started' };
  }

  async #execAsync(mm: MemoryManager, o: Record<string, unknown> & { op: string }, task: UffdTask, proc: string): Promise<LinuxCallResult> {
    const ok = (value: unknown): LinuxCallResult => ({ ok: true, value }) as LinuxCallResult;
    const len = o['length'] as number;
    try {
      switch (o.op) {
        case 'read':
        case 'hash': {
          const r = await mm.readAsync(task, addr(o['addr']), int(len));
          if (!r.ok) return this.#fault(r);
          const d = r.data ?? new Uint8Array();
          return ok(o.op === 'read' ? toHex(d) : fnv1a64(d));
        }
        case 'write': {
          const data = bytesOf(o);
          const r = await mm.writeAsync(task, addr(o['addr']), data);
          return r.ok ? ok(data.length) : this.#fault(r);
        }
        case 'exec': {
          const r = await mm.executeAsync(task, addr(o['addr']));
          return r.ok ? ok(0) : this.#fault(r);
        }
        case 'munmap':
          return ok(await mm.munmapAsync(task, addr(o['addr']), int(len)));
        case 'madvise':
          return ok(await mm.madviseAsync(task, addr(o['addr']), int(len), flags(o['advice'], ADVICE)));
        case 'mremap': {
          const na = o['new_address'] === undefined || o['new_address'] === null ? 0n : addr(o['new_address']);
          return ok(rel(await mm.mremapAsync(task, addr(o['old_address']), int(o['old_size']), int(o['new_size']), flags(o['flags'], MREMAP), na)));
        }
        case 'mmap':
          return ok(rel(await mm.mmapAsync(task, addr(o['addr']), int(len), flags(o['prot'], PROT), flags(o['flags'], MAP), this.fd(o['fd']), int(o['offset']))));
        case 'fork': {
          const name = typeof o['child'] === 'string' ? o['child'] : 'child';
          this.procs.set(name, await mm.forkAsync(task));
          return ok(name);
        }
        default:
          return this.#exec(mm, o, proc);
      }
    } catch (e) {
      return caught(e);
    }
  }

  #uffd(v: unknown): { name: string; fd: UffdFile } {
    const name = typeof v === 'string' ? v : 'uffd';
    const fd = this.#uffds.get(name);
    if (fd === undefined) throw new ErrnoError('EBADF', `no userfaultfd named '${name}'`);
    return { name, fd };
  }

  #thread(proc: string, v: unknown): ThreadState {
    const t = this.#threads.get(`${proc}/${String(v)}`);
    if (t === undefined) throw new ConformanceError('BAD_ARGUMENT', `no thread '${String(v)}' in '${proc}'`);
    // Stepped without yielding to the event loop (a synchronous session), threads' tasks never run, so their state
    // would be a guess: refuse rather than report a blocked thread that would have finished.
    if (this.#turned < this.#calls - 1) throw new ConformanceError('NOT_MODELLED', 'threads are not modelled');
    return t;
  }

  /** A uffd message in the probe's form (addresses window-relative, flags and threads by name). */
  #event(from: string, m: UffdMessage): Record<string, unknown> {
    switch (m.event) {
      case 'PAGEFAULT':
        return {
          event: m.event,
          flags: Object.entries(UffdPagefaultFlag)
            .filter(([, bit]) => (m.flags & bit) !== 0)
            .map(([n]) => n),
          address: rel(m.address),
          ptid: m.ptid === 0 ? 0 : (this.#tidNames.get(m.ptid) ?? m.ptid),
        };
      case 'FORK': {
        const name = `${from}.fork${++this.#forkFds}`;
        this.#uffds.set(name, m.child);
        return { event: m.event, ufd: name };
      }
      case 'REMAP':
        return { event: m.event, from: rel(m.from), to: rel(m.to), len: m.len };
      default:
        return { event: m.event, start: rel(m.start), end: rel(m.end) };
    }
  }

  #uffdOp(mm: MemoryManager, o: Record<string, unknown> & { op: string }, proc: string): LinuxCallResult {
    const ok = (value: unknown): LinuxCallResult => ({ ok: true, value }) as LinuxCallResult;
    const start = (): number => Number(addr(o['addr']));
    const length = (): number => Number(int(o['length']));
    switch (o.op) {
      case 'uffd_create': {
        const name = typeof o['name'] === 'string' ? o['name'] : 'uffd';
        const openFlags = o['flags'] === undefined ? UffdOpenFlag.O_CLOEXEC : Number(flags(o['flags'], UFFD_OPEN));
        this.#uffds.set(name, mm.userfaultfd({ flags: openFlags }));
        return ok(name);
      }
      case 'uffd_api': {
        const r = this.#uffd(o['uffd']).fd.api(o['api'] === undefined ? 0xaa : Number(o['api']), Number(flags(o['features'], UFFD_FEATURE)));
        return ok({ features: bitNames(BigInt(r.features), UFFD_FEATURE), ioctls: ioctlNames(r.ioctls) });
      }
      case 'uffd_register':
        return ok({ ioctls: ioctlNames(this.#uffd(o['uffd']).fd.registerRange(start(), length(), Number(flags(o['mode'], UFFD_REGISTER)))) });
      case 'uffd_unregister':
        this.#uffd(o['uffd']).fd.unregisterRange(start(), length());
        return ok(0);
      case 'uffd_copy': {
        const src = o['src'] !== undefined ? this.#srcBytes(mm, o) : bytesOf(o);
        const { fd } = this.#uffd(o['uffd']);
        return filled(() => fd.copyToRange(start(), src.length, src, Number(flags(o['mode'], UFFD_COPY))));
      }
      case 'uffd_zeropage': {
        const { fd } = this.#uffd(o['uffd']);
        return filled(() => fd.zeroRange(start(), length(), Number(flags(o['mode'], UFFD_ZERO))));
      }
      case 'uffd_move': {
        const { fd } = this.#uffd(o['uffd']);
        return filled(() => fd.move(start(), Number(addr(o['src'])), length(), Number(flags(o['mode'], UFFD_MOVE))));
      }
      case 'uffd_wake':
        this.#uffd(o['uffd']).fd.wakeRange(start(), length());
        return ok(0);
      case 'uffd_writeprotect':
        this.#uffd(o['uffd']).fd.writeProtect(start(), length(), Number(flags(o['mode'], UFFD_WP)));
        return ok(0);
      case 'uffd_read': {
        const { name, fd } = this.#uffd(o['uffd']);
        const max = o['count'] === undefined ? Infinity : Number(o['count']);
        const out: Record<string, unknown>[] = [];
        while (out.length < max) {
          const m = fd.read();
          if (m === null) break;
          out.push(this.#event(name, m));
        }
        return ok(out);
      }
      case 'poll': {
        const { fd } = this.#uffd(o['uffd']);
        // Linux: a blocking userfaultfd polls as POLLERR only.
        if ((fd.flags & UffdOpenFlag.O_NONBLOCK) === 0) return ok(['POLLERR']);
        return ok(fd.readable ? ['POLLIN'] : []);
      }
      case 'join': {
        const t = this.#thread(proc, o['thread']);
        if (!t.done) return ok({ done: false });
        if (t.error !== undefined) throw t.error;
        return ok({ done: true, result: t.result });
      }
      case 'wait_blocked':
        // The probe reports the kernel function the thread sleeps in; the model can only say it is blocked.
        return ok(this.#thread(proc, o['thread']).done ? 'done' : 'blocked');
      case 'sleep':
        return ok(0);
      default:
        throw new ConformanceError('NOT_MODELLED', `'${o.op}' is not modelled by starnix-mm yet`);
    }
  }

  #srcBytes(mm: MemoryManager, o: Record<string, unknown>): Uint8Array {
    const r = mm.read(addr(o['src']), int(o['length']));
    if (!r.ok) throw new ErrnoError('EFAULT', 'UFFDIO_COPY source is not readable');
    return r.data ?? new Uint8Array();
  }

  #fault(r: { ok: false; fault: { signal: string; code: string; address: number; done: number } }): LinuxCallResult {
    return { ok: false, signal: r.fault.signal, code: r.fault.code, fault_addr: rel(r.fault.address), done: r.fault.done };
  }

  #exec(mm: MemoryManager, o: Record<string, unknown> & { op: string }, proc: string): LinuxCallResult {
    const ok = (value: unknown): LinuxCallResult => ({ ok: true, value }) as LinuxCallResult;
    const len = o['length'] as number;
    switch (o.op) {
      case 'mmap':
        return ok(rel(mm.mmap(addr(o['addr']), int(o['length']), flags(o['prot'], PROT), flags(o['flags'], MAP), this.fd(o['fd']), int(o['offset']))));
      case 'munmap':
        return ok(mm.munmap(addr(o['addr']), int(len)));
      case 'mprotect':
        return ok(mm.mprotect(addr(o['addr']), int(len), flags(o['prot'], PROT)));
      case 'madvise':
        return ok(mm.madvise(addr(o['addr']), int(len), flags(o['advice'], ADVICE)));
      case 'mlock':
        return ok(mm.mlock(addr(o['addr']), int(len)));
      case 'munlock':
        return ok(mm.munlock(addr(o['addr']), int(len)));
      case 'mlock2':
        return ok(mm.mlock2(addr(o['addr']), int(len), flags(o['flags'], { ONFAULT: 1 })));
      case 'mseal':
        return ok(mm.mseal(addr(o['addr']), int(len), flags(o['flags'], {})));
      case 'mlockall':
        return ok(mm.mlockall(flags(o['flags'], MLOCKALL)));
      case 'munlockall':
        return ok(mm.munlockall());
      case 'msync':
        return ok(mm.msync(addr(o['addr']), int(len), flags(o['flags'], MSYNC)));
      case 'mincore':
        return ok([...mm.mincore(addr(o['addr']), int(len))]);
      case 'pagemap': {
        // As the probe reads it: bits 55-63 of each page's entry; EINVAL for no page or more than the window.
        const a = addr(o['addr']);
        const n = int(len);
        const first = a - (a % 4096n);
        const pages = (a + n - first + 4095n) / 4096n;
        if (n === 0n || pages > BigInt(SIZE / 4096)) throw new ErrnoError('EINVAL', 'pagemap: no page, or more than the window');
        return ok([...mm.pagemap(first, pages)].map((e) => Number(e >> 55n)));
      }
      case 'pagemap_scan': {
        // struct pm_scan_arg's fields; vec_len defaults to the probe's 512 regions. Huge counts stay huge (a mask
        // past 2^53 is as invalid as the kernel finds it; max_pages that large is no limit).
        const n = (v: unknown): number => Number(int(v));
        const max = int(o['max_pages']);
        const r = mm.pagemapScan({
          start: addr(o['start']),
          end: addr(o['end']),
          flags: n(flags(o['flags'], PM_SCAN)),
          vecLen: o['vec_len'] === undefined ? 512 : n(o['vec_len']),
          maxPages: max > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(max),
          categoryInverted: n(flags(o['category_inverted'], PM_CATEGORY)),
          categoryMask: n(flags(o['category_mask'], PM_CATEGORY)),
          categoryAnyofMask: n(flags(o['category_anyof_mask'], PM_CATEGORY)),
          returnMask: n(flags(o['return_mask'], PM_CATEGORY)),
        });
        return ok({ regions: r.regions.map((g) => ({ start: rel(g.start), end: rel(g.end), categories: g.categories })), walk_end: rel(r.walkEnd) });
      }
      case 'clear_refs':
        // The probe writes the value as signed decimal text.
        mm.clearRefs(BigInt.asIntN(64, int(o['value'])));
        return ok(0);
      case 'mremap': {
        const na = o['new_address'] === undefined || o['new_address'] === null ? 0n : addr(o['new_address']);
        return ok(rel(mm.mremap(addr(o['old_address']), int(o['old_size']), int(o['new_size']), flags(o['flags'], MREMAP), na)));
      }
      case 'brk': {
        const target = o['addr'] === undefined || o['addr'] === null ? 0n : BigInt(mm.startBrk) + BigInt(o['addr'] as number);
        return ok(mm.brk(target < 0n ? 0n : target) - mm.startBrk);
      }
      case 'prctl_set_vma_anon_name':
        return ok(mm.setVmaAnonName(addr(o['addr']), int(len), (o['name'] as string | null) ?? null));
      case 'setrlimit': {
        const lim = (v: unknown): number => (v === 'INFINITY' ? Infinity : Number(v));
        const cur = lim(o['cur']);
        mm.setrlimit(o['resource'] as keyof MmRlimits, cur, o['max'] === undefined ? cur : lim(o['max']));
        return ok(0);
      }
      case 'getrlimit': {
        const r = mm.getrlimit(o['resource'] as keyof MmRlimits);
        const f = (v: number): number | 'INFINITY' => (v === Infinity ? 'INFINITY' : v);
        return ok({ cur: f(r.cur), max: f(r.max) });
      }
      case 'read':
      case 'hash': {
        const r = mm.read(addr(o['addr']), int(len));
        if (!r.ok) return this.#fault(r);
        const d = r.data ?? new Uint8Array();
        return ok(o.op === 'read' ? toHex(d) : fnv1a64(d));
      }
      case 'write': {
        const data = bytesOf(o);
        const r = mm.write(addr(o['addr']), data);
        return r.ok ? ok(data.length) : this.#fault(r);
      }
      case 'exec': {
        const r = mm.execute(addr(o['addr']));
        return r.ok ? ok(0) : this.#fault(r);
      }
      case 'process_vm_readv':
      case 'kernel_read': {
        const d = mm.kernelRead(addr(o['addr']), int(len), o.op === 'kernel_read' ? 'pipe' : 'byte');
        return { ok: true, value: d.length, data: toHex(d) };
      }
      case 'process_vm_writev':
      case 'kernel_write':
        return ok(mm.kernelWrite(addr(o['addr']), bytesOf(o), o.op === 'kernel_write' ? 'pipe' : 'byte'));
      case 'proc_mem_read': {
        const d = mm.procMemRead(addr(o['addr']), int(len));
        return { ok: true, value: d.length, data: toHex(d) };
      }
      case 'proc_mem_write':
        return ok(mm.procMemWrite(addr(o['addr']), bytesOf(o)));
      case 'maps':
        return ok(this.#maps(mm));
      case 'map_count':
        return ok(mm.vmaCount - mm.profile.maxMapCount);
      case 'map_count_fill':
        return ok(fillMapCount(mm, Number(o['below'])));
      case 'zircon_anon':
        // A look at the model's Zircon objects, not a call Starnix makes: its Zircon calls are not counted.
        return ok(mm.kernel.uncountedSyscalls(() => zirconAnonView(mm, BASE, SIZE)));
      case 'smaps':
        // Modelled, but not yet in the probe's window-normalised form: the runner still skips it (UNMODELLED).
        return ok(mm.smaps());
      case 'memfd_create': {
        const name = String(o['name']);
        const fd = mm.memfdCreate(name, 0);
        const desc = mm.fd(fd);
        desc.file.truncate(Number(o['size'] ?? 0));
        this.fds.set(name, fd);
        this.inodes.set(desc.file.path, this.inodes.size + 1);
        return ok(name);
      }
      case 'open': {
        const fd = mm.open(mm.fd(this.fd(o['file'])).file, (typeof o['mode'] === 'string' ? o['mode'] : 'RDWR') as 'RDWR');
        this.fds.set(String(o['as']), fd);
        return ok(o['as']);
      }
      case 'close':
        if (typeof o['fd'] === 'string' && this.#uffds.has(o['fd'])) {
          this.#uffds.get(o['fd'])?.close();
          this.#uffds.delete(o['fd']);
          return ok(0);
        }
        mm.close(this.fd(o['fd']));
        return ok(0);
      case 'ftruncate':
        mm.ftruncate(this.fd(o['fd']), int(o['size']));
        return ok(0);
      case 'pwrite':
        return ok(mm.fd(this.fd(o['fd'])).file.pwrite(bytesOf(o), Number(o['offset'] ?? 0)));
      case 'pread':
        return ok(toHex(mm.fd(this.fd(o['fd'])).file.pread(Number(o['length']), Number(o['offset'] ?? 0))));
      case 'fork': {
        const name = typeof o['child'] === 'string' ? o['child'] : 'child';
        this.procs.set(name, mm.fork());
        return ok(name);
      }
      default:
        return this.#uffdOp(mm, o, proc);
    }
  }

  /** The maps lines intersecting the window, normalised the way the probe normalises them. */
  #maps(mm: MemoryManager): string[] {
    const out: string[] = [];
    for (const line of mm.maps().split('\n')) {
      // Lines away from the window are skipped before the full parse (an address space filled to vm.max_map_count
      // has tens of thousands).
      const dash = line.indexOf('-');
      if (parseInt(line.slice(dash + 1, line.indexOf(' ', dash)), 16) <= BASE || parseInt(line.slice(0, dash), 16) >= BASE + SIZE) continue;
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+) *(.*)$/.exec(line);
      if (!m) continue;
      const s = parseInt(m[1], 16);
      const e = parseInt(m[2], 16);
      if (!(e > BASE && s < BASE + SIZE)) continue;
      const inside = s >= BASE && e <= BASE + SIZE;
      const name = m[7] ?? '';
      const ino = name.startsWith('/memfd:') ? (this.inodes.get(name) ?? 0) : 0;
      let l = `${inside ? '' : '!'}${(inside ? s - BASE : s).toString(16).padStart(8, '0')}-${(inside ? e - BASE : e).toString(16).padStart(8, '0')} ${m[3]} ${m[4]} 00:00 ${ino} `;
      // The kernel pads the name to column 73; a '!' prefix shifts everything by one.
      if (name) l = `${l.padEnd(inside ? 72 : 73, ' ')} ${name}`;
      out.push(l);
    }
    return out;
  }
}
