// The CLI's output contract, in its own file so the commands it drives (fuzz) need not import the CLI.

/**
 * Where the CLI writes, and how it runs cases (tests pass `inProcess` and capture the output).
 * @public
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (live progress bar) rather than a pipe (plain lines). */
  readonly isTTY: boolean;
  /** Run cases in this thread instead of worker threads. */
  readonly inProcess?: boolean;
}
