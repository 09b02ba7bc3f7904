import { Kernel } from '@memsim/zircon-objects';
import { ErrnoError, MapFlags, MemFile, MemoryManager, MremapFlags, type AnonBackingDesign, type MemoryManagerOptions } from '@memsim/starnix-mm';
import { CliError } from '../cli/errors.js';
import { parseMapsLine, type FileRecord, type MapsLine, type SnapRecord, type SysRecord, type Trace } from './format.js';

/** The memory-management calls a trace's `sys` records carry that replay compares (the others are bookkeeping). */
export const MM_CALLS: ReadonlySet<string> = new Set([
  'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'brk', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall',
  'msync', 'mincore', 'pkey_mprotect', 'prctl', 'shmat', 'shmdt', 'remap_file_pages', 'process_madvise',
  'map_shadow_stack', 'mseal',
]);

/** Kernel-installed mappings with no file (named by the kernel, not by prctl): the model names them [anon:...]. */
const SPECIAL = new Set(['[vvar]', '[vvar_vclock]', '[vdso]', '[uprobes]', '[sigpage]']);

/** Memory calls in a trace (what --at counts). */
export function callCount(t: Trace): number {
  return memoryCalls(t).length;
}

/** The trace's memory calls, in order (the ones replay counts). */
export function memoryCalls(t: Trace): SysRecord[] {
  return t.events.filter((e): e is SysRecord => e.kind === 'sys' && MM_CALLS.has(e.name) && (e.name !== 'prctl' || e.args[1] === 0n));
}

/** One compared call. */
export interface CallOutcome {
  /** 1-based index among the trace's memory calls. */
  readonly index: number;
  readonly line: number;
  readonly pid: number;
  /** The call as written (`mmap(0x0, 0x2000, 0x3, 0x22, -1, 0x0)`). */
  readonly call: string;
  /** Recorded result: a value, or an errno name. */
  readonly linux: string;
  /** The model's result. */
  readonly model: string;
  readonly agree: boolean;
  /** Why the model could not run it (not modelled), when so. */
  readonly note?: string;
}

/** The final-maps comparison of one process. */
export interface MapsOutcome {
  readonly pid: number;
  readonly exe: string;
  /** Recorded VMAs compared (the kernel's [vsyscall] page above the user range is not counted). */
  readonly vmas: number;
  readonly agreeing: number;
  /** Lines only Linux had (`-`) or only the model had (`+`), in address order. */
  readonly diff: readonly string[];
  /** smaps_rollup totals at exit, kB. */
  readonly rollup?: Readonly<Record<string, number>>;
  /** Resident pages at exit: on Linux (pagemap), in the model after the same pages were touched. */
  readonly residentPages?: { readonly linux: number; readonly model: number; readonly notReproduced: number };
}

/** Per-process summary. */
export interface ProcessOutcome {
  readonly pid: number;
  readonly exe: string;
  calls: number;
  agreeing: number;
  /** This image ended in an execve (it has no exit snapshot of its own). */
  execd?: boolean;
  /** Set once the process's exit snapshot was compared. */
  maps?: MapsOutcome;
}

/** What a replay found. */
export interface ReplayReport {
  readonly kernel: string;
  readonly calls: number;
  readonly agreeing: number;
  readonly vmas: number;
  readonly vmasAgreeing: number;
  readonly processes: readonly ProcessOutcome[];
  /** Disagreeing calls, in order (all of them; printers show the first few). */
  readonly differences: readonly CallOutcome[];
  /** True when every call and every final VMA agree, and every process had a final snapshot. */
  readonly ok: boolean;
}

/**
 * Where replay would take a kernel profile (sysctls such as overcommit or mmap_min_addr) once starnix-mm has them:
 * the options each address space is created with. Today the trace header's facts are reported, not applied.
 */
export function addressSpaceOptions(_header: Readonly<Record<string, string>>, exe: string): MemoryManagerOptions {
  return { stack: false, name: exe.split('/').at(-1) || 'linux' };
}

interface Proc {
  pid: number;
  exe: string;
  mm: MemoryManager | undefined;
  fds: Map<number, FileRecord>;
  out: ProcessOutcome;
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const int32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const ERRNO_NAMES = new Map<number, string>();

function errnoName(n: number): string {
  if (ERRNO_NAMES.size === 0) {
    for (const name of ['EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE']) {
      ERRNO_NAMES.set(ERRNO_NAMES.size + 1, name);
    }
    ERRNO_NAMES.set(38, 'ENOSYS').set(95, 'EOPNOTSUPP');
  }
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

function showResult(v: bigint, name: string): string {
  if (v < 0n && v >= -4095n) return errnoName(Number(-v));
  return name === 'mmap' || name === 'mremap' || name === 'brk' || name === 'shmat' ? hex(v) : v.toString();
}

function showCall(r: SysRecord): string {
  const args = r.args.map((a, i) => ((r.name === 'mmap' && i === 4) || (r.name === 'prctl' && i === 0) ? String(int32(a)) : hex(a)));
  return `${r.name}(${args.join(', ')}${r.text !== undefined ? `, "${r.text}"` : ''})`;
}

/** The normalized comparison key of a maps line: range, permissions, offset of file mappings, and name. */
function key(m: MapsLine): string {
  const name = /^\[anon:(.*)\]$/.exec(m.name);
  const shown = name && SPECIAL.has(`[${name[1]}]`) ? `[${name[1]}]` : m.name;
  const file = shown.startsWith('/');
  return `${hex(m.start)}-${hex(m.end)} ${m.perms} ${file ? hex(m.offset) : '0x0'} ${shown}`;
}

/** Compares recorded maps with the model's, VMA by VMA. */
export function compareMaps(recorded: readonly MapsLine[], modelText: string, taskSize: number): { vmas: number; agreeing: number; diff: string[] } {
  const linux = recorded.filter((m) => m.start < taskSize);
  const model = modelText.split('\n').filter((l) => l !== '').map((l) => parseMapsLine(l)).filter((m): m is MapsLine => m !== undefined);
  const modelKeys = new Set(model.map(key));
  const linuxKeys = new Set(linux.map(key));
  const rows: Array<[number, string]> = [];
  let agreeing = 0;
  for (const m of linux) {
    if (modelKeys.has(key(m))) agreeing++;
    else rows.push([m.start, `- ${key(m)}`]);
  }
  for (const m of model) if (!linuxKeys.has(key(m))) rows.push([m.start, `+ ${key(m)}`]);
  // By address; at one address the Linux line first.
  rows.sort((a, b) => a[0] - b[0] || (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0));
  return { vmas: linux.length, agreeing, diff: rows.map((r) => r[1]) };
}

/** The koid of an address space's anonymous VMO: what its first anonymous VMA is mapped from. */
function anonKoid(mm: MemoryManager): number | undefined {
  const anon = mm.maps().split('\n').map((l) => parseMapsLine(l)).find((m) => m !== undefined && m.inode === 0 && m.start < mm.taskSize);
  if (!anon) return undefined;
  const rec = mm.process.mapsInfo().records.find((r) => r.mapping && r.base <= anon.start && anon.start < r.base + r.size);
  return rec?.mapping?.vmoKoid;
}

/**
 * Makes the model hold the pages Linux held at exit (the trace has system calls, not page faults): a write to each
 * anonymous page (a private copy), a read of each file or shared page. A private copy in a VMA that is no longer
 * writable (RELRO after mprotect) cannot be made by a user access and is counted as not reproduced.
 */
const MAX_TOUCHED = 1 << 22;

function touchResident(mm: MemoryManager, maps: readonly MapsLine[]): { linux: number; model: number; notReproduced: number } {
  let linux = 0;
  let notReproduced = 0;
  const one = new Uint8Array(1);
  for (const m of maps) {
    for (const r of m.pages ?? []) {
      linux += r.count;
      // A bound on the work a (hand-made) trace can ask for: 16 GiB of pages per process.
      const touch = Math.min(r.count, Math.max(0, MAX_TOUCHED - linux + r.count));
      notReproduced += r.count - touch;
      for (let i = 0; i < touch; i++) {
        const at = m.start + (r.first + i) * 4096;
        try {
          if (r.kind === 'a') {
            if (m.perms[1] !== 'w') notReproduced++;
            else mm.kernelWrite(at, one);
          } else mm.kernelRead(at, 1);
        } catch (e) {
          if (!(e instanceof ErrnoError)) throw e;
          notReproduced++;
        }
      }
    }
  }
  let model = 0;
  for (const l of mm.smaps().split('\n')) {
    const x = /^Rss: +(\d+) kB$/.exec(l);
    if (x) model += Number(x[1]) / 4;
  }
  return { linux, model, notReproduced };
}

/** Options of {@link TraceReplayer}. */
export interface TraceReplayOptions {
  /** Stop after this many memory calls (inspect/draw at a point of the trace). */
  readonly stopAfter?: number;
  /** Called just before every memory call (compare-designs reads the Zircon syscall counts here). */
  readonly onBeforeCall?: (replayer: TraceReplayer) => void;
  /** Called after every memory call (draw takes its pictures here). */
  readonly onCall?: (replayer: TraceReplayer, outcome: CallOutcome) => void;
}

/** How a {@link TraceReplayer} builds its address spaces. */
export interface TraceReplayerOptions {
  /** Starnix's design for private anonymous memory (default 'single', today's Starnix). */
  readonly anonBacking?: AnonBackingDesign;
}

/**
 * Replays a trace onto starnix-mm: one address space per Linux process, forks as the model forks, execs from the
 * recorded post-exec maps, every memory call at the recorded addresses.
 */
export class TraceReplayer {
  readonly kernel = new Kernel({ seed: 1, physicalMemoryBytes: 2 ** 40 });
  readonly procs = new Map<number, Proc>();
  private readonly files = new Map<string, MemFile>();
  /** Anonymous VMO koids of forked address spaces, to their parent's (the snapshot's source). */
  readonly anonParents = new Map<number, number>();
  private readonly finals = new Map<number, SnapRecord>();
  /** The last memory call replayed. */
  lastCall: CallOutcome | undefined;
  private readonly outcomes: ProcessOutcome[] = [];
  private readonly differences: CallOutcome[] = [];
  private index = 0;
  /** The next trace event to replay. */
  private cursor = 0;
  private agreeing = 0;
  /** The model files (page caches), by `dev:inode`. */
  get modelFiles(): ReadonlyMap<string, MemFile> {
    return this.files;
  }

  /** The exit snapshot of a process, once replay passed it. */
  finalSnapshot(pid: number): SnapRecord | undefined {
    return this.finals.get(pid);
  }

  /** The memory calls replayed so far. */
  get calls(): number {
    return this.index;
  }

  /** The design for private anonymous memory every address space of the replay uses. */
  readonly anonBacking: AnonBackingDesign;

  constructor(
    readonly trace: Trace,
    options: TraceReplayerOptions = {},
  ) {
    this.anonBacking = options.anonBacking ?? 'single';
  }

  /**
   * Runs the trace (or its first `stopAfter` memory calls). A later call goes on from where the last one stopped
   * (the playground steps a long trace forward one call at a time without replaying it from the start).
   */
  run(options: TraceReplayOptions = {}): ReplayReport {
    const stop = options.stopAfter ?? Infinity;
    const events = this.trace.events;
    for (; this.cursor < events.length; this.cursor++) {
      const e = events[this.cursor];
      switch (e.kind) {
        case 'task':
          this.task(e.pid, e.parentPid, e.how, e.cloneFlags);
          break;
        case 'file':
          this.proc(e.pid).fds.set(e.fd, e);
          break;
        case 'snap':
          if (e.why === 'exec') this.exec(e);
          else if (e.why === 'fork') this.beforeFork(e);
          else this.exit(e);
          break;
        case 'sys': {
          if (!MM_CALLS.has(e.name)) break;
          if (e.name === 'prctl' && e.args[1] !== 0n) break;
          const p = this.proc(e.pid);
          if (!p.mm) break;
          // "After call N": everything up to the next memory call (a later exec or exit snapshot included).
          if (this.index >= stop) return this.report();
          options.onBeforeCall?.(this);
          const o = this.call(p, p.mm, e);
          options.onCall?.(this, o);
          break;
        }
        default:
          break;
      }
    }
    return this.report();
  }

  /** The live processes that have an address space, in pid order. */
  live(): Array<{ pid: number; exe: string; mm: MemoryManager }> {
    return [...this.procs.values()].filter((p): p is Proc & { mm: MemoryManager } => p.mm !== undefined).map((p) => ({ pid: p.pid, exe: p.exe, mm: p.mm }));
  }

  report(): ReplayReport {
    let vmas = 0;
    let vmasAgreeing = 0;
    let finals = true;
    for (const o of this.outcomes) {
      if (!o.maps) {
        if (!o.execd) finals = false;
        continue;
      }
      vmas += o.maps.vmas;
      vmasAgreeing += o.maps.agreeing;
    }
    return {
      kernel: this.trace.header['kernel'] ?? 'unknown',
      calls: this.index,
      agreeing: this.agreeing,
      vmas,
      vmasAgreeing,
      processes: this.outcomes,
      differences: this.differences,
      ok: finals && this.agreeing === this.index && vmasAgreeing === vmas,
    };
  }

  private proc(pid: number): Proc {
    let p = this.procs.get(pid);
    if (!p) {
      p = { pid, exe: '', mm: undefined, fds: new Map(), out: { pid, exe: '', calls: 0, agreeing: 0 } };
      this.procs.set(pid, p);
    }
    return p;
  }

  private task(pid: number, parentPid: number, how: string, flags: bigint): void {
    if (how === 'initial' || pid === parentPid) return; // the first task, or a thread of an existing process
    const parent = this.proc(parentPid);
    const child = this.proc(pid);
    child.exe = parent.exe;
    child.fds = new Map(parent.fds);
    // fork copies the address space; vfork and CLONE_VM share it until the child execs.
    const shared = how === 'vfork' || (flags & 0x100n) !== 0n;
    child.mm = parent.mm && (shared ? parent.mm : parent.mm.fork());
    if (parent.mm && child.mm && !shared) {
      const from = anonKoid(parent.mm);
      const to = anonKoid(child.mm);
      if (from !== undefined && to !== undefined) this.anonParents.set(to, from);
    }
    child.out = { pid, exe: child.exe, calls: 0, agreeing: 0 };
    if (child.mm) this.outcomes.push(child.out);
  }

  private file(f: { dev: string; inode: number; path: string; size: number }): MemFile {
    const k = `${f.dev}:${f.inode}`;
    let file = this.files.get(k);
    const [maj, min] = f.dev.split(':').map((x) => parseInt(x, 16));
    if (!file) {
      file = new MemFile(this.kernel, f.path, { size: f.size, inode: f.inode, device: [maj ?? 0, min ?? 0] });
      this.files.set(k, file);
    } else if (file.size !== f.size) {
      file.truncate(f.size);
    }
    return file;
  }

  private exec(s: SnapRecord): void {
    const p = this.proc(s.pid);
    const exe = s.maps.find((m) => m.name.startsWith('/'))?.name ?? '';
    const old = p.mm;
    if (old) p.out.execd = true;
    p.exe = exe;
    p.out = { pid: s.pid, exe, calls: 0, agreeing: 0 };
    const mm = MemoryManager.create(this.kernel, { ...addressSpaceOptions(this.trace.header, exe), anonymousBacking: this.anonBacking });
    p.mm = mm;
    // The old space goes when no other process (a vfork parent) still uses it.
    if (old && ![...this.procs.values()].some((q) => q.mm === old)) old[Symbol.dispose]();
    mm.startBrk = s.startBrk;
    mm.brkValue = s.startBrk;
    mm.startStack = s.startStack;
    // What execve built (ELF segments, interpreter, vDSO, stack) is not made by system calls: lay it out as
    // fixed mappings of the same files, offsets and permissions.
    for (const m of s.maps) {
      if (m.start >= mm.taskSize) continue;
      try {
        this.layOut(mm, m);
      } catch (e) {
        throw new CliError('BAD_INPUT', `trace line ${s.line}: the exec snapshot of pid ${s.pid} cannot be laid out at ${m.text.split(' ')[0]}: ${(e as Error).message}`);
      }
    }
    this.outcomes.push(p.out);
  }

  private layOut(mm: MemoryManager, m: MapsLine): void {
    const prot = (m.perms[0] === 'r' ? 1 : 0) | (m.perms[1] === 'w' ? 2 : 0) | (m.perms[2] === 'x' ? 4 : 0);
    const shared = m.perms[3] === 's';
    const len = m.end - m.start;
    if (m.inode !== 0 && m.name.startsWith('/')) {
      const file = this.file({ dev: m.dev, inode: m.inode, path: m.name, size: m.fileSize ?? m.offset + len });
      const fd = mm.open(file, shared && prot & 2 ? 'RDWR' : 'RDONLY');
      try {
        mm.mmap(m.start, len, prot, (shared ? MapFlags.SHARED : MapFlags.PRIVATE) | MapFlags.FIXED, fd, m.offset);
      } finally {
        mm.close(fd);
      }
    } else {
      const grows = m.name === '[stack]' ? MapFlags.GROWSDOWN : 0;
      mm.mmap(m.start, len, prot, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED | grows);
      if (SPECIAL.has(m.name)) mm.setVmaAnonName(m.start, len, m.name.slice(1, -1));
    }
  }

  /**
   * The parent's resident pages just before a fork: touched in the model too, so the copy shares what Linux's
   * shared and the VMAs that had an anon_vma have one (a forked VMA with one does not merge, on brk either).
   */
  private beforeFork(s: SnapRecord): void {
    const p = this.proc(s.pid);
    if (p.mm && s.maps.some((m) => m.pages)) touchResident(p.mm, s.maps);
  }

  private exit(s: SnapRecord): void {
    const p = this.proc(s.pid);
    this.finals.set(s.pid, s);
    if (!p.mm) return;
    const c = compareMaps(s.maps, p.mm.maps(), p.mm.taskSize);
    const resident = s.maps.some((m) => m.pages) ? touchResident(p.mm, s.maps) : undefined;
    p.out.maps = { pid: s.pid, exe: p.exe, ...c, ...(s.rollup ? { rollup: s.rollup } : {}), ...(resident ? { residentPages: resident } : {}) };
  }

  private call(p: Proc, mm: MemoryManager, r: SysRecord): CallOutcome {
    this.index++;
    p.out.calls++;
    let result: bigint | undefined;
    let note: string | undefined;
    const a = r.args;
    const ok = r.ret >= 0n || r.ret < -4095n;
    try {
      switch (r.name) {
        case 'mmap': {
          const [, len, prot, , fdArg, off] = a;
          let [addr, , , flags] = a;
          const anon = (flags & BigInt(MapFlags.ANONYMOUS)) !== 0n;
          // The kernel chose the address: the model takes the same one (MAP_FIXED_NOREPLACE, so an overlap the
          // kernel did not have shows as EEXIST instead of silently replacing a mapping).
          if (ok && (flags & BigInt(MapFlags.FIXED | MapFlags.FIXED_NOREPLACE)) === 0n) {
            addr = r.ret;
            flags |= BigInt(MapFlags.FIXED_NOREPLACE);
          }
          const fdNum = int32(fdArg);
          const desc = anon ? undefined : p.fds.get(fdNum);
          if (desc && fdNum >= 0) {
            const file = this.file(desc);
            const acc = desc.flags & 3;
            const fd = mm.open(file, acc === 2 ? 'RDWR' : acc === 1 ? 'WRONLY' : 'RDONLY');
            try {
              result = BigInt(mm.mmap(addr, len, prot, flags, fd, off));
            } finally {
              mm.close(fd);
            }
          } else {
            result = BigInt(mm.mmap(addr, len, prot, flags, anon ? -1 : fdNum, off));
          }
          break;
        }
        case 'mremap': {
          const [old, oldSize, newSize] = a;
          let [, , , flags, newAddr] = a;
          if (ok && r.ret !== old && (flags & BigInt(MremapFlags.FIXED)) === 0n) {
            flags |= BigInt(MremapFlags.MAYMOVE | MremapFlags.FIXED);
            newAddr = r.ret;
          }
          result = BigInt(mm.mremap(old, oldSize, newSize, flags, newAddr));
          break;
        }
        case 'mincore':
          mm.mincore(a[0], a[1]);
          result = 0n;
          break;
        case 'pkey_mprotect':
          if (int32(a[3]) !== -1) {
            note = 'protection keys are not modelled';
            break;
          }
          result = BigInt(mm.mprotect(a[0], a[1], a[2]));
          break;
        case 'prctl':
          result = BigInt(mm.setVmaAnonName(a[2], a[3], r.text ?? null));
          break;
        case 'munmap':
        case 'mprotect':
        case 'madvise':
        case 'brk':
        case 'mlock':
        case 'mlock2':
        case 'munlock':
        case 'mlockall':
        case 'munlockall':
        case 'msync':
          result = BigInt(mm.syscall(r.name, a));
          break;
        default:
          note = `${r.name} is not modelled by starnix-mm`;
      }
    } catch (e) {
      if (e instanceof ErrnoError) result = BigInt(-e.errno);
      // Arguments the model refuses outright (a wrong type or range) are a difference, not a crash.
      else note = `the model refused the arguments: ${(e as Error).message}`;
    }
    const agree = result !== undefined && result === r.ret;
    if (agree) {
      this.agreeing++;
      p.out.agreeing++;
    }
    const o: CallOutcome = {
      index: this.index,
      line: r.line,
      pid: r.pid,
      call: showCall(r),
      linux: showResult(r.ret, r.name),
      model: result === undefined ? 'not modelled' : showResult(result, r.name),
      agree,
      ...(note !== undefined ? { note } : {}),
    };
    if (!agree) this.differences.push(o);
    this.lastCall = o;
    return o;
  }
}
