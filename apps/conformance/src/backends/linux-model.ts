import type { LinuxCallResult, LinuxOp } from '@memsim/linux-probe';
import { PROBE_WINDOW_BASE, PROBE_WINDOW_SIZE } from '@memsim/linux-probe';
import { Advice, ErrnoError, MapFlags, MemoryManager, MlockFlags, MremapFlags, MsyncFlags, Prot, type MmRlimits } from '@memsim/starnix-mm';
import { Kernel } from '@memsim/zircon-objects';
import { fnv1a64, fromHex, toHex } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import type { Step } from '../scenario/types.js';
import { LINUX_OPS } from '../scenario/vocabulary.js';

const BASE = Number(PROBE_WINDOW_BASE);
const SIZE = Number(PROBE_WINDOW_SIZE);

type Table = Readonly<Record<string, number>>;
const PROT: Table = { ...Prot };
const MAP: Table = { ...MapFlags, ANON: MapFlags.ANONYMOUS };
const MREMAP: Table = { ...MremapFlags };
const MSYNC: Table = { ...MsyncFlags };
const MLOCKALL: Table = { CURRENT: MlockFlags.CURRENT, FUTURE: MlockFlags.FUTURE, ONFAULT: MlockFlags.ONFAULT };
// The kernel's numbers for advice starnix-mm does not name (it rejects them as Linux would, with EINVAL).
const ADVICE: Table = { ...Advice, COLLAPSE: 25, GUARD_INSTALL: 102, GUARD_REMOVE: 103, HWPOISON: 100, SOFT_OFFLINE: 101 };

/** Ops the model does not implement yet: a scenario using one is skipped on the model, with this reason. */
const UNMODELLED: ReadonlySet<string> = new Set([
  'join',
  'sleep',
  'wait_blocked',
  'poll',
  'smaps',
  'heap_maps',
  ...LINUX_OPS.filter((op) => op.startsWith('uffd_')),
]);

/** Why Linux scenarios cannot run on the model here, or undefined. */
export function linuxModelUnavailable(): string | undefined {
  return undefined;
}

/** Why this scenario cannot run on the model (an op starnix-mm does not model yet), or undefined. */
export function linuxModelSkip(steps: readonly Step[]): string | undefined {
  for (const s of steps) {
    if (s.thread !== undefined) return `model: threads (step at line ${s.pos.line}) are not modelled yet`;
    if (s.kind === 'linux' && UNMODELLED.has(s.call)) {
      return s.call.startsWith('uffd_') ? 'model: userfaultfd needs @memsim/userspace-swap, not wired yet' : `model: '${s.call}' is not modelled yet`;
    }
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

/** One scenario's model state: a kernel, processes by name, fds by name. */
export class ModelLinux {
  readonly kernel = new Kernel({ seed: 1 });
  readonly procs = new Map<string, MemoryManager>();
  readonly fds = new Map<string, number>();
  readonly inodes = new Map<string, number>();

  constructor() {
    // The probe runs as root here (CAP_IPC_LOCK) with the distribution's 8 MiB RLIMIT_MEMLOCK.
    const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
    this.procs.set('parent', MemoryManager.create(this.kernel, { capIpcLock: root, rlimits: { MEMLOCK: { cur: 8 << 20, max: 8 << 20 } } }));
  }

  fd(v: unknown): number {
    if (typeof v === 'string') return this.fds.get(v) ?? 1000;
    return Number(v ?? -1);
  }

  run(op: LinuxOp): LinuxCallResult {
    const mm = this.procs.get(op.in ?? 'parent');
    if (!mm) throw new ConformanceError('BAD_ARGUMENT', `no process '${op.in}' (fork it first)`);
    try {
      return this.#exec(mm, op as unknown as Record<string, unknown> & { op: string });
    } catch (e) {
      if (e instanceof ErrnoError) return { ok: false, errno: String(e.errno) };
      throw e;
    }
  }

  #fault(r: { ok: false; fault: { signal: string; code: string; address: number; done: number } }): LinuxCallResult {
    return { ok: false, signal: r.fault.signal, code: r.fault.code, fault_addr: rel(r.fault.address), done: r.fault.done };
  }

  #exec(mm: MemoryManager, o: Record<string, unknown> & { op: string }): LinuxCallResult {
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
      case 'mlockall':
        return ok(mm.mlockall(flags(o['flags'], MLOCKALL)));
      case 'munlockall':
        return ok(mm.munlockall());
      case 'msync':
        return ok(mm.msync(addr(o['addr']), int(len), flags(o['flags'], MSYNC)));
      case 'mincore':
        return ok([...mm.mincore(addr(o['addr']), int(len))]);
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
      case 'maps':
        return ok(this.#maps(mm));
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
        throw new ConformanceError('NOT_MODELLED', `'${o.op}' is not modelled by starnix-mm yet`);
    }
  }

  /** The maps lines intersecting the window, normalised the way the probe normalises them. */
  #maps(mm: MemoryManager): string[] {
    const out: string[] = [];
    for (const line of mm.maps().split('\n')) {
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
