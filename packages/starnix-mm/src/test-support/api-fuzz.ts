/**
 * Random calls of every public method of starnix-mm with random and boundary arguments (numbers and bigints near
 * 2^53, 2^63 and 2^64, negatives, NaN, fractions, wrong types), and the rule for what may come out of them: a
 * value, an ErrnoError, a UffdWouldBlockError (a sync call that would wait in userfaultfd), or a TypeError /
 * RangeError the argument checks throw for a wrong JavaScript type. Anything else (a ZxError, an invariant error,
 * a crash inside the model) is a foreign error.
 */
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';
import { Kernel, mulberry32, ZxError } from '@memsim/zircon-objects';
import { ErrnoError } from '../errno/errno.js';
import { MemFile } from '../files/mem-file.js';
import { MemoryManager } from '../mm/memory-manager.js';
import { MmInvariantError } from '../mm/validate.js';
import { UffdWouldBlockError } from '../uffd/uffd-would-block.js';

const P = 4096;
const W = 0x1000_0000_0000;

/** V8's own messages: a TypeError or RangeError with one of these is a crash inside the model, not a check. */
const ENGINE = /Cannot read properties|Cannot set properties|is not a function|is not iterable|is not a constructor|Cannot convert|Cannot mix BigInt|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|out of memory|Do not know how to serialize/i;

/** Why an error thrown by a public call is foreign, or undefined when it is one the API documents. */
export function foreignError(e: unknown): string | undefined {
  if (e instanceof ErrnoError || e instanceof UffdWouldBlockError) return undefined;
  if (e instanceof MmInvariantError) return `broken invariant: ${e.message}`;
  if (e instanceof ZxError) return `Zircon error leaked: ${e.message}`;
  if ((e instanceof TypeError || e instanceof RangeError) && !ENGINE.test(e.message)) return undefined;
  return `foreign error: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`;
}

/** The methods called, with how many arguments each takes at most. */
const METHODS: readonly [string, number][] = [
  ['mmap', 6], ['munmap', 2], ['mprotect', 3], ['mremap', 5], ['madvise', 3], ['mlock', 2], ['mlock2', 3], ['munlock', 2],
  ['mlockall', 1], ['munlockall', 0], ['brk', 1], ['msync', 3], ['mincore', 2], ['setVmaAnonName', 3],
  ['kernelRead', 3], ['kernelReadInto', 3], ['kernelWrite', 3], ['read', 2], ['write', 2], ['execute', 1],
  ['setrlimit', 3], ['getrlimit', 1], ['open', 2], ['memfdCreate', 2], ['fd', 1], ['adoptFd', 2], ['close', 1],
  ['ftruncate', 2], ['maps', 0], ['smaps', 0], ['vmas', 0], ['syscall', 2], ['fork', 0], ['cloneVm', 0],
  ['userfaultfd', 1], ['validate', 0], ['exec', 1],
  ['readAsync', 3], ['writeAsync', 3], ['executeAsync', 2], ['kernelReadAsync', 4], ['kernelWriteAsync', 4],
  ['munmapAsync', 3], ['mmapAsync', 7], ['mremapAsync', 6], ['madviseAsync', 4], ['brkAsync', 2], ['forkAsync', 1],
];

/** One random call's description (for the failure message) and its outcome. */
export interface FuzzCall {
  readonly text: string;
  /** 'ok', the errno name, or the error's class name. */
  readonly outcome: string;
  readonly foreign?: string;
}

/** Plausible mmap flags and prots, so most mmaps succeed and later calls have something to work on. */
const MMAP_FLAGS = [0x22, 0x32, 0x21, 0x31, 0x100032, 0x2032, 0x8022, 0x132, 0x01, 0x02, 0x12, 0x11, 0x03];

type Kind = 'int' | 'addr' | 'len' | 'prot' | 'mflags' | 'rflags' | 'advice' | 'sflags' | 'small' | 'brk' | 'bytes' | 'name' | 'task' | 'gran' | 'file' | 'mode' | 'resource' | 'opts' | 'desc' | 'list';

/** A seeded source of arguments: mostly plausible ones (so calls reach deep), often boundary or ill-typed ones. */
export class ArgSource {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** An integer-like argument. */
  num(): unknown {
    switch (this.int(8)) {
      case 0:
        return this.pick<unknown>([0, 1, -1, 4095, 4096, 4097, 8192, -4096, 2 ** 31, 2 ** 32, 2 ** 47, 0x7ffffffff000, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, -(2 ** 53), Number.MAX_VALUE]);
      case 1:
        return this.pick<unknown>([2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 4096n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 64n - 1n, 2n ** 64n, -1n, -(2n ** 63n), -(2n ** 63n) - 1n, -(2n ** 64n), 0x7fffffffffffe000n, 0x8000000000000000n]);
      case 2:
        return this.pick<unknown>([Number.NaN, Infinity, -Infinity, 0.5, 4096.5, -0, 1e-300, '4096', null, undefined, {}, [], true, Symbol('x'), () => 0, new Uint8Array(1)]);
      case 3:
      case 4:
        return W + this.int(48) * P + (this.chance(0.05) ? 1 : 0);
      case 5:
        return (1 + this.int(8)) * P - (this.chance(0.1) ? this.int(P) : 0);
      default:
        return this.int(0x200000);
    }
  }
  /** An argument for a parameter that wants `kind`. */
  arg(kind: Kind, mm: MemoryManager): unknown {
    if (this.chance(0.06)) return this.num();
    switch (kind) {
      case 'addr':
        return this.chance(0.85) ? W + this.int(48) * P + (this.chance(0.03) ? 1 : 0) : this.num();
      case 'len':
        return this.chance(0.85) ? (1 + this.int(8)) * P - (this.chance(0.1) ? this.int(P) : 0) : this.num();
      case 'prot':
        return this.chance(0.9) ? this.pick([0, 1, 3, 3, 5, 7, 0x01000000, 0x02000000]) : this.num();
      case 'mflags':
        return this.chance(0.9) ? this.pick(MMAP_FLAGS) | 0x20 | (this.chance(0.5) ? 0x10 : 0) : this.num();
      case 'rflags':
        return this.chance(0.9) ? this.pick([0, 1, 3, 5, 2, 4, 6, 7]) : this.num();
      case 'advice':
        return this.chance(0.9) ? this.pick([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 100, 101, 102, 103]) : this.num();
      case 'sflags':
        return this.chance(0.9) ? this.pick([1, 2, 4, 0, 5, 6]) : this.num();
      case 'small':
        return this.chance(0.9) ? this.int(8) : this.num();
      case 'brk':
        return this.chance(0.8) ? mm.startBrk + this.int(64) * P + (this.chance(0.2) ? this.int(P) : 0) : this.num();
      case 'bytes':
        return this.chance(0.9) ? new Uint8Array(this.pick([0, 1, 100, P, 2 * P + 3])).fill(0xa5) : this.pick<unknown>(['abc', [1, 2], null, new Uint16Array(2)]);
      case 'name':
        return this.pick<unknown>(['x', 'heap', null, 'bad$', 'a'.repeat(100), '', 5, undefined]);
      case 'task':
        return this.chance(0.8) ? { tid: 1 + this.int(3) } : this.pick<unknown>([{ tid: 0 }, { tid: -1 }, {}, null, { tid: 2 ** 60 }]);
      case 'gran':
        return this.pick<unknown>(['byte', 'pipe', 'word', undefined, 3]);
      case 'file':
        return this.chance(0.8) ? new MemFile(mm.kernel, '/f', { size: this.pick([0, P, 3 * P + 5]) }) : this.pick<unknown>([{}, null, 'f']);
      case 'mode':
        return this.pick<unknown>(['RDONLY', 'WRONLY', 'RDWR', 'rw', 2, undefined]);
      case 'resource':
        return this.pick<unknown>(['AS', 'DATA', 'STACK', 'MEMLOCK', 'NOFILE', 'toString', 3]);
      case 'opts':
        return this.pick<unknown>([{}, { flags: this.num() }, { features: this.num() }, { flags: 0x800 }, null, 7, undefined]);
      case 'desc':
        return this.pick<unknown>([{ file: new MemFile(mm.kernel, '/g', { size: P }), readable: true, writable: this.chance(0.5) }, { file: 1 }, null]);
      case 'list':
        return this.pick<unknown>([[this.num(), this.num()], [this.num(), this.num(), this.num(), this.num(), this.num(), this.num()], [], 'x', null]);
      default:
        return this.num();
    }
  }
}

/** Parameter kinds by method (int for the rest). */
const KINDS: Record<string, readonly Kind[]> = {
  munmap: ['addr', 'len'],
  mprotect: ['addr', 'len', 'prot'],
  mremap: ['addr', 'len', 'len', 'rflags', 'addr'],
  madvise: ['addr', 'len', 'advice'],
  mlock: ['addr', 'len'],
  mlock2: ['addr', 'len', 'small'],
  munlock: ['addr', 'len'],
  mlockall: ['small'],
  brk: ['brk'],
  msync: ['addr', 'len', 'sflags'],
  mincore: ['addr', 'len'],
  read: ['addr', 'len'],
  execute: ['addr'],
  ftruncate: ['small', 'len'],
  setVmaAnonName: ['addr', 'len', 'name'],
  kernelRead: ['addr', 'len', 'gran'],
  kernelReadInto: ['addr', 'bytes', 'gran'],
  kernelWrite: ['addr', 'bytes', 'gran'],
  write: ['addr', 'bytes'],
  setrlimit: ['resource', 'int', 'int'],
  getrlimit: ['resource'],
  open: ['file', 'mode'],
  memfdCreate: ['name', 'int'],
  adoptFd: ['int', 'desc'],
  syscall: ['name', 'list'],
  userfaultfd: ['opts'],
  exec: ['opts'],
  readAsync: ['task', 'addr', 'len'],
  writeAsync: ['task', 'addr', 'bytes'],
  executeAsync: ['task', 'addr'],
  kernelReadAsync: ['task', 'addr', 'len', 'gran'],
  kernelWriteAsync: ['task', 'addr', 'bytes', 'gran'],
  munmapAsync: ['task', 'addr', 'len'],
  mmapAsync: ['task', 'addr', 'len', 'prot', 'mflags', 'int', 'int'],
  mremapAsync: ['task', 'addr', 'len', 'len', 'rflags', 'addr'],
  madviseAsync: ['task', 'addr', 'len', 'advice'],
  brkAsync: ['task', 'brk'],
  forkAsync: ['task'],
};


function describe(name: string, args: readonly unknown[]): string {
  const one = (a: unknown): string => {
    if (typeof a === 'bigint') return `${a.toString()}n`;
    if (typeof a === 'number') return Number.isInteger(a) && a >= 4096 ? `0x${a.toString(16)}` : String(a);
    if (typeof a === 'string') return JSON.stringify(a);
    if (typeof a === 'symbol' || typeof a === 'function') return typeof a;
    if (a instanceof Uint8Array) return `Uint8Array(${a.length})`;
    if (a instanceof MemFile) return 'MemFile';
    try {
      return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v.toString()}n` : v instanceof MemFile ? 'MemFile' : v)) ?? String(a);
    } catch {
      return typeof a;
    }
  };
  return `${name}(${args.map(one).join(', ')})`;
}

/**
 * Runs `calls` random public calls on a fresh validating memory manager (and its forks), seeded by `seed`. Returns
 * the calls made; stops at the first foreign outcome, which is the last entry.
 */
export async function fuzzPublicApi(seed: number, calls: number, trace?: (text: string) => void, anonymousBacking: AnonBackingDesign = 'single'): Promise<FuzzCall[]> {
  const src = new ArgSource(seed);
  const kernel = new Kernel({ seed, physicalMemoryBytes: 64 << 20 });
  const mms: MemoryManager[] = [MemoryManager.create(kernel, { anonymousBacking, validate: true, rlimits: { MEMLOCK: { cur: 64 * P, max: 64 * P } } })];
  const out: FuzzCall[] = [];
  const late: FuzzCall[] = [];
  const record = (text: string, e: unknown): boolean => {
    const foreign = e === undefined ? undefined : foreignError(e);
    const outcome = e === undefined ? 'ok' : e instanceof ErrnoError ? e.code : e instanceof Error ? e.name : typeof e;
    out.push(foreign === undefined ? { text, outcome } : { text, outcome, foreign });
    return foreign === undefined;
  };
  for (let i = 0; i < calls; i++) {
    const mm = src.pick(mms);
    let name: string;
    let args: unknown[];
    if (src.chance(0.3)) {
      // A plausible mapping call in the window keeps the address space busy.
      const fd = src.chance(0.3) ? mm.memfdCreate('f', src.pick([0, P, 5 * P])) : -1;
      const fl = src.pick(MMAP_FLAGS) | (fd < 0 ? 0x20 : 0);
      name = 'mmap';
      args = [W + src.int(48) * P, (1 + src.int(6)) * P, src.pick([0, 1, 3, 5, 7]), src.chance(0.5) ? fl | 0x10 : fl, fd, src.chance(0.9) ? src.int(4) * P : src.num()];
    } else {
      const [n, arity] = src.pick(METHODS);
      name = n;
      const kinds = KINDS[n] ?? [];
      const count = src.chance(0.9) ? arity : src.int(arity + 2);
      args = Array.from({ length: count }, (_, k) => src.arg(kinds[k] ?? 'int', mm));
    }
    const text = describe(name, args);
    trace?.(text);
    let result: unknown;
    try {
      const f = (mm as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      result = f.apply(mm, args);
      if (result instanceof Promise) {
        // An async call that waits in userfaultfd forever would hang the run: only settled ones are awaited; one that
        // settles later is judged when it does.
        const p = result;
        p.catch((e: unknown) => {
          const f = foreignError(e);
          if (f !== undefined) late.push({ text: `${text} (settled later)`, outcome: 'late', foreign: f });
        });
        result = await Promise.race([p, new Promise((resolve) => setTimeout(() => resolve('pending'), 0))]);
      }
    } catch (e) {
      if (!record(text, e)) return out;
      continue;
    }
    if (!record(text, undefined) || late.length > 0) return out.concat(late);
    if (name === 'exec' && result instanceof MemoryManager) mms[mms.indexOf(mm)] = result;
    else if (result instanceof MemoryManager && !mms.includes(result) && mms.length < 4) mms.push(result);
    else if (result instanceof MemoryManager && !mms.includes(result)) result[Symbol.dispose]();
    else if (result !== null && typeof result === 'object' && Symbol.dispose in result && !(result instanceof MemoryManager)) (result as Disposable)[Symbol.dispose]();
  }
  for (const mm of mms) mm[Symbol.dispose]();
  return out.concat(late);
}
