/**
 * The memsim trace file (version 1): one record per line, written by the native recorder and read here. The format
 * is documented in docs/trace.md; this parser checks every line so a truncated, reordered or foreign file fails
 * with one message naming its line.
 */

/** The first line of every trace file. */
export const TRACE_MAGIC = 'memsim-trace 1';

/** A malformed trace file: the message names the line. */
export class TraceFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'TraceFormatError';
  }
}

/** A system call as the kernel completed it: raw argument registers and the return value (-errno on failure). */
export interface SysRecord {
  readonly kind: 'sys';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly ret: bigint;
  readonly args: readonly bigint[];
  /** prctl(PR_SET_VMA_ANON_NAME): the name, when one was given. */
  readonly text?: string;
}

/** The file an fd names in a process (after open, and before each file mmap). */
export interface FileRecord {
  readonly kind: 'file';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  readonly fd: number;
  readonly dev: string;
  readonly inode: number;
  readonly size: number;
  /** open(2) flags, as /proc/PID/fdinfo shows them. */
  readonly flags: number;
  readonly path: string;
}

/** A new task: the first one, or one created by fork, vfork or clone. */
export interface TaskRecord {
  readonly kind: 'task';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  readonly tid: number;
  readonly parentPid: number;
  readonly parentTid: number;
  readonly how: 'fork' | 'vfork' | 'clone' | 'initial';
  readonly cloneFlags: bigint;
}

/** One line of /proc/PID/maps, parsed. */
export interface MapsLine {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly offset: number;
  readonly dev: string;
  readonly inode: number;
  readonly name: string;
  /** The line as the kernel printed it. */
  readonly text: string;
  /** The file size of a file-backed line, when the recorder could stat it. */
  fileSize?: number;
  /** Resident pages at exit (from /proc/PID/pagemap): runs of anonymous or file/shared pages, by page index. */
  pages?: PageRun[];
}

/** A run of resident pages of one VMA: `a` anonymous (a private copy), `f` file or shared memory. */
export interface PageRun {
  readonly kind: 'a' | 'f';
  /** Page index from the VMA's start. */
  readonly first: number;
  readonly count: number;
}

/** /proc/PID/maps of a process right after an execve, at a fork (with resident pages) or at its last moment. */
export interface SnapRecord {
  readonly kind: 'snap';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  /** After an execve, in a parent at fork (its resident pages, before the copy), or at exit. */
  readonly why: 'exec' | 'fork' | 'exit';
  readonly startBrk: number;
  readonly startStack: number;
  readonly maps: MapsLine[];
  /** smaps_rollup fields in kB (exit snapshots). */
  rollup?: Readonly<Record<string, number>>;
}

/** A successful execve: the process gets a new address space (its snapshot follows). */
export interface ExecRecord {
  readonly kind: 'exec';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  readonly tid: number;
  readonly oldTid: number;
}

/** A thread's exit (PTRACE_EVENT_EXIT), or a task that is gone (reaped). */
export interface ExitRecord {
  readonly kind: 'exit' | 'gone';
  readonly seq: number;
  readonly line: number;
  readonly pid: number;
  readonly tid: number;
  readonly status: number;
}

/** Any event record, in recording order. */
export type TraceEvent = SysRecord | FileRecord | TaskRecord | SnapRecord | ExecRecord | ExitRecord;

/** A parsed trace file. */
export interface Trace {
  /** Host facts: kernel release, machine, page size, vm sysctls (what a kernel profile needs). */
  readonly header: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  readonly events: readonly TraceEvent[];
  /** The recorded program's exit status. */
  readonly exitStatus: number;
}

/** Undoes the recorder's (and the kernel's) \ooo escapes. */
export function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const DEC = /^-?\d{1,20}$/;
/** A 64-bit register. */
const HEX = /^0x[0-9a-f]{1,16}$/;
/** Argument registers of the calls replay runs (a record with another count is malformed). */
const ARITY: Readonly<Record<string, number>> = {
  mmap: 6, munmap: 2, mprotect: 3, mremap: 5, madvise: 3, brk: 1, mlock: 2, mlock2: 3, munlock: 2, mlockall: 1,
  munlockall: 0, msync: 3, mincore: 3, pkey_mprotect: 4, prctl: 5,
};
const MAPS = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: +(.*))?$/;

/** Parses one /proc/PID/maps line; undefined when it is not one. */
export function parseMapsLine(text: string): MapsLine | undefined {
  const m = MAPS.exec(text);
  if (!m) return undefined;
  const startB = BigInt(`0x${m[1]}`);
  const endB = BigInt(`0x${m[2]}`);
  if (endB <= startB || endB > 0xffffffffffffffffn) return undefined;
  // Kernel-half lines ([vsyscall]) lie past 2^53: kept approximately, only to be recognised as outside user space.
  const start = Number(startB);
  const end = Number(endB);
  return { start, end, perms: m[3], offset: parseInt(m[4], 16), dev: m[5], inode: Number(m[6]), name: unescape(m[7] ?? ''), text };
}

/**
 * Parses a trace file. Throws {@link TraceFormatError} naming the first bad line: a foreign first line, a record
 * out of sequence (reordered or missing lines), a malformed field, or a missing `end` record (truncated file).
 */
export function parseTraceFile(text: string): Trace {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== TRACE_MAGIC) {
    const shown = (lines[0] ?? '').slice(0, 40);
    throw new TraceFormatError(1, `not a memsim trace (expected '${TRACE_MAGIC}', found '${shown}')`);
  }
  const header: Record<string, string> = {};
  const argv: string[] = [];
  const events: TraceEvent[] = [];
  const pids = new Map<number, SnapRecord>();
  let seq = 0;
  let exitStatus: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const ln = i + 1;
    const l = lines[i];
    const bad: (what: string) => never = (what) => {
      throw new TraceFormatError(ln, what);
    };
    if (exitStatus !== undefined) bad('record after the end record');
    if (l.startsWith('H ')) {
      if (seq > 0) bad('header line after the first event');
      const sp = l.indexOf(' ', 2);
      const key = sp < 0 ? l.slice(2) : l.slice(2, sp);
      const value = sp < 0 ? '' : unescape(l.slice(sp + 1));
      if (!/^[a-z_]+$/.test(key)) bad(`bad header key '${key}'`);
      if (key === 'argv') argv.push(value);
      else header[key] = value;
      continue;
    }
    const f = l.split(' ');
    if (!DEC.test(f[0] ?? '')) bad(`expected a record number, found '${l.slice(0, 30)}'`);
    const n = Number(f[0]);
    if (n !== seq + 1) bad(n <= seq ? `record ${n} out of order (after record ${seq})` : `record ${n} follows record ${seq}: records are missing`);
    seq = n;
    const int = (k: number, what: string): number => {
      const s = f[k];
      if (s === undefined || !DEC.test(s)) bad(`${f[1]}: ${what} must be an integer, found '${s ?? ''}'`);
      const v = Number(s);
      if (!Number.isSafeInteger(v)) bad(`${f[1]}: ${what} out of range`);
      return v;
    };
    const hex = (k: number, what: string): number => {
      const s = f[k];
      if (s === undefined || !HEX.test(s)) bad(`${f[1]}: ${what} must be hex (0x...), found '${s ?? ''}'`);
      const v = parseInt(s.slice(2), 16);
      if (!Number.isSafeInteger(v)) bad(`${f[1]}: ${what} out of range`);
      return v;
    };
    const rest = (k: number): string => unescape(f.slice(k).join(' '));
    const base = { seq: n, line: ln };
    switch (f[1]) {
      case 'sys': {
        if (f.length < 6) bad('sys: too few fields');
        const name = f[4];
        if (!/^[a-z_0-9]+$/.test(name)) bad(`sys: bad call name '${name}'`);
        if (!DEC.test(f[5])) bad(`sys: result must be an integer, found '${f[5]}'`);
        const args: bigint[] = [];
        let k = 6;
        for (; k < f.length && HEX.test(f[k]); k++) args.push(BigInt(f[k]));
        const text = k < f.length ? rest(k) : undefined;
        const want = ARITY[name];
        if (want !== undefined && args.length !== want) bad(`sys: ${name} takes ${want} arguments, found ${args.length}`);
        events.push({ kind: 'sys', ...base, pid: int(2, 'pid'), tid: int(3, 'tid'), name, ret: BigInt(f[5]), args, ...(text !== undefined ? { text } : {}) });
        break;
      }
      case 'file': {
        if (f.length < 9) bad('file: too few fields');
        if (!/^[0-9a-f]+:[0-9a-f]+$/.test(f[4])) bad(`file: bad device '${f[4]}'`);
        if (!/^[0-7]+$/.test(f[7])) bad(`file: flags must be octal, found '${f[7]}'`);
        events.push({ kind: 'file', ...base, pid: int(2, 'pid'), fd: int(3, 'fd'), dev: f[4], inode: int(5, 'inode'), size: int(6, 'size'), flags: parseInt(f[7], 8), path: rest(8) });
        break;
      }
      case 'task': {
        if (f.length !== 8) bad('task: expected 6 fields');
        const how = f[6];
        const flags = f[7];
        if (!HEX.test(flags)) bad(`task: clone flags must be hex, found '${flags}'`);
        const hows = ['fork', 'vfork', 'clone', '0'];
        if (!hows.includes(how)) bad(`task: unknown creation '${how}'`);
        events.push({
          kind: 'task',
          ...base,
          pid: int(2, 'pid'),
          tid: int(3, 'tid'),
          parentPid: int(4, 'parent pid'),
          parentTid: int(5, 'parent tid'),
          how: how === '0' ? 'initial' : (how as TaskRecord['how']),
          cloneFlags: BigInt(flags),
        });
        break;
      }
      case 'exec':
        if (f.length !== 5) bad('exec: expected 3 fields');
        events.push({ kind: 'exec', ...base, pid: int(2, 'pid'), tid: int(3, 'tid'), oldTid: int(4, 'old tid') });
        break;
      case 'snap': {
        if (f.length !== 6) bad('snap: expected 4 fields');
        if (f[3] !== 'exec' && f[3] !== 'exit' && f[3] !== 'fork') bad(`snap: expected exec, fork or exit, found '${f[3]}'`);
        const s: SnapRecord = { kind: 'snap', ...base, pid: int(2, 'pid'), why: f[3], startBrk: hex(4, 'start_brk'), startStack: hex(5, 'start_stack'), maps: [] };
        pids.set(s.pid, s);
        events.push(s);
        break;
      }
      case 'map': {
        const pid = int(2, 'pid');
        const s = pids.get(pid);
        if (!s || s !== lastSnap(events)) bad(`map: no snapshot of pid ${pid} open here`);
        const m = parseMapsLine(f.slice(3).join(' '));
        if (!m) bad(`map: not a /proc/PID/maps line: '${f.slice(3).join(' ').slice(0, 60)}'`);
        s.maps.push(m);
        break;
      }
      case 'mapfile': {
        const pid = int(2, 'pid');
        const s = pids.get(pid);
        if (!s || s !== lastSnap(events)) bad(`mapfile: no snapshot of pid ${pid} open here`);
        const start = hex(3, 'start');
        const m = s.maps.at(-1);
        if (!m || m.start !== start) bad(`mapfile: does not follow the maps line at 0x${start.toString(16)}`);
        if (m.inode !== int(4, 'inode')) bad('mapfile: inode differs from its maps line');
        m.fileSize = int(5, 'size');
        break;
      }
      case 'pages': {
        const pid = int(2, 'pid');
        const s = pids.get(pid);
        if (!s || s !== lastSnap(events)) bad(`pages: no snapshot of pid ${pid} open here`);
        const start = hex(3, 'start');
        const m = s.maps.at(-1);
        if (!m || m.start !== start) bad(`pages: does not follow the maps line at 0x${start.toString(16)}`);
        const runs: PageRun[] = [];
        const pages = (m.end - m.start) / 4096;
        for (const r of f.slice(4)) {
          const x = /^([af])(\d+)\+(\d+)$/.exec(r);
          if (!x) bad(`pages: bad run '${r}'`);
          const run = { kind: x[1] as 'a' | 'f', first: Number(x[2]), count: Number(x[3]) };
          if (run.count < 1 || run.first + run.count > pages) bad(`pages: run '${r}' outside the VMA`);
          runs.push(run);
        }
        m.pages = runs;
        break;
      }
      case 'rollup': {
        const pid = int(2, 'pid');
        const s = pids.get(pid);
        if (!s || s !== lastSnap(events) || s.why !== 'exit') bad(`rollup: no exit snapshot of pid ${pid} open here`);
        const r: Record<string, number> = {};
        for (const kv of f.slice(3)) {
          const m = /^([A-Za-z_]+)=(\d+)$/.exec(kv);
          if (!m) bad(`rollup: bad field '${kv}'`);
          r[m[1]] = Number(m[2]);
        }
        s.rollup = r;
        break;
      }
      case 'exit':
        if (f.length !== 6) bad('exit: expected 4 fields');
        events.push({ kind: 'exit', ...base, pid: int(2, 'pid'), tid: int(3, 'tid'), status: int(4, 'status') });
        break;
      case 'gone':
        if (f.length !== 5) bad('gone: expected 3 fields');
        events.push({ kind: 'gone', ...base, pid: int(2, 'pid'), tid: int(3, 'tid'), status: int(4, 'status') });
        break;
      case 'end':
        exitStatus = int(2, 'exit status');
        break;
      default:
        bad(`unknown record '${f[1] ?? ''}'`);
    }
  }
  if (exitStatus === undefined) throw new TraceFormatError(lines.length, 'the trace ends without its end record (truncated?)');
  return { header, argv, events, exitStatus };
}

/** The latest snapshot record, if nothing but its own lines came after it. */
function lastSnap(events: readonly TraceEvent[]): SnapRecord | undefined {
  const e = events.at(-1);
  return e?.kind === 'snap' ? e : undefined;
}
