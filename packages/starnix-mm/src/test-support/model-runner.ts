/**
 * Runs probe-format Linux scenarios (the `@memsim/linux-probe` wire vocabulary) against the model, producing results
 * in the probe's shapes so the two can be compared line by line.
 */
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';
import { testDesign } from './setup.js';
import { Kernel } from '@memsim/zircon-objects';
import type { LinuxCallResult, LinuxOp } from '@memsim/linux-probe';
import { Advice, MapFlags, MlockFlags, MremapFlags, MsyncFlags, Prot } from '../abi/constants.js';
import { PageCategory, PagemapScanFlag } from '../mm/pagemap-scan.js';
import { ErrnoError } from '../errno/errno.js';
import { MemoryManager, type MmRlimits } from '../mm/memory-manager.js';
import type { KernelProfile } from '../profile/kernel-profile.js';
import { UffdCopyMode, UffdError, UffdFeature, UffdIoctl, UffdMoveMode, UffdOpenFlag, UffdRegisterMode, type UserfaultFD } from '@memsim/userspace-swap';

export const WINDOW_BASE = 0x1000_0000_0000;
export const WINDOW_SIZE = 1 << 30;

type Named = Record<string, number>;
const PROT: Named = { ...Prot };
const MAP: Named = { ...MapFlags, ANON: MapFlags.ANONYMOUS };
const MREMAP: Named = { ...MremapFlags };
const MSYNC: Named = { ...MsyncFlags };
const MLOCKALL: Named = { CURRENT: MlockFlags.CURRENT, FUTURE: MlockFlags.FUTURE, ONFAULT: MlockFlags.ONFAULT };
const ADVICE: Named = { ...Advice, GUARD_INSTALL: 102, GUARD_REMOVE: 103, COLLAPSE: 25 };
const PM_CATEGORY: Named = { ...PageCategory };
const PM_SCAN: Named = { ...PagemapScanFlag };
const UFFD_OPEN: Named = { CLOEXEC: UffdOpenFlag.O_CLOEXEC, NONBLOCK: UffdOpenFlag.O_NONBLOCK, USER_MODE_ONLY: UffdOpenFlag.USER_MODE_ONLY };

/** Names of the set bits of `bits` (a table of single bits, or of bit numbers with `shift`), lowest first. */
function namesOf(bits: bigint, table: Named, shift = false): string[] {
  return Object.entries(table)
    .map(([n, v]) => [n, shift ? 1n << BigInt(v) : BigInt(v)] as const)
    .filter(([, b]) => b !== 0n && (bits & b) !== 0n)
    .sort((a, b) => (a[1] < b[1] ? -1 : 1))
    .map(([n]) => n);
}

/** A userfaultfd fill (copy, zeropage, move) as the probe reports it, with the ioctl's field as `done` on failure. */
function filled(fill: () => number): LinuxCallResult {
  try {
    return { ok: true, value: fill() };
  } catch (e) {
    if (e instanceof UffdError) return { ok: false, errno: e.code, done: e.field ?? 0 };
    throw e;
  }
}

function flagsOf(v: unknown, table: Named): bigint {
  if (v === undefined || v === null) return 0n;
  const list = Array.isArray(v) ? v : [v];
  let out = 0n;
  for (const x of list) {
    if (typeof x === 'string') {
      const n = table[x];
      if (n === undefined) throw new Error(`unknown flag ${x}`);
      out |= BigInt(n);
    } else out |= BigInt.asUintN(64, BigInt(x as number | bigint));
  }
  return out;
}

function addrOf(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'object' && 'abs' in (v)) return BigInt.asUintN(64, BigInt((v as { abs: number | bigint }).abs));
  return BigInt.asUintN(64, BigInt(WINDOW_BASE) + BigInt(v as number | bigint));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function fnv(b: Uint8Array): string {
  // FNV-1a 64, as the probe computes it, so page hashes compare.
  let h = 0xcbf29ce484222325n;
  for (const x of b) {
    h ^= BigInt(x);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** An address as the probe reports it: window-relative inside the window (end included), else abs. */
export function relAddr(a: number): number | { abs: string } {
  if (a >= WINDOW_BASE && a <= WINDOW_BASE + WINDOW_SIZE) return a - WINDOW_BASE;
  return { abs: `0x${a.toString(16)}` };
}

function bytesOf(op: { data?: string; fill?: number; length?: number | bigint }): Uint8Array {
  if (op.data !== undefined) return Uint8Array.from(Buffer.from(op.data, 'hex'));
  return new Uint8Array(Number(op.length ?? 0)).fill(op.fill ?? 0);
}

/** Where `map_count_fill` puts its VMAs, as the probe does: outside the window. */
export const FILL_AREA = 0x3000_0000_0000;

/**
 * The probe's `map_count_fill` on the model: single pages of alternating protections (they never merge) at
 * {@link FILL_AREA} until the address space has `below` VMAs fewer than the profile's vm.max_map_count, made as the
 * probe makes them (one MAP_FIXED_NOREPLACE mapping split by mprotect, so a second fill is EEXIST). Returns the count
 * relative to the limit. Through the public calls only: with per-call validation each costs O(VMAs), so a scenario
 * that fills runs without it (see {@link ModelScenario}).
 */
export function fillMapCount(mm: MemoryManager, below: number): number {
  const limit = mm.profile.maxMapCount;
  if (!Number.isSafeInteger(below) || below < 0 || below > limit) throw new ErrnoError('EINVAL', `map_count_fill below ${below}`);
  const n = limit - below - mm.vmaCount;
  if (n > 0) {
    mm.mmap(FILL_AREA, n * 4096, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED_NOREPLACE | MapFlags.NORESERVE);
    for (let i = 1; i < n; i += 2) mm.mprotect(FILL_AREA + i * 4096, 4096, Prot.NONE);
  }
  return mm.vmaCount - limit;
}

/** Whether a scenario fills the address space to vm.max_map_count (the model then validates at checkpoints only). */
export function fillsMapCount(ops: readonly LinuxOp[]): boolean {
  return ops.some((o) => o.op === 'map_count_fill');
}

/** The model's state for one scenario: processes by name and fds by name. */
export class ModelScenario {
  readonly kernel = new Kernel({ seed: 1 });
  readonly procs = new Map<string, MemoryManager>();
  private readonly fdNames = new Map<string, number>();
  private memfds = 0;
  private readonly inodeOf = new Map<string, number>();
  private readonly uffds = new Map<string, UserfaultFD>();

  /**
   * `profile`: the kernel build to follow (the detected host's, in differential runs). `validate` (default on)
   * checks the address-space invariants after every call, and that failed all-or-nothing calls changed nothing
   * (MemoryManager's validate option); 'checkpoints' checks the invariants only at every `maps` (for scenarios with tens of thousands of VMAs, where each check costs O(VMAs)); `afterOp` runs after each
   * op (campaigns hook in here).
   */
  constructor(private readonly options: { root: boolean; profile?: KernelProfile; anonymousBacking?: AnonBackingDesign; validate?: boolean | 'checkpoints'; afterOp?: (op: LinuxOp, result: LinuxCallResult, scenario: ModelScenario) => void }) {
    const mm = MemoryManager.create(this.kernel, { capIpcLock: options.root, rlimits: { MEMLOCK: { cur: 8 << 20, max: 8 << 20 } }, anonymousBacking: options.anonymousBacking ?? testDesign(), validate: options.validate === undefined || options.validate === true, ...(options.profile ? { profile: options.profile } : {}) });
    this.procs.set('parent', mm);
  }

  /** Checks every process's invariants (MemoryManager.validate), throwing MmInvariantError on a broken one. */
  validateAll(): void {
    for (const [name, mm] of this.procs) mm.validate(`validate() of ${name}`);
  }

  private fdNum(mm: MemoryManager, fd: unknown): number {
    if (typeof fd === 'string') {
      const n = this.fdNames.get(fd);
      if (n === undefined) return 1000;
      void mm;
      return n;
    }
    return Number(fd ?? -1);
  }

  run(ops: readonly LinuxOp[]): LinuxCallResult[] {
    return ops.map((op) => this.one(op));
  }

  one(op: LinuxOp): LinuxCallResult {
    const mm = this.procs.get(op.in ?? 'parent');
    if (!mm) throw new Error(`no process ${op.in}`);
    let r: LinuxCallResult;
    try {
      r = this.exec(mm, op);
    } catch (e) {
      if (!(e instanceof ErrnoError) && !(e instanceof UffdError)) throw e;
      r = { ok: false, errno: e.code };
    }
    // Without per-call validation (a scenario that fills to vm.max_map_count: each check costs O(VMAs)), the
    // invariants are still checked at every maps listing.
    if (this.options.validate === 'checkpoints' && op.op === 'maps') this.validateAll();
    this.options.afterOp?.(op, r, this);
    return r;
  }

  private exec(mm: MemoryManager, op: LinuxOp): LinuxCallResult {
    const ok = (value: LinuxCallResult extends infer _ ? unknown : never): LinuxCallResult => ({ ok: true, value } as LinuxCallResult);
    switch (op.op) {
      case 'mmap': {
        const a = mm.mmap(addrOf(op.addr), BigInt(op.length), flagsOf(op.prot, PROT), flagsOf(op.flags, MAP), this.fdNum(mm, op.fd), op.offset ?? 0);
        return ok(relAddr(a));
      }
      case 'munmap':
        return ok(mm.munmap(addrOf(op.addr), op.length));
      case 'mprotect':
        return ok(mm.mprotect(addrOf(op.addr), op.length, flagsOf(op.prot, PROT)));
      case 'madvise':
        return ok(mm.madvise(addrOf(op.addr), op.length, flagsOf(op.advice, ADVICE)));
      case 'mlock':
        return ok(mm.mlock(addrOf(op.addr), op.length));
      case 'munlock':
        return ok(mm.munlock(addrOf(op.addr), op.length));
      case 'mseal':
        return ok(mm.mseal(addrOf(op.addr), op.length, flagsOf(op.flags, {})));
      case 'mlock2':
        return ok(mm.mlock2(addrOf(op.addr), op.length, flagsOf(op.flags, { ONFAULT: 1 })));
      case 'mlockall':
        return ok(mm.mlockall(flagsOf(op.flags, MLOCKALL)));
      case 'munlockall':
        return ok(mm.munlockall());
      case 'msync':
        return ok(mm.msync(addrOf(op.addr), op.length, flagsOf(op.flags, MSYNC)));
      case 'mincore':
        return ok([...mm.mincore(addrOf(op.addr), op.length)]);
      case 'pagemap': {
        // As the probe reads /proc/self/pagemap: bits 55-63 of each page's entry; EINVAL for no page or past the window.
        const a = addrOf(op.addr);
        const first = a - (a % 4096n);
        const pages = (a + BigInt(op.length) - first + 4095n) / 4096n;
        if (op.length === 0 || pages > BigInt(WINDOW_SIZE / 4096)) return { ok: false, errno: 'EINVAL' };
        return ok([...mm.pagemap(first, pages)].map((e) => Number(e >> 55n)));
      }
      case 'pagemap_scan': {
        // struct pm_scan_arg's fields, as the probe passes them (vec_len defaults to its 512 regions).
        const n = (v: unknown): number => Number(BigInt.asUintN(64, BigInt((v ?? 0) as number | bigint)));
        const r = mm.pagemapScan({
          start: addrOf(op.start),
          end: addrOf(op.end),
          flags: Number(flagsOf(op.flags, PM_SCAN)),
          vecLen: op.vec_len === undefined ? 512 : n(op.vec_len),
          maxPages: n(op.max_pages) > Number.MAX_SAFE_INTEGER ? 0 : n(op.max_pages),
          categoryInverted: Number(flagsOf(op.category_inverted, PM_CATEGORY)),
          categoryMask: Number(flagsOf(op.category_mask, PM_CATEGORY)),
          categoryAnyofMask: Number(flagsOf(op.category_anyof_mask, PM_CATEGORY)),
          returnMask: Number(flagsOf(op.return_mask, PM_CATEGORY)),
        });
        return ok({ regions: r.regions.map((g) => ({ start: relAddr(g.start), end: relAddr(g.end), categories: g.categories })), walk_end: relAddr(r.walkEnd) });
      }
      case 'clear_refs':
        // The probe writes the value as signed decimal text.
        mm.clearRefs(BigInt.asIntN(64, BigInt(op.value)));
        return ok(0);
      case 'mremap': {
        const r = mm.mremap(addrOf(op.old_address), op.old_size, op.new_size, flagsOf(op.flags, MREMAP), op.new_address === undefined || op.new_address === null ? 0 : addrOf(op.new_address));
        return ok(relAddr(r));
      }
      case 'brk': {
        const target = op.addr === undefined || op.addr === null ? 0n : BigInt(mm.startBrk) + BigInt(op.addr);
        return ok(mm.brk(target < 0n ? 0n : target) - mm.startBrk);
      }
      case 'prctl_set_vma_anon_name':
        return ok(mm.setVmaAnonName(addrOf(op.addr), op.length, op.name));
      case 'setrlimit': {
        const lim = (v: unknown): number => (v === 'INFINITY' ? Infinity : Number(v));
        const cur = lim(op.cur);
        mm.setrlimit(op.resource as keyof MmRlimits, cur, op.max === undefined ? cur : lim(op.max));
        return ok(0);
      }
      case 'getrlimit': {
        const r = mm.getrlimit(op.resource as keyof MmRlimits);
        const f = (v: number): number | 'INFINITY' => (v === Infinity ? 'INFINITY' : v);
        return ok({ cur: f(r.cur), max: f(r.max) });
      }
      case 'read':
      case 'hash': {
        const r = mm.read(addrOf(op.addr), op.length);
        if (!r.ok) return { ok: false, signal: r.fault.signal, code: r.fault.code, fault_addr: relAddr(r.fault.address), done: r.fault.done };
        return ok(op.op === 'read' ? hex(r.data ?? new Uint8Array()) : fnv(r.data ?? new Uint8Array()));
      }
      case 'write': {
        const data = bytesOf(op);
        const r = mm.write(addrOf(op.addr), data);
        if (!r.ok) return { ok: false, signal: r.fault.signal, code: r.fault.code, fault_addr: relAddr(r.fault.address), done: r.fault.done };
        return ok(data.length);
      }
      case 'exec': {
        const r = mm.execute(addrOf(op.addr));
        if (!r.ok) return { ok: false, signal: r.fault.signal, code: r.fault.code, fault_addr: relAddr(r.fault.address), done: r.fault.done };
        return ok(0);
      }
      case 'process_vm_readv':
      case 'kernel_read': {
        const d = mm.kernelRead(addrOf(op.addr), op.length, op.op === 'kernel_read' ? 'pipe' : 'byte');
        return { ok: true, value: d.length, data: hex(d) };
      }
      case 'process_vm_writev':
      case 'kernel_write': {
        const n = mm.kernelWrite(addrOf(op.addr), bytesOf(op), op.op === 'kernel_write' ? 'pipe' : 'byte');
        return ok(n);
      }
      case 'proc_mem_read': {
        const d = mm.procMemRead(addrOf(op.addr), op.length);
        return { ok: true, value: d.length, data: hex(d) };
      }
      case 'proc_mem_write':
        return ok(mm.procMemWrite(addrOf(op.addr), bytesOf(op)));
      case 'maps':
        return ok(this.mapsLines(mm));
      case 'map_count':
        return ok(mm.vmaCount - mm.profile.maxMapCount);
      case 'map_count_fill':
        return ok(fillMapCount(mm, op.below));
      case 'smaps':
        return ok(this.smapsEntries(mm));
      case 'memfd_create': {
        this.memfds++;
        const fd = mm.memfdCreate(op.name, 0);
        mm.fd(fd).file.truncate(Number(op.size ?? 0));
        this.fdNames.set(op.name, fd);
        this.inodeOf.set(mm.fd(fd).file.path, this.memfds);
        return ok(op.name);
      }
      case 'open': {
        const src = mm.fd(this.fdNum(mm, op.file));
        const mode = typeof op.mode === 'string' ? op.mode : 'RDWR';
        const fd = mm.open(src.file, mode);
        this.fdNames.set(op.as, fd);
        return ok(op.as);
      }
      case 'close':
        mm.close(this.fdNum(mm, op.fd));
        return ok(0);
      case 'ftruncate':
        mm.ftruncate(this.fdNum(mm, op.fd), op.size);
        return ok(0);
      case 'pwrite': {
        const d = mm.fd(this.fdNum(mm, op.fd));
        return ok(d.file.pwrite(bytesOf(op), Number(op.offset ?? 0)));
      }
      case 'pread': {
        const d = mm.fd(this.fdNum(mm, op.fd));
        return ok(hex(d.file.pread(Number(op.length), Number(op.offset ?? 0))));
      }
      case 'fork': {
        const name = op.child ?? 'child';
        this.procs.set(name, mm.fork());
        return ok(name);
      }
      default:
        return this.uffdOp(mm, op);
    }
  }

  /** The userfaultfd ops (no events or threads: a blocked access cannot be modelled here, use SIGBUS). */
  private uffdOp(mm: MemoryManager, op: LinuxOp): LinuxCallResult {
    const ok = (value: unknown): LinuxCallResult => ({ ok: true, value }) as LinuxCallResult;
    const uffd = (v: unknown): UserfaultFD => {
      const fd = this.uffds.get(typeof v === 'string' ? v : 'uffd');
      if (fd === undefined) throw new ErrnoError('EBADF', `no userfaultfd named ${String(v)}`);
      return fd;
    };
    switch (op.op) {
      case 'uffd_create': {
        const name = op.name ?? 'uffd';
        this.uffds.set(name, mm.userfaultfd({ flags: op.flags === undefined ? UffdOpenFlag.O_CLOEXEC : Number(flagsOf(op.flags, UFFD_OPEN)) }));
        return ok(name);
      }
      case 'uffd_api': {
        const r = uffd(op.uffd).api(op.api === undefined ? 0xaa : Number(op.api), Number(flagsOf(op.features, UffdFeature)));
        return ok({ features: namesOf(BigInt(r.features), UffdFeature), ioctls: namesOf(r.ioctls, UffdIoctl, true) });
      }
      case 'uffd_register':
        return ok({ ioctls: namesOf(uffd(op.uffd).registerRange(Number(addrOf(op.addr)), Number(op.length), Number(flagsOf(op.mode, UffdRegisterMode))), UffdIoctl, true) });
      case 'uffd_unregister':
        uffd(op.uffd).unregisterRange(Number(addrOf(op.addr)), Number(op.length));
        return ok(0);
      case 'uffd_copy': {
        if ('src' in op) throw new Error('model runner: uffd_copy from a src address is not supported');
        const fd = uffd(op.uffd);
        const data = bytesOf(op);
        return filled(() => fd.copyToRange(Number(addrOf(op.addr)), data.length, data, Number(flagsOf(op.mode, UffdCopyMode))));
      }
      case 'uffd_zeropage': {
        const fd = uffd(op.uffd);
        return filled(() => fd.zeroRange(Number(addrOf(op.addr)), Number(op.length), Number(flagsOf(op.mode, { DONTWAKE: UffdCopyMode.DONTWAKE }))));
      }
      case 'uffd_move': {
        const fd = uffd(op.uffd);
        return filled(() => fd.move(Number(addrOf(op.addr)), Number(addrOf(op.src)), Number(op.length), Number(flagsOf(op.mode, UffdMoveMode))));
      }
      default:
        throw new Error(`model runner: op ${op.op} not supported`);
    }
  }

  /** smaps entries intersecting the window: the normalized line and the numeric fields (VmFlags as text). */
  smapsEntries(mm: MemoryManager): { line: string; fields: Record<string, number | string> }[] {
    const lines = mm.smaps().split('\n');
    const out: { line: string; fields: Record<string, number | string> }[] = [];
    let cur: { line: string; fields: Record<string, number | string> } | null = null;
    for (const l of lines) {
      const header = /^[0-9a-f]+-[0-9a-f]+ /.test(l);
      if (header) {
        const norm = this.normalizeLine(l);
        cur = norm === null ? null : { line: norm, fields: {} };
        if (cur) out.push(cur);
      } else if (cur) {
        const m = /^(\S+):\s*(.*)$/.exec(l);
        if (!m) continue;
        const key = m[1];
        cur.fields[key] = key === 'VmFlags' ? (m[2]).trimEnd() : parseInt(m[2], 10);
      }
    }
    return out;
  }

  /** The maps lines intersecting the window, normalized exactly as the probe does. */
  mapsLines(mm: MemoryManager): string[] {
    const out: string[] = [];
    for (const line of mm.maps().split('\n')) {
      // Lines away from the window are skipped before the full parse (an address space filled to vm.max_map_count
      // has tens of thousands).
      const dash = line.indexOf('-');
      if (parseInt(line.slice(dash + 1, line.indexOf(' ', dash)), 16) <= WINDOW_BASE || parseInt(line.slice(0, dash), 16) >= WINDOW_BASE + WINDOW_SIZE) continue;
      const l = this.normalizeLine(line);
      if (l !== null) out.push(l);
    }
    return out;
  }

  /** One maps line normalized as the probe does, or null when it does not touch the window. */
  normalizeLine(line: string): string | null {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+) *(.*)$/.exec(line);
    if (!m) return null;
    const s = parseInt(m[1], 16);
    const e = parseInt(m[2], 16);
    if (!(e > WINDOW_BASE && s < WINDOW_BASE + WINDOW_SIZE)) return null;
    const inside = s >= WINDOW_BASE && e <= WINDOW_BASE + WINDOW_SIZE;
    const st = inside ? s - WINDOW_BASE : s;
    const en = inside ? e - WINDOW_BASE : e;
    const name = m[7] ?? '';
    const ino = name.startsWith('/memfd:') ? (this.inodeOf.get(name) ?? 0) : 0;
    let l = `${inside ? '' : '!'}${st.toString(16).padStart(8, '0')}-${en.toString(16).padStart(8, '0')} ${m[3]} ${m[4]} 00:00 ${ino} `;
    if (name) {
      const col = inside ? 72 : 73;
      l = l.padEnd(col, ' ') + ' ' + name;
    }
    return l;
  }
}
