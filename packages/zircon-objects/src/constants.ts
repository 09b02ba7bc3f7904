/** Page size of the modelled machine. @public */
export const PAGE_SIZE = 4096;

/**
 * Handle rights (`zircon/rights.h`).
 * @public
 */
export const Rights = Object.freeze({
  NONE: 0,
  DUPLICATE: 1 << 0,
  TRANSFER: 1 << 1,
  READ: 1 << 2,
  WRITE: 1 << 3,
  EXECUTE: 1 << 4,
  MAP: 1 << 5,
  GET_PROPERTY: 1 << 6,
  SET_PROPERTY: 1 << 7,
  ENUMERATE: 1 << 8,
  DESTROY: 1 << 9,
  SET_POLICY: 1 << 10,
  GET_POLICY: 1 << 11,
  SIGNAL: 1 << 12,
  SIGNAL_PEER: 1 << 13,
  WAIT: 1 << 14,
  INSPECT: 1 << 15,
  MANAGE_JOB: 1 << 16,
  MANAGE_PROCESS: 1 << 17,
  MANAGE_THREAD: 1 << 18,
  APPLY_PROFILE: 1 << 19,
  MANAGE_SOCKET: 1 << 20,
  OP_CHILDREN: 1 << 21,
  RESIZE: 1 << 22,
  ATTACH_VMO: 1 << 23,
  MANAGE_VMO: 1 << 24,
  // 1 << 31 is negative as an int32; keep it as the unsigned value.
  SAME_RIGHTS: 0x8000_0000,
  BASIC: (1 << 1) | (1 << 0) | (1 << 14) | (1 << 15),
  IO: (1 << 2) | (1 << 3),
  PROPERTY: (1 << 6) | (1 << 7),
  POLICY: (1 << 11) | (1 << 10),
  DEFAULT_VMO: (1 << 1) | (1 << 0) | (1 << 14) | (1 << 15) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 7) | (1 << 5) | (1 << 12),
  DEFAULT_VMAR: (1 << 1) | (1 << 0) | (1 << 15) | (1 << 21),
  DEFAULT_PROCESS:
    (1 << 1) | (1 << 0) | (1 << 14) | (1 << 15) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) |
    (1 << 12) | (1 << 17) | (1 << 18),
  DEFAULT_THREAD:
    (1 << 1) | (1 << 0) | (1 << 14) | (1 << 15) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 7) | (1 << 9) | (1 << 12) |
    (1 << 18),
  DEFAULT_JOB:
    (1 << 1) | (1 << 0) | (1 << 14) | (1 << 15) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) |
    (1 << 12) | (1 << 11) | (1 << 10) | (1 << 16) | (1 << 17) | (1 << 18),
});

/**
 * VMAR map/allocate/protect options (`ZX_VM_*`).
 * @public
 */
export const VmOptions = Object.freeze({
  PERM_READ: 1 << 0,
  PERM_WRITE: 1 << 1,
  PERM_EXECUTE: 1 << 2,
  COMPACT: 1 << 3,
  SPECIFIC: 1 << 4,
  SPECIFIC_OVERWRITE: 1 << 5,
  CAN_MAP_SPECIFIC: 1 << 6,
  CAN_MAP_READ: 1 << 7,
  CAN_MAP_WRITE: 1 << 8,
  CAN_MAP_EXECUTE: 1 << 9,
  MAP_RANGE: 1 << 10,
  REQUIRE_NON_RESIZABLE: 1 << 11,
  ALLOW_FAULTS: 1 << 12,
  OFFSET_IS_UPPER_LIMIT: 1 << 13,
  PERM_READ_IF_XOM_UNSUPPORTED: 1 << 14,
  FAULT_BEYOND_STREAM_SIZE: 1 << 15,
  ALIGN_BASE: 24,
  ALIGN_1KB: 10 << 24,
  ALIGN_2KB: 11 << 24,
  ALIGN_4KB: 12 << 24,
  ALIGN_8KB: 13 << 24,
  ALIGN_16KB: 14 << 24,
  ALIGN_32KB: 15 << 24,
  ALIGN_64KB: 16 << 24,
  ALIGN_128KB: 17 << 24,
  ALIGN_256KB: 18 << 24,
  ALIGN_512KB: 19 << 24,
  ALIGN_1MB: 20 << 24,
  ALIGN_2MB: 21 << 24,
  ALIGN_4MB: 22 << 24,
  ALIGN_8MB: 23 << 24,
  ALIGN_16MB: 24 << 24,
  ALIGN_32MB: 25 << 24,
  ALIGN_64MB: 26 << 24,
  ALIGN_128MB: 27 << 24,
  ALIGN_256MB: 28 << 24,
  ALIGN_512MB: 29 << 24,
  ALIGN_1GB: 30 << 24,
  ALIGN_2GB: 31 << 24,
  ALIGN_4GB: 32 << 24,
});

/**
 * The `ZX_VM_ALIGN_n` option bits for an alignment of `2^log2` bytes (valid log2: 10..32).
 * @public
 */
export function vmAlign(log2: number): number {
  // Any value of the 8-bit field can be encoded (map/allocate reject the invalid ones with INVALID_ARGS); anything
  // else would give option bits outside u32 or not integers at all.
  if (typeof log2 !== 'number' || !Number.isInteger(log2) || log2 < 0 || log2 > 255) {
    throw new RangeError('vmAlign: log2 must be an integer from 0 to 255');
  }
  // Multiplication keeps the value positive where `<<` would overflow int32.
  return log2 * 2 ** 24;
}

/**
 * `zx_vmo_create` options.
 * @public
 */
export const VmoOptions = Object.freeze({
  RESIZABLE: 1 << 1,
  DISCARDABLE: 1 << 2,
  TRAP_DIRTY: 1 << 3,
  UNBOUNDED: 1 << 4,
});

/**
 * `zx_vmo_create_child` options.
 * @public
 */
export const VmoChildOptions = Object.freeze({
  SNAPSHOT: 1 << 0,
  RESIZABLE: 1 << 2,
  SLICE: 1 << 3,
  SNAPSHOT_AT_LEAST_ON_WRITE: 1 << 4,
  NO_WRITE: 1 << 5,
  REFERENCE: 1 << 6,
  SNAPSHOT_MODIFIED: 1 << 7,
});

/**
 * `zx_vmo_op_range` operations.
 * @public
 */
export const VmoOp = Object.freeze({
  COMMIT: 1,
  DECOMMIT: 2,
  LOCK: 3,
  UNLOCK: 4,
  CACHE_SYNC: 6,
  CACHE_INVALIDATE: 7,
  CACHE_CLEAN: 8,
  CACHE_CLEAN_INVALIDATE: 9,
  ZERO: 10,
  TRY_LOCK: 11,
  DONT_NEED: 12,
  ALWAYS_NEED: 13,
  PREFETCH: 14,
});

/**
 * `zx_vmar_op_range` operations.
 * @public
 */
export const VmarOp = Object.freeze({
  COMMIT: 1,
  DECOMMIT: 2,
  MAP_RANGE: 3,
  ZERO: 10,
  DONT_NEED: 12,
  ALWAYS_NEED: 13,
  PREFETCH: 14,
});

/**
 * Object signals. VMO_ZERO_CHILDREN, TASK_TERMINATED and JOB_TERMINATED are all the object's SIGNALED bit.
 * @public
 */
export const Signals = Object.freeze({
  NONE: 0,
  OBJECT_SIGNALED: 1 << 3,
  VMO_ZERO_CHILDREN: 1 << 3,
  TASK_TERMINATED: 1 << 3,
  PROCESS_TERMINATED: 1 << 3,
  JOB_TERMINATED: 1 << 3,
  USER_0: 1 << 24,
  USER_1: 1 << 25,
  USER_2: 1 << 26,
  USER_3: 1 << 27,
  USER_4: 1 << 28,
  USER_5: 1 << 29,
  USER_6: 1 << 30,
  USER_ALL: 0x7f00_0000 + 0x8000_0000,
});

/**
 * Kernel object types (`ZX_OBJ_TYPE_*`).
 * @public
 */
export enum ObjType {
  NONE = 0,
  PROCESS = 1,
  THREAD = 2,
  VMO = 3,
  JOB = 17,
  VMAR = 18,
}

/**
 * Memory priorities of memory profiles applied to a VMAR.
 * @public
 */
export enum MemoryPriority {
  DEFAULT = 16,
  HIGH = 24,
}

/**
 * Kernel memory-pressure levels, least to most severe.
 * @public
 */
export enum PressureLevel {
  Normal = 0,
  Warning = 1,
  Critical = 2,
  ImminentOutOfMemory = 3,
  OutOfMemory = 4,
}

/**
 * `zx_info_vmo_t.flags` bits.
 * @public
 */
export const VmoInfoFlags = Object.freeze({
  PAGED: 1 << 0,
  RESIZABLE: 1 << 1,
  IS_COW_CLONE: 1 << 2,
  VIA_HANDLE: 1 << 3,
  VIA_MAPPING: 1 << 4,
  PAGER_BACKED: 1 << 5,
  CONTIGUOUS: 1 << 6,
  DISCARDABLE: 1 << 7,
  IMMUTABLE: 1 << 8,
});

/**
 * `zx_info_maps_t.type` values.
 * @public
 */
export enum MapsType {
  NONE = 0,
  ASPACE = 1,
  VMAR = 2,
  MAPPING = 3,
}

/**
 * Process creation option: share the address space (ZX_PROCESS_SHARED).
 * @public
 */
export const PROCESS_SHARED = 1 << 0;

/**
 * The return code of a killed task (ZX_TASK_RETCODE_SYSCALL_KILL).
 * @public
 */
export const TASK_RETCODE_SYSCALL_KILL = -1024;
