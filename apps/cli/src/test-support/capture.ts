import { main } from '../cli/main.js';

/** Runs the CLI in-process and captures its output. */
export async function capture(argv: string[], opts: { isTTY?: boolean; env?: Record<string, string> } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    isTTY: opts.isTTY ?? false,
    stderrIsTTY: false,
    env: opts.env ?? {},
  });
  return { code, out, err };
}
