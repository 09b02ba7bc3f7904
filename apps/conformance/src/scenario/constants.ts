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

/** Prefixes the C headers use, so scenarios read like the core tests (`ZX_VM_PERM_READ`, `ZX_RIGHT_MAP`). */
function prefixed(prefix: string, table: Readonly<Record<string, number>>, out: Map<string, number | bigint>): void {
  for (const [k, v] of Object.entries(table)) if (typeof v === 'number') out.set(prefix + k, v);
}

function numericEnum(e: Record<string, string | number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v === 'number') out[k] = v;
  return out;
}

function build(): ReadonlyMap<string, number | bigint> {
  const m = new Map<string, number | bigint>();
  prefixed('ZX_RIGHT_', Rights, m);
  m.set('ZX_RIGHTS_BASIC', Rights.BASIC);
  m.set('ZX_RIGHTS_IO', Rights.IO);
  m.set('ZX_RIGHTS_PROPERTY', Rights.PROPERTY);
  m.set('ZX_DEFAULT_VMO_RIGHTS', Rights.DEFAULT_VMO);
  m.set('ZX_DEFAULT_VMAR_RIGHTS', Rights.DEFAULT_VMAR);
  m.set('ZX_DEFAULT_PROCESS_RIGHTS', Rights.DEFAULT_PROCESS);
  m.set('ZX_DEFAULT_JOB_RIGHTS', Rights.DEFAULT_JOB);
  prefixed('ZX_VM_', VmOptions, m);
  for (let log2 = 10; log2 <= 32; log2++) {
    const unit = log2 >= 30 ? `${1 << (log2 - 30)}GB` : log2 >= 20 ? `${1 << (log2 - 20)}MB` : `${1 << (log2 - 10)}KB`;
    m.set(`ZX_VM_ALIGN_${unit}`, log2 * 2 ** 24);
  }
  prefixed('ZX_VMO_', VmoOptions, m);
  prefixed('ZX_VMO_CHILD_', VmoChildOptions, m);
  prefixed('ZX_VMO_OP_', VmoOp, m);
  prefixed('ZX_VMAR_OP_', VmarOp, m);
  prefixed('ZX_INFO_VMO_', VmoInfoFlags, m);
  // Zircon's header spells the paged flag ZX_INFO_VMO_TYPE_PAGED.
  m.set('ZX_INFO_VMO_TYPE_PAGED', VmoInfoFlags.PAGED);
  prefixed('ZX_OBJ_TYPE_', numericEnum(ObjType), m);
  prefixed('ZX_INFO_MAPS_TYPE_', numericEnum(MapsType), m);
  prefixed('ZX_PRIORITY_', numericEnum(MemoryPriority), m);
  m.set('ZX_VMO_ZERO_CHILDREN', Signals.VMO_ZERO_CHILDREN);
  m.set('ZX_TASK_TERMINATED', Signals.TASK_TERMINATED);
  m.set('ZX_PROCESS_TERMINATED', Signals.PROCESS_TERMINATED);
  m.set('ZX_PROCESS_SHARED', PROCESS_SHARED);
  m.set('ZX_PAGE_SIZE', PAGE_SIZE);
  m.set('PAGE_SIZE', PAGE_SIZE);
  m.set('UINT64_MAX', 2n ** 64n - 1n);
  return m;
}

/**
 * Constant names usable in `${...}` expressions (the C headers' names: `ZX_VM_PERM_READ`, `ZX_RIGHT_MAP`,
 * `PAGE_SIZE`, `UINT64_MAX`, ...), with their values. Immutable.
 * @public
 */
export const CONSTANTS: ReadonlyMap<string, number | bigint> = build();

/** Names every scenario starts with (the model pre-binds them). */
export const PREBOUND = ['root_job'] as const;
