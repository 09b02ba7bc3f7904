/**
 * The browser-safe part of the CLI, for the playground: the stepper `inspect` and `draw` use, the drawing, and
 * trace parsing and replay. Nothing reachable from here touches the file system or spawns a process at run time.
 *
 * @packageDocumentation
 */
export { Stepper, type ExecutedStep, type HandleView } from './model/stepper.js';
export type { ModelState, ProcessState, RegionState, VmoState, MemoryState, PageResidency } from './model/state.js';
export { vmoForest, type VmoForest } from './model/vmo-forest.js';
export { drawSvg } from './draw/render.js';
export { bytes, hexAddr } from './commands/format.js';
export { parseTraceFile, TraceFormatError, type Trace, type SysRecord } from './trace/format.js';
export { TraceReplayer, MM_CALLS, callCount, memoryCalls, type CallOutcome } from './trace/replay.js';
export { traceView, type TraceView } from './trace/view.js';
