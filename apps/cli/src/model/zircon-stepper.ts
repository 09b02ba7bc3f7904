import type { Scenario, ScenarioValue, Step } from '@memsim/conformance';
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
} from '@memsim/zircon-objects';
import { CliError } from '../cli/errors.js';
import { Args } from './args.js';
import { mappedOnlyVmos, memoryOf, processState, vmoState } from './snapshot.js';
import type { ModelState, VmoState } from './state.js';
import { showValue, Stepper } from './stepper.js';

type Call = (a: Args, k: Kernel) => unknown;

// The same calls, names and argument names as the conformance runner's model backend (its README documents them).
const CALLS: Record<string, Call> = {
  vmo_create: (a, k) => Vmo.create(k, a.num('size'), a.num('options', 0)),
  vmo_read: (a) => a.obj('handle', Vmo).read(a.num('length'), a.num('offset', 0)),
  vmo_write: (a) => a.obj('handle', Vmo).write(a.bytes(), a.num('offset', 0)),
  vmo_get_size: (a) => a.obj('handle', Vmo).getSize(),
  vmo_set_size: (a) => a.obj('handle', Vmo).setSize(a.num('size')),
  vmo_get_content_size: (a) => a.obj('handle', Vmo).getContentSize(),
  vmo_set_content_size: (a) => a.obj('handle', Vmo).setContentSize(a.num('size')),
  vmo_get_name: (a) => a.obj('handle', Vmo).getName(),
  vmo_set_name: (a) => a.obj('handle', Vmo).setName(a.str('name')),
  vmo_create_child: (a) => a.obj('handle', Vmo).createChild(a.num('options'), a.num('offset', 0), a.num('size')),
  vmo_op_range: (a) => a.obj('handle', Vmo).opRange(a.num('op'), a.num('offset', 0), a.num('size')) ?? null,
  vmo_replace_as_executable: (a) => a.obj('handle', Vmo).replaceAsExecutable(),
  vmo_info: (a) => a.obj('handle', Vmo).info(),
  vmo_page_state: (a) => a.obj('handle', Vmo).pageState(a.num('offset')),
  handle_duplicate: (a) => a.obj('handle', Handle).duplicate(a.num('rights', Rights.SAME_RIGHTS)),
  handle_replace: (a) => a.obj('handle', Handle).replace(a.num('rights', Rights.SAME_RIGHTS)),
  handle_close: (a) => a.obj('handle', Handle).close(),
  handle_basic_info: (a) => a.obj('handle', Handle).basicInfo(),
  object_signals: (a) => a.obj('handle', Handle).signals(),
  object_wait_one: (a) => a.obj('handle', Handle).waitOne(a.num('signals'), a.num('deadline', 0)),
  vmar_allocate: (a) => a.obj('handle', Vmar).allocate(a.num('options'), a.num('offset', 0), a.num('size')),
  vmar_map: (a) => a.obj('handle', Vmar).map(a.num('options'), a.num('offset', 0), a.obj('vmo', Vmo), a.num('vmo_offset', 0), a.num('len')),
  vmar_unmap: (a) => a.obj('handle', Vmar).unmap(a.num('addr'), a.num('len')),
  vmar_protect: (a) => a.obj('handle', Vmar).protect(a.num('options'), a.num('addr'), a.num('len')),
  vmar_destroy: (a) => a.obj('handle', Vmar).destroy(),
  vmar_op_range: (a) => a.obj('handle', Vmar).opRange(a.num('op'), a.num('addr'), a.num('len')),
  vmar_info: (a) => a.obj('handle', Vmar).info(),
  vmar_maps_info: (a) => a.obj('handle', Vmar).mapsInfo(a.num('max', Number.MAX_SAFE_INTEGER)),
  vmar_set_memory_priority: (a) => a.obj('handle', Vmar).setMemoryPriority(a.num('priority')),
  vmar_memory_priority: (a) => a.obj('handle', Vmar).memoryPriority(),
  process_create: (a, k) => {
    const { process, rootVmar } = Process.create(a.obj('job', Job, k.rootJob), a.str('name', ''), a.num('options', 0));
    return { process, vmar: rootVmar };
  },
  process_kill: (a) => a.obj('handle', Process).kill(),
  process_maps_info: (a) => a.obj('handle', Process).mapsInfo(a.num('max', Number.MAX_SAFE_INTEGER)),
  job_create: (a, k) => Job.create(a.obj('parent', Job, k.rootJob), a.num('options', 0)),
  job_kill: (a) => a.obj('handle', Job).kill(),
  kernel_memory: (_a, k) => memoryOf(k),
  kernel_force_pressure: (a, k) => {
    const level = a.raw('level');
    if (level === null || level === undefined) return k.forcePressure(null);
    const n = typeof level === 'string' && level in PressureLevel ? (PressureLevel[level as keyof typeof PressureLevel] as number) : a.num('level');
    return k.forcePressure(n);
  },
  kernel_reclaim: (_a, k) => k.reclaim(),
};

function kernelOptions(options: Readonly<Record<string, ScenarioValue>>): KernelOptions {
  const opts: KernelOptions = { seed: 1 };
  if (typeof options['seed'] === 'number') opts.seed = options['seed'];
  if (typeof options['aslr'] === 'boolean') opts.aslr = options['aslr'];
  if (typeof options['aslrEntropyBits'] === 'number') opts.aslrEntropyBits = options['aslrEntropyBits'];
  if (typeof options['physicalMemoryBytes'] === 'number') opts.physicalMemoryBytes = options['physicalMemoryBytes'];
  return opts;
}

function faultText(r: AccessResult): { ok: boolean; text: string } {
  if (r.ok) return { ok: true, text: 'ok' };
  return { ok: false, text: `fault ${r.fault.kind} at 0x${r.fault.address.toString(16)}` };
}

/** Steps a Zircon scenario on one model kernel. */
export class ZirconStepper extends Stepper {
  readonly kernel: Kernel;
  // Every handle-bearing object a step ever produced, in creation order (bindings may be overwritten).
  readonly #seen: object[] = [];
  readonly #names = new Map<object, string>();

  constructor(scenario: Scenario) {
    super(scenario);
    this.kernel = new Kernel(kernelOptions(scenario.kernel ?? {}));
    this.scope.set('root_job', this.kernel.rootJob);
  }

  protected exec(step: Step, values: Record<string, unknown>): { ok: boolean; value?: unknown; text: string } {
    const a = new Args(step.call, values, this.scope);
    try {
      if (step.kind === 'zx') {
        const fn = CALLS[step.call];
        if (!fn) throw new CliError('BAD_INPUT', `unknown Zircon call '${step.call}'`);
        const value = fn(a, this.kernel) ?? null;
        this.#track(value, step);
        return { ok: true, value, text: showValue(value) };
      }
      if (step.kind === 'access') {
        const space = a.obj('process', Process).addressSpace;
        const addr = a.num('addr');
        if (step.call === 'read') {
          const buf = new Uint8Array(a.num('length'));
          const r = faultText(space.read(addr, buf));
          return r.ok ? { ok: true, value: buf, text: showValue(buf) } : r;
        }
        return faultText(step.call === 'write' ? space.write(addr, a.bytes()) : space.execute(addr));
      }
      throw new CliError('BAD_INPUT', `a ${step.kind} step needs a Linux scenario`);
    } catch (e) {
      if (e instanceof ZxError) return { ok: false, text: statusName(e.status) };
      throw e;
    }
  }

  #track(value: unknown, step: Step): void {
    const objs = value instanceof Handle ? [value] : value && typeof value === 'object' ? Object.values(value) : [];
    for (const o of objs) {
      if (!(o instanceof Handle) || this.#seen.includes(o)) continue;
      this.#seen.push(o);
      const bind = typeof step.bind === 'string' ? step.bind : step.bind ? Object.entries(step.bind).find(([f]) => (value as Record<string, unknown>)[f] === o)?.[1] : undefined;
      if (bind) this.#names.set(o, bind);
    }
  }

  protected snapshot(): Omit<ModelState, 'step' | 'label' | 'outcome'> {
    const processes = this.#seen
      .filter((o): o is Process => o instanceof Process)
      .map((p) => processState(this.#names.get(p) ?? p.getName(), p));
    const vmos: VmoState[] = [];
    const known = new Set<number>();
    for (const o of this.#seen) {
      if (!(o instanceof Vmo)) continue;
      const s = vmoState(o);
      if (!s || known.has(s.koid)) continue;
      known.add(s.koid);
      const bound = this.#names.get(o);
      vmos.push(bound && !s.name ? { ...s, name: bound } : s);
    }
    vmos.push(...mappedOnlyVmos(processes, known));
    return { domain: 'zircon', processes, vmos, memory: memoryOf(this.kernel) };
  }
}
