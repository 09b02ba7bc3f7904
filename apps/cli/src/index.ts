// Owned resources implement Disposable: this reference makes the published .d.ts carry the declarations of
// Symbol.dispose and Disposable, so consumers compile with their own `lib` (e.g. ES2022) and skipLibCheck off.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * memsim: run, inspect and draw memory scenarios, and replay access traces through userspace swap. The `memsim`
 * binary is a thin shell over these functions.
 *
 * @packageDocumentation
 */

/**
 * The package's name.
 * @public
 */
export const PACKAGE_NAME = '@memsim/cli';

export { main } from './cli/main.js';
export type { CliIo } from './cli/io.js';
export { CliError, type CliErrorCode } from './cli/errors.js';
export { loadScenario, loadScenarioFiles } from './model/open.js';
export type { ModelState, ProcessState, RegionState, VmoState, MemoryState, PageResidency } from './model/state.js';
export { MAX_PAGES_SHOWN } from './model/state.js';
export { runCommand, type RunResult } from './commands/run.js';
export { inspectScenario, statesOf, formatState, type InspectView } from './commands/inspect.js';
export { drawSvg, drawHtml } from './draw/render.js';
export { parseTrace, generateTrace, SHAPES, MAX_TRACE_PAGES, type SwapTrace, type TraceEvent, type TraceShape, type GenerateOptions } from './swap/trace.js';
export { replayTrace, POLICIES, CLOCKS, type ClockName, type WallLatency, type PolicyName, type ReplayOptions, type SwapReport } from './swap/replay.js';
