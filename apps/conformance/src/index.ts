// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * memsim-conformance: the scenario format (YAML, validated by a published JSON Schema), the runner that checks the
 * model against Zircon's documented behaviour and the live Linux kernel, the reporters and the fuzzer.
 *
 * @packageDocumentation
 */

export { ConformanceError, ScenarioFileError, formatProblem } from './scenario/errors.js';
export type { ConformanceErrorCode, ScenarioProblem } from './scenario/errors.js';
export type {
  Scenario,
  Step,
  StepKind,
  Expectation,
  ScenarioValue,
  ScenarioDomain,
  SourcePos,
  UpstreamTest,
} from './scenario/types.js';
export { ScenarioParser, parseScenarios } from './scenario/parse.js';
export { scenarioSchemaPath, loadScenarioSchema } from './scenario/schema.js';
export { evaluate, resolveTemplate, resolveValue } from './scenario/expr.js';
export type { ExprScope } from './scenario/expr.js';
export { runScenario } from './engine/run-case.js';
export type { RunCaseOptions } from './engine/run-case.js';
export type { BackendName, CaseResult, CaseStatus } from './engine/case.js';
export { normalizeValue, normalizeOutcome } from './engine/outcome.js';
export type { StepOutcome, StepReport } from './engine/outcome.js';
export { runSuites, summarize } from './runner/run-suites.js';
export type { RunSuitesOptions, RunReport, SuiteSummary, BackendChoice } from './runner/run-suites.js';
export type { DiffResult } from './runner/differential.js';
export { ModelSession } from './session/model-session.js';
export type { ModelStep, ModelSessionHooks } from './session/model-session.js';
export { ZirconModelSession } from './session/zircon-session.js';
export { LinuxModelSession, LINUX_WINDOW_BASE } from './session/linux-session.js';
export { createModelSession } from './session/create.js';
export { Bindings } from './engine/scope.js';
export { CONSTANTS as SCENARIO_CONSTANTS } from './scenario/constants.js';
export { ZIRCON_CALL_NAMES } from './backends/zircon.js';
export { loadScenarios, builtinSuites, builtinSuitesDir } from './runner/discover.js';
export type { LoadedScenarios } from './runner/discover.js';
export { renderTable, agreementCell } from './report/table.js';
export { designLines } from './report/designs.js';
export { toJsonReport } from './report/json.js';
export { toJunit } from './report/junit.js';
export { toHtml } from './report/html.js';
export { main } from './cli/main.js';
export type { CliIo } from './cli/io.js';
export { fuzzDifferential } from './fuzz/fuzz.js';
export { detectHostProfile, resolveRunKernel, loadKernelProfile, kernelLine } from './runner/host-profile.js';
export type { RunKernel } from './runner/host-profile.js';
export type { FuzzOptions, FuzzResult, FuzzBackend } from './fuzz/fuzz.js';
export type { FuzzOp } from './fuzz/generate.js';
