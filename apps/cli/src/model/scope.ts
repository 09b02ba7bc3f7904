import type { ExprScope } from '@memsim/conformance';
import {
  MapsType,
  MemoryPriority,
  ObjType,
  PAGE_SIZE,
  PROCESS_SHARED,
  Rights,
  Signals,
  VmOptions,
  VmarOp,
  VmoChildOptions,
  VmoInfoFlags,
  VmoOp,
  VmoOptions,
} from '@memsim/zircon-objects';

// The conformance package keeps its constant table internal; this mirrors its naming (the C headers' names) so
// `${ZX_VM_PERM_READ}` resolves here exactly as in the runner. See the report: an exported scope would remove this.
function constants(): Map<string, number | bigint> {
  const m = new Map<string, number | bigint>();
  const add = (prefix: string, table: object): void => {
    for (const [k, v] of Object.entries(table)) if (typeof v === 'number' && !/^\d/.test(k)) m.set(prefix + k, v);
  };
  add('ZX_RIGHT_', Rights);
  m.set('ZX_RIGHTS_BASIC', Rights.BASIC);
  m.set('ZX_RIGHTS_IO', Rights.IO);
  m.set('ZX_RIGHTS_PROPERTY', Rights.PROPERTY);
  m.set('ZX_DEFAULT_VMO_RIGHTS', Rights.DEFAULT_VMO);
  m.set('ZX_DEFAULT_VMAR_RIGHTS', Rights.DEFAULT_VMAR);
  m.set('ZX_DEFAULT_PROCESS_RIGHTS', Rights.DEFAULT_PROCESS);
  m.set('ZX_DEFAULT_JOB_RIGHTS', Rights.DEFAULT_JOB);
  add('ZX_VM_', VmOptions);
  for (let log2 = 10; log2 <= 32; log2++) {
    const unit = log2 >= 30 ? `${1 << (log2 - 30)}GB` : log2 >= 20 ? `${1 << (log2 - 20)}MB` : `${1 << (log2 - 10)}KB`;
    m.set(`ZX_VM_ALIGN_${unit}`, log2 * 2 ** 24);
  }
  add('ZX_VMO_', VmoOptions);
  add('ZX_VMO_CHILD_', VmoChildOptions);
  add('ZX_VMO_OP_', VmoOp);
  add('ZX_VMAR_OP_', VmarOp);
  add('ZX_INFO_VMO_', VmoInfoFlags);
  add('ZX_OBJ_TYPE_', ObjType);
  add('ZX_INFO_MAPS_TYPE_', MapsType);
  add('ZX_PRIORITY_', MemoryPriority);
  m.set('ZX_VMO_ZERO_CHILDREN', Signals.VMO_ZERO_CHILDREN);
  m.set('ZX_TASK_TERMINATED', Signals.TASK_TERMINATED);
  m.set('ZX_PROCESS_TERMINATED', Signals.PROCESS_TERMINATED);
  m.set('ZX_PROCESS_SHARED', PROCESS_SHARED);
  m.set('ZX_PAGE_SIZE', PAGE_SIZE);
  m.set('PAGE_SIZE', PAGE_SIZE);
  m.set('UINT64_MAX', 2n ** 64n - 1n);
  return m;
}

/** Bound step results of one run, falling back to the constants. */
export class Scope implements ExprScope {
  readonly #values = new Map<string, unknown>();
  readonly #constants = constants();

  has(name: string): boolean {
    return this.#values.has(name) || this.#constants.has(name);
  }
  lookup(name: string): unknown {
    return this.#values.has(name) ? this.#values.get(name) : this.#constants.get(name);
  }
  set(name: string, value: unknown): void {
    this.#values.set(name, value);
  }
  /** Every bound value (for finding the objects a scenario holds). */
  values(): unknown[] {
    return [...this.#values.values()];
  }
  /** Binds a step's result: the whole value, or named fields of it. */
  bind(bind: string | Readonly<Record<string, string>> | undefined, value: unknown): void {
    if (bind === undefined) return;
    if (typeof bind === 'string') return this.set(bind, value);
    for (const [field, name] of Object.entries(bind)) {
      this.set(name, value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined);
    }
  }
}
