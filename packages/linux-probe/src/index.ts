// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The native C probe of the live Linux kernel, shared by the conformance runner, starnix-mm's checks and the
 * benchmarks: scenarios of Linux memory operations run in a fresh child process inside a fixed address window, and
 * their results (values, errnos, fault signals, maps lines, page hashes, userfaultfd events) come back typed.
 *
 * @packageDocumentation
 */

export { isProbeAvailable, probeAvailability, compileProbe } from './compile.js';
export type { ProbeAvailability } from './compile.js';
export { runScenario, runScenarios, runBench, probeInfo } from './run.js';
export type { RunOptions, BenchOutcome } from './run.js';
export {
  ProbeError,
  ProbeUnavailableError,
  ProbeCompileError,
  ProbeTimeoutError,
  ProbeCrashError,
  ProbeScenarioError,
  ProbeProtocolError,
} from './errors.js';
export type { ProbeErrorCode } from './errors.js';
export type {
  LinuxOp,
  LinuxOpName,
  BenchOp,
  BenchName,
  OpCommon,
  ProbeInt,
  ProbeAddr,
  ProbeFlags,
  ProbeBytes,
  ProbeFd,
  ProbeRange,
  ProtName,
  MapFlagName,
  MremapFlagName,
  AdviceName,
  MsyncFlagName,
  MlockallFlagName,
  RlimitName,
  CapabilityName,
  OpenModeName,
  UffdFlagName,
  UffdFeatureName,
  UffdRegisterModeName,
  PageCategoryName,
  PagemapScanFlagName,
  PagemapScanOp,
} from './ops.js';
export type {
  LinuxOpResult,
  LinuxCallResult,
  LinuxOk,
  LinuxErrno,
  LinuxFault,
  LinuxValue,
  ProbeAddress,
  SmapsEntry,
  UffdEvent,
  BenchValue,
  PagemapScanValue,
  ScenarioOutcome,
  ScenarioStatus,
  ProbeInfo,
  ProbeProfileFacts,
} from './results.js';
export { PROBE_WINDOW_BASE, PROBE_WINDOW_SIZE } from './window.js';
