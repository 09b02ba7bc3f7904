// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * Linux userfaultfd semantics and a complete userspace swap built on it: the ChromeOS design (seed 003) with the
 * swap-in path, the REMOVE / UNMAP / REMAP / FORK handling, policies and metrics that never landed in Chromium.
 *
 * @packageDocumentation
 */

/**
 * The package's name, as published.
 * @public
 */
export const PACKAGE_NAME = '@memsim/userspace-swap';

export { LinuxErrno, UffdError } from './errors/errno.js';
export type { ErrnoName } from './errors/errno.js';
export { SwapError } from './errors/swap-error.js';
export type { SwapErrorCode } from './errors/swap-error.js';
export { VirtualClock, SystemClock } from './clock/clock.js';
export type { Clock } from './clock/clock.js';
export {
  UFFD_API,
  UFFD_API_FEATURES,
  UffdFeature,
  UffdRegisterMode,
  UffdIoctl,
  UffdCopyMode,
  UffdZeropageMode,
  UffdWriteProtectMode,
  UffdPoisonMode,
  UffdMoveMode,
  UffdEventCode,
  UffdPagefaultFlag,
  UffdOpenFlag,
} from './uffd/constants.js';
export type {
  UffdAddressSpace,
  UffdContextHooks,
  UffdFaultAccess,
  UffdFaultOutcome,
  UffdTask,
  UffdVma,
  UffdVmaKind,
  UffdMoveRefusal,
} from './uffd/address-space.js';
export type { UffdMessage, UffdPagefaultMessage, UffdEventMessage, UffdFile, UffdApiResult, UserfaultFDHandler, PagefaultFlags, DispatchOptions } from './uffd/uffd-file.js';
export { UserfaultFD } from './uffd/userfaultfd.js';
export type { UserfaultFDOptions } from './uffd/userfaultfd.js';
export { SwapFile } from './swap/swap-file.js';
export type { SwapFileOptions, SwapFileStats } from './swap/swap-file.js';
export type { SwapCodecName } from './swap/codec/swap-codec.js';
export { SwapManager } from './swap/swap-manager.js';
export type { SwapManagerOptions, SwapFaultReport, SwapDecision, SwapWalkResult } from './swap/swap-manager.js';
export type { SwapRenderer, RendererState } from './swap/swap-renderer.js';
export { ChromeOSSwapPolicy, CHROMEOS_SWAP_DEFAULTS } from './policy/chromeos-policy.js';
export type { ChromeOSSwapPolicyConfig } from './policy/chromeos-policy.js';
export type {
  SwapPolicy,
  MemoryPressure,
  RendererSnapshot,
  SwapContext,
  SwapRegion,
  SwapIneligibleReason,
  SwapEligibility,
} from './policy/swap-policy.js';
export { LatencyHistogram } from './metrics/latency-histogram.js';
export type { LatencyBucket } from './metrics/latency-histogram.js';
export type { SwapMetricsSnapshot, FaultResolutionCounts } from './metrics/swap-metrics.js';
