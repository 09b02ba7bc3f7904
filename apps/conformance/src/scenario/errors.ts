/**
 * Machine-readable codes of {@link ConformanceError}.
 * @public
 */
export type ConformanceErrorCode =
  | 'SCENARIO_SYNTAX'
  | 'SCENARIO_SCHEMA'
  | 'SCENARIO_REFERENCE'
  | 'SCENARIO_IO'
  | 'BAD_EXPRESSION'
  | 'UNBOUND_NAME'
  | 'BAD_ARGUMENT'
  | 'NOT_MODELLED'
  | 'UNKNOWN_SUITE'
  | 'BAD_USAGE';

/**
 * A typed error of the conformance runner: bad scenario files, bad expressions, bad usage.
 * @public
 */
export class ConformanceError extends Error {
  readonly code: ConformanceErrorCode;
  constructor(code: ConformanceErrorCode, message: string) {
    super(message);
    this.name = 'ConformanceError';
    this.code = code;
  }
}

/**
 * One problem in a scenario file, located by file, line and column (1-based).
 * @public
 */
export interface ScenarioProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * A scenario file that cannot be used: every problem carries file, line and column.
 * @public
 */
export class ScenarioFileError extends ConformanceError {
  readonly problems: readonly ScenarioProblem[];
  constructor(code: ConformanceErrorCode, problems: readonly ScenarioProblem[]) {
    super(code, problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioFileError';
    this.problems = problems;
  }
}

/**
 * `file:line:column: message`, the form editors and terminals link.
 * @public
 */
export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}
