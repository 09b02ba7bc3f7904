/**
 * Why a swap operation failed.
 *
 * - `CORRUPT_RECORD`: a stored record failed its length, CRC or authentication check.
 * - `MISSING_RECORD`: the record id was never written, was dropped, or lies past the end of the file.
 * - `CLOSED`: the swap file or manager was closed.
 * - `INVALID_ARGUMENT`: a bad argument (wrong type, out of range, unaligned).
 * - `IO`: the operating system reported an I/O error.
 * - `NOT_REGISTERED`: the process is not known to the swap manager.
 *
 * @public
 */
export type SwapErrorCode = 'CORRUPT_RECORD' | 'MISSING_RECORD' | 'CLOSED' | 'INVALID_ARGUMENT' | 'IO' | 'NOT_REGISTERED';

/**
 * A typed failure of the swap file, swap manager or policy.
 *
 * @public
 */
export class SwapError extends Error {
  /** The machine-readable reason. */
  readonly code: SwapErrorCode;

  constructor(code: SwapErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'SwapError';
    this.code = code;
  }
}
