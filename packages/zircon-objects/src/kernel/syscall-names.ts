// The names and the count array only: no imports, so the kernel's context can name the counts' type without an
// import circle through the counting function (syscalls.ts), which needs the context and the kernel's state.

/**
 * The Zircon syscalls the model's objects answer, named as Zircon names them: what {@link Kernel.syscallCounts}
 * counts. memsim extensions that are no syscall (`Vmo.pageState`, `presentPages`, `firstAbsentPage`, handle
 * accessors such as `koid()` or `rights`, user-mode memory access through `Process.addressSpace`) are not counted.
 * @public
 */
export const ZX_SYSCALLS = Object.freeze([
  'zx_vmo_create',
  'zx_vmo_create_child',
  'zx_vmo_read',
  'zx_vmo_write',
  'zx_vmo_get_size',
  'zx_vmo_set_size',
  'zx_vmo_op_range',
  'zx_vmo_replace_as_executable',
  'zx_vmar_allocate',
  'zx_vmar_map',
  'zx_vmar_unmap',
  'zx_vmar_protect',
  'zx_vmar_op_range',
  'zx_vmar_destroy',
  'zx_handle_close',
  'zx_handle_duplicate',
  'zx_handle_replace',
  'zx_object_get_info',
  'zx_object_get_property',
  'zx_object_set_property',
  'zx_object_set_profile',
  'zx_object_wait_one',
  'zx_bti_pin',
  'zx_pmt_unpin',
  'zx_process_create',
  'zx_thread_create',
  'zx_thread_start',
  'zx_job_create',
  'zx_task_kill',
] as const);

/**
 * The name of a counted Zircon syscall.
 * @public
 */
export type ZxSyscall = (typeof ZX_SYSCALLS)[number];

/**
 * How many times each Zircon syscall was made on one kernel (failed calls included), as
 * {@link Kernel.syscallCounts} returns it: a frozen snapshot with every name of {@link ZX_SYSCALLS}.
 * @public
 */
export type ZxSyscallCounts = Readonly<Record<ZxSyscall, number>>;

/** The index of each syscall in a kernel's count array (immutable). */
export const Sys: Readonly<Record<ZxSyscall, number>> = Object.freeze(
  Object.fromEntries(ZX_SYSCALLS.map((name, i) => [name, i])) as Record<ZxSyscall, number>,
);

/** A new count array, one slot per syscall. */
export function newCallCounts(): Float64Array {
  return new Float64Array(ZX_SYSCALLS.length);
}

/** The counts as a frozen object keyed by name. */
export function countsSnapshot(calls: Float64Array): ZxSyscallCounts {
  const out = {} as Record<ZxSyscall, number>;
  for (let i = 0; i < ZX_SYSCALLS.length; i++) out[ZX_SYSCALLS[i]] = calls[i];
  return Object.freeze(out);
}
