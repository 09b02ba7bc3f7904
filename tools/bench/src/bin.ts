import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, USAGE, UsageError } from './cli/args.js';
import { renderDocs } from './report/docs.js';
import { renderCharts, renderTerminal } from './report/render.js';
import { evaluateTargets } from './report/targets.js';
import { runSuite, type SuiteResult } from './suite.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const cwd = process.env['INIT_CWD'] ?? process.cwd();
  const result: SuiteResult = args.fromJson !== null ? (JSON.parse(readFileSync(resolve(cwd, args.fromJson), 'utf8')) as SuiteResult) : await runSuite({
    quick: args.quick,
    only: args.only,
    ns: args.ns,
    skipMemory: args.skipMemory,
    log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
  });
  const targets = evaluateTargets(result);
  process.stdout.write(`\n${renderTerminal(result)}\n`);
  for (const t of targets) process.stdout.write(`${t.noTarget ? '--  ' : t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.target}: ${t.measured}\n`);
  process.stdout.write(`\n${result.machine.cpuModel}, ${result.machine.cores} cores, Node ${result.machine.node}, ${result.machine.date}, ${result.durationS} s\n`);
  if (args.json !== null) {
    const file = resolve(cwd, args.json);
    writeFileSync(file, JSON.stringify({ ...result, targets }, null, 2) + '\n');
    process.stderr.write(`wrote ${file}\n`);
  }
  if (args.writeDocs) {
    const dir = join(repoRoot, 'docs', 'benchmarks');
    mkdirSync(dir, { recursive: true });
    for (const [name, svg] of renderCharts(result)) writeFileSync(join(dir, name), svg);
    writeFileSync(join(repoRoot, 'docs', 'benchmarks.md'), renderDocs(result, targets));
    process.stderr.write(`wrote docs/benchmarks.md and docs/benchmarks/*.svg\n`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
