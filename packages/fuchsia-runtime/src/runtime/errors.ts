/**
 * Codes of {@link RuntimeError}.
 * @public
 */
export type RuntimeErrorCode =
  /** An ambient accessor was called outside any process (no `runtime.run` / thread context). */
  | 'NO_AMBIENT_RUNTIME'
  /** A thread operation does not fit the thread's state (join twice, start twice, ...). */
  | 'THREAD_STATE';

/**
 * A runtime misuse (not a kernel status). Kernel failures stay `ZxError`.
 * @public
 */
export class RuntimeError extends Error {
  /** What went wrong. */
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'RuntimeError';
    this.code = code;
  }
}
