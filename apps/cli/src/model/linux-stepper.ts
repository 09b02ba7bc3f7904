import type { Scenario, Step } from '@memsim/conformance';
import { Advice, ErrnoError, MapFlags, MemoryManager, MlockFlags, MremapFlags, MsyncFlags, Prot, type MmRlimits } from '@memsim/starnix-mm';
import { Kernel } from '@memsim/zircon-objects';
import { CliError } from '../cli/errors.js';
import { mappedOnlyVmos, memoryOf, processState } from './snapshot.js';
import type { ModelState } from './state.js';
import { showValue, Stepper } from './stepper.js';

/** Linux scenarios address memory relative to the linux probe's window (tools/linux-probe: 0x1000_0000_0000). */
export const WINDOW_BASE = 0x1000_0000_0000;

type Table = Readonly<Record<string, number>>;
const PROT: Table = { ...Prot };
const MAP: Table = { ...MapFlags, ANON: MapFlags.ANONYMOUS };
const MREMAP: Table = { ...MremapFlags };
const MSYNC: Table = { ...MsyncFlags };
const MLOCKALL: Table = { CURRENT: MlockFlags.CURRENT, FUTURE: MlockFlags.FUTURE, ONFAULT: MlockFlags.ONFAULT };
const ADVICE: Table = { ...Advice };

function flags(v: unknown, table: Table): bigint {
  if (v === undefined || v === null) return 0n;
  let out = 0n;
  for (const x of Array.isArray(v) ? v : [v]) {
    if (typeof x === 'string') {
      const n = table[x];
      if (n === undefined) throw new CliError('BAD_INPUT', `unknown flag '${x}'`);
      out |= BigInt(n);
    } else out |= BigInt.asUintN(64, BigInt(x as number | bigint));
  }
  return out;
}

function addr(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'object' && 'abs' in v) return BigInt.asUintN(64, BigInt((v as { abs: number | bigint | string }).abs));
  return BigInt.asUintN(64, BigInt(WINDOW_BASE) + BigInt(v as number | bigint));
}

function int(v: unknown): bigint {
  return BigInt.asUintN(64, BigInt((v ?? 0) as number | bigint));
}

function rel(a: number): number | { abs: string } {
  return a >= WINDOW_BASE ? a - WINDOW_BASE : { abs: `0x${a.toString(16)}` };
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function bytesOf(o: Record<string, unknown>): Uint8Array {
  if (typeof o['data'] === 'string') {
    const clean = o['data'].replace(/[\s_]/g, '');
    if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new CliError('BAD_INPUT', `'${o['data']}' is not an even-length hex string`);
    return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
  }
  return new Uint8Array(Number(o['length'] ?? 0)).fill(Number(o['fill'] ?? 0));
}

type Result = { ok: boolean; value?: unknown; text: string };

/** Steps a Linux scenario on starnix-mm (processes by name, fds by name). */
export class LinuxStepper extends Stepper {
  readonly kernel: Kernel;
  readonly procs = new Map<string, MemoryManager>();
  readonly #fds = new Map<string, number>();

  constructor(scenario: Scenario) {
    super(scenario);
    this.kernel = new Kernel({ seed: 1 });
    this.procs.set('parent', MemoryManager.create(this.kernel, { rlimits: { MEMLOCK: { cur: 8 << 20, max: 8 << 20 } } }));
  }

  #fd(v: unknown): number {
    return typeof v === 'string' ? (this.#fds.get(v) ?? 1000) : Number(v ?? -1);
  }

  protected exec(step: Step, o: Record<string, unknown>): Result {
    if (step.thread !== undefined) throw new CliError('FAILED', 'threads are not modelled');
    const mm = this.procs.get(step.in ?? 'parent');
    if (!mm) throw new CliError('BAD_INPUT', `no process '${step.in}' (fork it first)`);
    try {
      if (step.kind === 'fork') {
        this.procs.set(step.call, mm.fork());
        return { ok: true, value: step.call, text: `forked ${step.call}` };
      }
      if (step.kind === 'access') return this.#access(mm, step.call, o);
      if (step.kind !== 'linux') throw new CliError('BAD_INPUT', `a ${step.kind} step needs a Zircon scenario`);
      const value = this.#op(mm, step.call, o);
      return { ok: true, value, text: showValue(value) };
    } catch (e) {
      if (e instanceof ErrnoError) return { ok: false, text: String(e.errno) };
      if (e instanceof AccessFault) return { ok: false, text: e.message };
      throw e;
    }
  }

  #fault(r: { ok: boolean; fault?: { signal: string; code: string; address: number } }): Result {
    const f = r.fault!;
    return { ok: false, text: `${f.signal}/${f.code} at 0x${f.address.toString(16)}` };
  }

  #access(mm: MemoryManager, kind: string, o: Record<string, unknown>): Result {
    const at = addr(o['addr']);
    if (kind === 'read') {
      const r = mm.read(at, int(o['length']));
      return r.ok ? { ok: true, value: hex(r.data ?? new Uint8Array()), text: showValue(hex(r.data ?? new Uint8Array())) } : this.#fault(r);
    }
    if (kind === 'write') {
      const r = mm.write(at, bytesOf(o));
      return r.ok ? { ok: true, value: null, text: 'ok' } : this.#fault(r);
    }
    const r = mm.execute(at);
    return r.ok ? { ok: true, value: null, text: 'ok' } : this.#fault(r);
  }

  #op(mm: MemoryManager, op: string, o: Record<string, unknown>): unknown {
    const len = int(o['length']);
    switch (op) {
      case 'mmap':
        return rel(mm.mmap(addr(o['addr']), len, flags(o['prot'], PROT), flags(o['flags'], MAP), this.#fd(o['fd']), int(o['offset'])));
      case 'munmap':
        return mm.munmap(addr(o['addr']), len);
      case 'mprotect':
        return mm.mprotect(addr(o['addr']), len, flags(o['prot'], PROT));
      case 'madvise':
        return mm.madvise(addr(o['addr']), len, flags(o['advice'], ADVICE));
      case 'mlock':
        return mm.mlock(addr(o['addr']), len);
      case 'munlock':
        return mm.munlock(addr(o['addr']), len);
      case 'mlock2':
        return mm.mlock2(addr(o['addr']), len, flags(o['flags'], { ONFAULT: 1 }));
      case 'mlockall':
        return mm.mlockall(flags(o['flags'], MLOCKALL));
      case 'munlockall':
        return mm.munlockall();
      case 'msync':
        return mm.msync(addr(o['addr']), len, flags(o['flags'], MSYNC));
      case 'mincore':
        return [...mm.mincore(addr(o['addr']), len)];
      case 'mremap': {
        const na = o['new_address'] === undefined || o['new_address'] === null ? 0n : addr(o['new_address']);
        return rel(mm.mremap(addr(o['old_address']), int(o['old_size']), int(o['new_size']), flags(o['flags'], MREMAP), na));
      }
      case 'brk': {
        const target = o['addr'] === undefined || o['addr'] === null ? 0n : BigInt(mm.startBrk) + BigInt(o['addr'] as number);
        return mm.brk(target < 0n ? 0n : target) - mm.startBrk;
      }
      case 'prctl_set_vma_anon_name':
        return mm.setVmaAnonName(addr(o['addr']), len, (o['name'] as string | null) ?? null);
      case 'setrlimit': {
        const lim = (v: unknown): number => (v === 'INFINITY' ? Infinity : Number(v));
        const cur = lim(o['cur']);
        mm.setrlimit(o['resource'] as keyof MmRlimits, cur, o['max'] === undefined ? cur : lim(o['max']));
        return 0;
      }
      case 'getrlimit':
        return mm.getrlimit(o['resource'] as keyof MmRlimits);
      case 'read':
      case 'write':
      case 'exec':
      case 'hash': {
        const r = this.#access(mm, op === 'exec' ? 'execute' : op === 'hash' ? 'read' : op, o);
        if (!r.ok) throw new AccessFault(r.text);
        return r.value;
      }
      case 'kernel_read':
      case 'process_vm_readv':
        return hex(mm.kernelRead(addr(o['addr']), len, op === 'kernel_read' ? 'pipe' : 'byte'));
      case 'kernel_write':
      case 'process_vm_writev':
        return mm.kernelWrite(addr(o['addr']), bytesOf(o), op === 'kernel_write' ? 'pipe' : 'byte');
      case 'maps':
        return mm.maps();
      case 'smaps':
        return mm.smaps();
      case 'memfd_create': {
        const name = String(o['name']);
        const fd = mm.memfdCreate(name, 0);
        mm.fd(fd).file.truncate(Number(o['size'] ?? 0));
        this.#fds.set(name, fd);
        return name;
      }
      case 'open': {
        const fd = mm.open(mm.fd(this.#fd(o['file'])).file, (typeof o['mode'] === 'string' ? o['mode'] : 'RDWR') as 'RDWR');
        this.#fds.set(String(o['as']), fd);
        return o['as'];
      }
      case 'close':
        mm.close(this.#fd(o['fd']));
        return 0;
      case 'ftruncate':
        mm.ftruncate(this.#fd(o['fd']), int(o['size']));
        return 0;
      case 'pwrite':
        return mm.fd(this.#fd(o['fd'])).file.pwrite(bytesOf(o), Number(o['offset'] ?? 0));
      case 'pread':
        return hex(mm.fd(this.#fd(o['fd'])).file.pread(Number(o['length']), Number(o['offset'] ?? 0)));
      case 'fork': {
        const name = typeof o['child'] === 'string' ? o['child'] : 'child';
        this.procs.set(name, mm.fork());
        return name;
      }
      default:
        throw new CliError('FAILED', `'${op}' is not modelled by starnix-mm yet`);
    }
  }

  protected snapshot(): Omit<ModelState, 'step' | 'label' | 'outcome'> {
    const processes = [...this.procs.entries()].map(([name, mm]) => processState(name, mm.process, mm.maps(), mm.smaps()));
    return { domain: 'linux', processes, vmos: mappedOnlyVmos(processes, new Set()), memory: memoryOf(this.kernel) };
  }
}

/** A user access inside a `linux:` op faulted: reported as the step's outcome. */
class AccessFault extends Error {}
