#!/usr/bin/env node
// `pnpm test:random [--runs N] [vitest filters...]`: the randomized campaign (docs/testing.md). Runs the same tests
// as `pnpm test`, but every fc.assert draws a fresh seed and runs N times (default 20000), on one worker so it stays
// on one core. It prints every seed it used and records each failure in fast-check-regressions.json, which the
// deterministic suite replays from then on. Exit status: vitest's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
let runs = '20000';
const i = args.indexOf('--runs');
if (i >= 0) {
  runs = args[i + 1] ?? '';
  args.splice(i, 2);
}
if (!/^[1-9]\d*$/.test(runs)) {
  console.error(`test:random: --runs needs a positive integer, got ${JSON.stringify(runs)}`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'memsim-fc-'));
const log = join(dir, 'campaign.jsonl');
const started = new Date();
console.log(`test:random: ${runs} runs per property, fresh seeds, one worker; started ${started.toISOString()}`);
const r = spawnSync('pnpm', ['exec', 'vitest', 'run', '--maxWorkers=1', '--no-file-parallelism', ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MEMSIM_FC_RANDOM: '1', MEMSIM_FC_RUNS: runs, MEMSIM_FC_LOG: log },
});

const records = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(dir, { recursive: true, force: true });
const failures = records.filter((x) => x.event === 'failure');
const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
console.log(`\ntest:random: ${records.filter((x) => x.event === 'run').length} property runs of ${runs} cases, ${failures.length} failing, ${minutes} min`);
for (const x of records.filter((y) => y.event === 'run')) {
  const same = (f) => f.file === x.file && f.test === x.test && f.call === x.call && f.seed === x.seed;
  const end = records.find((f) => (f.event === 'done' || f.event === 'failure') && same(f));
  const status = end === undefined ? 'DNF ' : end.event === 'failure' ? 'FAIL' : 'ok  ';
  const time = end === undefined ? '' : ` ${(end.ms / 1000).toFixed(1)}s`;
  console.log(`  ${status} seed=${x.seed}${time} ${x.file} > ${x.test}${x.call > 0 ? ` #${x.call}` : ''}`);
}
if (failures.length > 0) {
  const file = join(root, 'fast-check-regressions.json');
  const known = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  for (const f of failures) {
    if (f.path === '') continue;
    if (known.some((k) => k.file === f.file && k.test === f.test && k.seed === f.seed && k.path === f.path)) continue;
    known.push({ file: f.file, test: f.test, call: f.call, seed: f.seed, path: f.path, counterexample: f.counterexample, found: started.toISOString().slice(0, 10) });
  }
  writeFileSync(file, `${JSON.stringify(known, null, 2)}\n`);
  console.log(`\nRecorded ${failures.length} failure(s) in fast-check-regressions.json: \`pnpm test\` now replays them. Fix the cause, then commit the file.`);
}
process.exit(r.status ?? 1);
