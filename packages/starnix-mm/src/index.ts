// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The Linux memory manager (mmap and friends, faults, fork, /proc maps) on top of Zircon objects, as Starnix builds it.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/starnix-mm';

export { Errno, ErrnoError, type ErrnoName } from './errno/errno.js';
export { Prot, MapFlags, MremapFlags, Advice, MsyncFlags, MlockFlags } from './abi/constants.js';
export type { SysInt } from './abi/args.js';
export { MemFile } from './files/mem-file.js';
export {
  MemoryManager,
  type MemoryManagerOptions,
  type Rlimit,
  type MmRlimits,
  type FileDescription,
  type LinuxFault,
  type UserAccessResult,
  type KernelCopyGranularity,
  type MemoryManagerUffdOptions,
} from './mm/memory-manager.js';
export { UffdWouldBlockError } from './uffd/uffd-would-block.js';
export { Pagemap } from './mm/pagemap.js';
export { PageCategory, PagemapScanFlag, type PagemapScanArgs, type PagemapScanResult, type PageRegion } from './mm/pagemap-scan.js';
export { MmInvariantError } from './mm/validate.js';
export type { AddressSpaceLayout } from './mm/zircon-space.js';
export type { AnonBackingDesign, AnonVmoInfo } from './mm/anon-backing/design.js';
export {
  type KernelProfile,
  type KernelProfileField,
  type KernelProfileSource,
  type VmAccountRule,
  type OvercommitMode,
  type HostMmFacts,
  type KernelFeatures,
  KERNEL_PROFILE_FIELDS,
  KERNEL_PROFILES,
  DEFAULT_KERNEL_PROFILE,
  LINUX_6_18_V669,
  LINUX_6_18_V1272,
  KernelProfileError,
  kernelProfile,
  parseKernelProfile,
  profileFromHost,
  profileDifferences,
  describeKernelProfile,
  featuresOfRelease,
} from './profile/kernel-profile.js';
