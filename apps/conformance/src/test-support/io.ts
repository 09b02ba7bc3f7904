import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../index.js';

/** Runs the CLI in-process and captures its output. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false, inProcess: true });
  return { code, out, err };
}

/** Writes scenario files into a fresh temporary directory. */
export function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsim-conformance-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A one-VMO case whose size check expects `size` (the VMO is 4096 bytes). */
function vmoSizeCase(name: string, size: number): string {
  return `name: ${name}
suite: demo
source: test
steps:
  - zx: vmo_create
    args: {size: 4096}
    bind: vmo
  - zx: vmo_get_size
    args: {handle: "\${vmo}"}
    expect: {ok: ${size}}
`;
}

export const PASSING = vmoSizeCase('passes', 4096);

export const FAILING = vmoSizeCase('fails', 8192);

export const THROWING = `name: throws
suite: demo
source: runner self-test
steps:
  - debug: throw
`;
