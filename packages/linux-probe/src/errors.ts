import type { LinuxOpResult } from './results.js';

/**
 * Machine-readable codes of {@link ProbeError}.
 *
 * @public
 */
export type ProbeErrorCode =
  | 'PROBE_UNAVAILABLE'
  | 'PROBE_COMPILE_FAILED'
  | 'PROBE_TIMEOUT'
  | 'PROBE_CRASH'
  | 'PROBE_BAD_SCENARIO'
  | 'PROBE_PROTOCOL';

/**
 * Base class of every error the probe API throws; `code` says which failure it is.
 *
 * @public
 */
export class ProbeError extends Error {
  readonly code: ProbeErrorCode;
  constructor(code: ProbeErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The probe cannot run here (not Linux, no C compiler); `reason` is one line saying why.
 *
 * @public
 */
export class ProbeUnavailableError extends ProbeError {
  readonly reason: string;
  constructor(reason: string) {
    super('PROBE_UNAVAILABLE', `linux probe unavailable: ${reason}`);
    this.reason = reason;
  }
}

/**
 * The C compiler rejected the probe source; `output` holds the compiler's diagnostics.
 *
 * @public
 */
export class ProbeCompileError extends ProbeError {
  readonly output: string;
  constructor(message: string, output: string) {
    super('PROBE_COMPILE_FAILED', message);
    this.output = output;
  }
}

/**
 * A scenario did not finish in time. `partial` holds the results of the operations that did finish.
 *
 * @public
 */
export class ProbeTimeoutError extends ProbeError {
  readonly partial: readonly LinuxOpResult[];
  constructor(message: string, partial: readonly LinuxOpResult[]) {
    super('PROBE_TIMEOUT', message);
    this.partial = partial;
  }
}

/**
 * A scenario process (or the probe itself) died unexpectedly, e.g. killed by a signal outside an access operation.
 * `partial` holds the results that came back before.
 *
 * @public
 */
export class ProbeCrashError extends ProbeError {
  readonly partial: readonly LinuxOpResult[];
  readonly signal: string | undefined;
  constructor(message: string, partial: readonly LinuxOpResult[], signal?: string) {
    super('PROBE_CRASH', message);
    this.partial = partial;
    this.signal = signal;
  }
}

/**
 * The probe refused the scenario or one of its operations (malformed op, unknown name, missing field).
 * `opIndex` is the operation's index when one operation was at fault.
 *
 * @public
 */
export class ProbeScenarioError extends ProbeError {
  readonly opIndex: number | undefined;
  constructor(message: string, opIndex?: number) {
    super('PROBE_BAD_SCENARIO', message);
    this.opIndex = opIndex;
  }
}

/**
 * The probe's output could not be understood (a bug in the probe or a broken pipe).
 *
 * @public
 */
export class ProbeProtocolError extends ProbeError {
  constructor(message: string) {
    super('PROBE_PROTOCOL', message);
  }
}
