#!/usr/bin/env node
// `pnpm memsim ...` and `pnpm conformance ...` at the root: pnpm runs root scripts in the repository root, so
// this runs the app's binary in the directory the user ran pnpm from (pnpm's INIT_CWD, npm's too), with every
// argument passed through unchanged, and exits with its status.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bins = {
  memsim: path.join(root, 'apps', 'cli', 'bin', 'memsim.js'),
  'memsim-conformance': path.join(root, 'apps', 'conformance', 'bin', 'memsim-conformance.js'),
};
const [name, ...args] = process.argv.slice(2);
const bin = bins[name];
if (!bin) {
  console.error(`from-init-cwd: unknown binary '${name}' (known: ${Object.keys(bins).join(', ')})`);
  process.exit(2);
}
if (!fs.existsSync(path.join(path.dirname(bin), '..', 'dist', 'bin.js'))) {
  console.error(`${name}: not built yet; run \`pnpm build\` in ${path.relative(process.env.INIT_CWD ?? process.cwd(), root) || '.'} first`);
  process.exit(2);
}
const cwd = process.env.INIT_CWD && fs.existsSync(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();
const r = spawnSync(process.execPath, [bin, ...args], { cwd, stdio: 'inherit' });
if (r.error) {
  console.error(`${name}: ${r.error.message}`);
  process.exit(2);
}
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
