/**
 * The browser-safe part of memsim-conformance, for the playground: the scenario parser (given the bundled JSON
 * Schema) and the model sessions. Nothing reachable from here touches the file system, workers or the native probe
 * at run time.
 *
 * @packageDocumentation
 */
export { ConformanceError, ScenarioFileError, formatProblem } from './scenario/errors.js';
export type { ConformanceErrorCode, ScenarioProblem } from './scenario/errors.js';
export type { Scenario, Step, StepKind, ScenarioValue, ScenarioDomain } from './scenario/types.js';
export { ScenarioParser } from './scenario/parse.js';
export { createModelSession } from './session/create.js';
export { ZirconModelSession } from './session/zircon-session.js';
export { LinuxModelSession, LINUX_WINDOW_BASE } from './session/linux-session.js';
export { normalizeValue } from './engine/outcome.js';
export type { StepOutcome } from './engine/outcome.js';
export { onNextTurn } from './engine/turn.js';
