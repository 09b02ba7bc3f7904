import {
  Handle,
  Job,
  Kernel,
  PressureLevel,
  Process,
  Rights,
  Vmar,
  Vmo,
  ZxError,
  statusName,
  type AccessResult,
  type KernelOptions,
  type VmoPin,
} from '@memsim/zircon-objects';
import type { StepArgs } from '../engine/args.js';
import type { StepOutcome } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import type { ScenarioValue } from '../scenario/types.js';

type Call = (a: StepArgs, k: Kernel) => unknown;

const VMO_CALLS: Record<string, Call> = {
  vmo_create: (a, k) => Vmo.create(k, a.u64('size'), a.num('options', 0)),
  vmo_read: (a) => a.obj('handle', Vmo).read(a.u64('length'), a.u64('offset', 0)),
  vmo_write: (a) => a.obj('handle', Vmo).write(a.bytes(), a.u64('offset', 0)),
  vmo_get_size: (a) => a.obj('handle', Vmo).getSize(),
  vmo_set_size: (a) => a.obj('handle', Vmo).setSize(a.u64('size')),
  vmo_get_content_size: (a) => a.obj('handle', Vmo).getContentSize(),
  vmo_set_content_size: (a) => a.obj('handle', Vmo).setContentSize(a.u64('size')),
  vmo_get_name: (a) => a.obj('handle', Vmo).getName(),
  vmo_set_name: (a) => a.obj('handle', Vmo).setName(a.str('name')),
  vmo_create_child: (a) => a.obj('handle', Vmo).createChild(a.num('options'), a.u64('offset', 0), a.u64('size')),
  vmo_op_range: (a) => a.obj('handle', Vmo).opRange(a.num('op'), a.u64('offset', 0), a.u64('size')) ?? null,
  vmo_replace_as_executable: (a) => a.obj('handle', Vmo).replaceAsExecutable(),
  vmo_info: (a) => a.obj('handle', Vmo).info(),
  vmo_page_state: (a) => a.obj('handle', Vmo).pageState(a.u64('offset')),
  // memsim's pin extension, standing in for zx_bti_pin on the VMO (core tests pin through a BTI).
  vmo_pin: (a) => a.obj('handle', Vmo).pin(a.u64('offset', 0), a.u64('length'), a.raw('writable') === true),
  vmo_unpin: (a) => {
    const pin = a.raw('handle') as VmoPin | undefined;
    if (pin === undefined || typeof pin !== 'object' || typeof (pin as Partial<VmoPin>).unpin !== 'function')
      throw new ConformanceError('BAD_ARGUMENT', "vmo_unpin: argument 'handle' must be a pin bound by vmo_pin");
    pin.unpin();
  },
};

const HANDLE_CALLS: Record<string, Call> = {
  handle_duplicate: (a) => a.obj('handle', Handle).duplicate(a.num('rights', Rights.SAME_RIGHTS)),
  handle_replace: (a) => a.obj('handle', Handle).replace(a.num('rights', Rights.SAME_RIGHTS)),
  handle_close: (a) => a.obj('handle', Handle).close(),
  handle_basic_info: (a) => a.obj('handle', Handle).basicInfo(),
  object_signals: (a) => a.obj('handle', Handle).signals(),
  object_wait_one: (a) => a.obj('handle', Handle).waitOne(a.num('signals'), a.num('deadline', 0)),
};

const VMAR_CALLS: Record<string, Call> = {
  vmar_allocate: (a) => a.obj('handle', Vmar).allocate(a.num('options'), a.u64('offset', 0), a.u64('size')),
  vmar_map: (a) =>
    // Any handle may stand where the VMO belongs: the model answers WRONG_TYPE (vmar.cc InvalidArgsTest).
    a.obj('handle', Vmar).map(a.num('options'), a.u64('offset', 0), a.obj('vmo', Handle) as Vmo, a.u64('vmo_offset', 0), a.u64('len')),
  vmar_unmap: (a) => a.obj('handle', Vmar).unmap(a.u64('addr'), a.u64('len')),
  vmar_protect: (a) => a.obj('handle', Vmar).protect(a.num('options'), a.u64('addr'), a.u64('len')),
  vmar_destroy: (a) => a.obj('handle', Vmar).destroy(),
  vmar_op_range: (a) => a.obj('handle', Vmar).opRange(a.num('op'), a.u64('addr'), a.u64('len')),
  vmar_info: (a) => a.obj('handle', Vmar).info(),
  vmar_maps_info: (a) => a.obj('handle', Vmar).mapsInfo(a.u64('max', Number.MAX_SAFE_INTEGER)),
  vmar_set_memory_priority: (a) => a.obj('handle', Vmar).setMemoryPriority(a.num('priority')),
  vmar_memory_priority: (a) => a.obj('handle', Vmar).memoryPriority(),
};

const TASK_CALLS: Record<string, Call> = {
  process_create: (a, k) => {
    const { process, rootVmar } = Process.create(a.obj('job', Job, k.rootJob), a.str('name', ''), a.num('options', 0));
    return { process, vmar: rootVmar };
  },
  process_kill: (a) => a.obj('handle', Process).kill(),
  process_maps_info: (a) => a.obj('handle', Process).mapsInfo(a.u64('max', Number.MAX_SAFE_INTEGER)),
  job_create: (a, k) => Job.create(a.obj('parent', Job, k.rootJob), a.num('options', 0)),
  job_kill: (a) => a.obj('handle', Job).kill(),
  kernel_memory: (_a, k) => ({
    totalBytes: k.memory.totalBytes,
    committedBytes: k.memory.committedBytes(),
    compressedBytes: k.memory.compressedBytes(),
    freeBytes: k.memory.freeBytes(),
    pressure: PressureLevel[k.pressureLevel()],
  }),
  kernel_force_pressure: (a, k) => {
    const level = a.raw('level');
    if (level === null || level === undefined) return k.forcePressure(null);
    const n = typeof level === 'string' && level in PressureLevel ? (PressureLevel[level as keyof typeof PressureLevel] as number) : a.num('level');
    return k.forcePressure(n);
  },
  kernel_reclaim: (_a, k) => k.reclaim(),
};

const CALLS: Record<string, Call> = { ...VMO_CALLS, ...HANDLE_CALLS, ...VMAR_CALLS, ...TASK_CALLS };

function faultOutcome(r: AccessResult, value: unknown): StepOutcome {
  if (r.ok) return { kind: 'ok', value };
  // The signal a Linux program (Starnix) would get for this Zircon fault.
  const [signal, code] =
    r.fault.kind === 'not-mapped'
      ? ['SIGSEGV', 'SEGV_MAPERR']
      : r.fault.kind === 'access-denied'
        ? ['SIGSEGV', 'SEGV_ACCERR']
        : ['SIGBUS', 'BUS_ADRERR'];
  return { kind: 'fault', signal, code, faultAddr: r.fault.address, fault: r.fault.kind };
}

/**
 * Runs Zircon steps on one model kernel (one per case, so cases never share state).
 */
export class ZirconBackend {
  readonly kernel: Kernel;
  constructor(options: Readonly<Record<string, ScenarioValue>> = {}) {
    const opts: KernelOptions = { seed: 1 };
    if (typeof options['seed'] === 'number') opts.seed = options['seed'];
    if (typeof options['aslr'] === 'boolean') opts.aslr = options['aslr'];
    if (typeof options['aslrEntropyBits'] === 'number') opts.aslrEntropyBits = options['aslrEntropyBits'];
    if (typeof options['physicalMemoryBytes'] === 'number') opts.physicalMemoryBytes = options['physicalMemoryBytes'];
    this.kernel = new Kernel(opts);
  }

  /** Executes one `zx:` call. Zircon statuses become `status` outcomes; scenario mistakes throw. */
  call(name: string, args: StepArgs): StepOutcome {
    const fn = CALLS[name];
    if (!fn) throw new ConformanceError('BAD_ARGUMENT', `unknown Zircon call '${name}'`);
    try {
      return { kind: 'ok', value: fn(args, this.kernel) ?? null };
    } catch (e) {
      if (e instanceof ZxError) return { kind: 'status', status: statusName(e.status), detail: e.message };
      throw e;
    }
  }

  /** A user-mode access by a thread of `process`. */
  access(kind: string, args: StepArgs): StepOutcome {
    const space = args.obj('process', Process).addressSpace;
    const addr = args.num('addr');
    try {
      if (kind === 'read') {
        const buf = new Uint8Array(args.num('length'));
        return faultOutcome(space.read(addr, buf), buf);
      }
      if (kind === 'write') return faultOutcome(space.write(addr, args.bytes()), null);
      return faultOutcome(space.execute(addr), null);
    } catch (e) {
      if (e instanceof ZxError) return { kind: 'status', status: statusName(e.status), detail: e.message };
      throw e;
    }
  }
}

/**
 * Zircon call names (`zx:` steps) the model backend implements.
 * @public
 */
export const ZIRCON_CALL_NAMES: readonly string[] = Object.keys(CALLS);
