/**
 * Codes of {@link RoleConfigError}.
 * @public
 */
export type RoleConfigErrorCode =
  /** The file could not be read. */
  | 'IO'
  /** The text is not JSON5. */
  | 'SYNTAX'
  /** The JSON is well formed but breaks the format (wrong type, unknown key, bad value). */
  | 'SCHEMA'
  /** Two files of the same scope define the same role. */
  | 'CONFLICT';

/**
 * A malformed role configuration: says which file, where in it (a JSON path such as
 * `$.profiles["fuchsia.x"].priority`, and the line and column for syntax errors) and what is wrong.
 * @public
 */
export class RoleConfigError extends Error {
  /** The kind of problem. */
  readonly code: RoleConfigErrorCode;
  /** The file (or source label) the problem is in. */
  readonly file: string;
  /** Where in the document, as a JSON path (`$` for the whole document). */
  readonly jsonPath: string;
  /** What is wrong, without the location. */
  readonly detail: string;
  /** 1-based line and column, for syntax errors. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: RoleConfigErrorCode, file: string, jsonPath: string, detail: string, position?: { line: number; column: number }) {
    const at = position === undefined ? '' : `:${position.line}:${position.column}`;
    super(`${file}${at}: ${jsonPath}: ${detail}`);
    this.name = 'RoleConfigError';
    this.code = code;
    this.file = file;
    this.jsonPath = jsonPath;
    this.detail = detail;
    this.line = position?.line;
    this.column = position?.column;
  }
}
