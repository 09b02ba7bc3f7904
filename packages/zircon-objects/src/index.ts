// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Zircon kernel objects: handles and rights, VMOs with copy-on-write clones and slices, VMARs, processes, jobs,
 * memory priority and reclamation.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/zircon-objects';

export { ZxStatus, ZxError, statusName } from './status.js';
export type { U64 } from './args.js';
export {
  PAGE_SIZE,
  Rights,
  VmOptions,
  vmAlign,
  VmoOptions,
  VmoChildOptions,
  VmoOp,
  VmarOp,
  Signals,
  ObjType,
  MemoryPriority,
  PressureLevel,
  VmoInfoFlags,
  MapsType,
  PROCESS_SHARED,
  TASK_RETCODE_SYSCALL_KILL,
} from './constants.js';
export { Kernel, type KernelOptions } from './kernel/kernel.js';
export { ZX_SYSCALLS, type ZxSyscall, type ZxSyscallCounts } from './kernel/syscall-names.js';
export type { KernelContext, MemoryStats, ReclaimResult } from './kernel/kernel-context.js';
export { mulberry32 } from './kernel/prng.js';
export { Handle, type HandleBasicInfo } from './handles/handle.js';
export { Vmo, type VmoInfo, type VmoLockState, type PageState, type VmoPin } from './vmo/vmo.js';
export { Vmar, type VmarInfo, type MapsInfo } from './vmar/vmar.js';
export type { VmarMapsRecord, MappingInfo } from './vmar/vmar-object.js';
export { RangeTree } from './vmar/range-tree.js';
export { Job } from './task/job.js';
export { Process } from './task/process.js';
export { Thread } from './task/thread.js';
export type { AddressSpace, AccessKind, AccessResult, PageFault, PageFaultKind } from './task/address-space.js';
