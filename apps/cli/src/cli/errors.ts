/**
 * Codes of {@link CliError}: `BAD_USAGE` and `BAD_INPUT` exit with 2, `FAILED` with 1.
 * @public
 */
export type CliErrorCode = 'BAD_USAGE' | 'BAD_INPUT' | 'FAILED';

/**
 * A failure the CLI reports as one line (no stack trace unless `--debug`).
 * @public
 */
export class CliError extends Error {
  readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
  /** The process exit status this error maps to. */
  get exitCode(): number {
    return this.code === 'FAILED' ? 1 : 2;
  }
}
