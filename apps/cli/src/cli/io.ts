import pc from 'picocolors';

/**
 * Where the CLI writes, and whether it may colour and draw progress (tests capture the output).
 * @public
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal: colours on (unless NO_COLOR is set). */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal: progress bars on. */
  readonly stderrIsTTY: boolean;
  /** The environment (NO_COLOR, FORCE_COLOR). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The colour functions used by the CLI: picocolors on a terminal, identity otherwise. */
export type Colors = Pick<typeof pc, 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan' | 'magenta'>;

const PLAIN: Colors = { bold: String, dim: String, green: String, red: String, yellow: String, cyan: String, magenta: String };

/** Colours only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org). */
export function colorsFor(io: CliIo): Colors {
  const no = io.env['NO_COLOR'];
  const on = io.isTTY && (no === undefined || no === '');
  return on ? pc.createColors(true) : PLAIN;
}

export function defaultIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}
