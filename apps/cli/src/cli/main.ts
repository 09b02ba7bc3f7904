import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatState, inspectScenario, statesOf } from '../commands/inspect.js';
import { formatRun, runCommand, runJson } from '../commands/run.js';
import { formatProfile, hostProfile, profileJson, resolveProfile } from '../commands/profile.js';
import { DEFAULT_KERNEL_PROFILE as DEFAULT_PROFILE, KERNEL_PROFILES, describeKernelProfile, type KernelProfile } from '@memsim/starnix-mm';
import { drawHtml, drawSvg } from '../draw/render.js';
import { loadScenario } from '../model/open.js';
import { POLICIES, formatSwap, replayTrace, type PolicyName } from '../swap/replay.js';
import { SHAPES, generateTrace, parseTrace, type TraceShape } from '../swap/trace.js';
import { CliError } from './errors.js';
import { colorsFor, defaultIo, type CliIo } from './io.js';
import { swapProgress } from './progress.js';
import { addTraceCommands } from '../trace/command.js';

function nonNegInt(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be a non-negative integer.`);
    return n;
  };
}

function positiveInt(what: string) {
  return (v: string): number => {
    const n = nonNegInt(what)(v);
    if (n < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
    return n;
  };
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Writes an output file; a path that cannot be written is bad input, reported in one line. */
function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError('BAD_INPUT', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

interface Ctx {
  io: CliIo;
  /** The command's exit status once it ran. */
  status: number;
}

function program(ctx: Ctx): Command {
  const { io } = ctx;
  const c = colorsFor(io);
  const root = new Command('memsim')
    .description('Run, inspect and draw memsim memory scenarios; replay access traces through userspace swap.')
    .version(version(), '-V, --version')
    .option('--debug', 'show stack traces of unexpected errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText(
      'after',
      examples([
        'memsim run scenario.yaml',
        'memsim inspect scenario.yaml --step 3',
        'memsim draw scenario.yaml -o space.html',
        'memsim swap-trace generate --shape working-set -o trace.txt && memsim swap trace.txt',
      ]),
    );
  const scenarioOpt = (): Option => new Option('-n, --name <name>', 'which scenario of a multi-scenario file (default: the first)');
  const stepOpt = (what: string): Option => new Option('-s, --step <n>', what).argParser(nonNegInt('--step'));
  const profileOpt = (): Option =>
    new Option('--profile <name|file>', "the kernel build Linux scenarios follow: a shipped profile's name, 'host' (measured here) or a JSON file (default: the model's own)");
  const profileOf = async (spec: string | undefined): Promise<KernelProfile | undefined> => (spec === undefined ? undefined : resolveProfile(spec));

  root
    .command('run')
    .description("Runs a scenario on the model (through the conformance runner) and prints each step's outcome.")
    .argument('<scenario>', 'a scenario YAML file (the conformance format)')
    .addOption(scenarioOpt())
    .addOption(stepOpt('stop after step N'))
    .addOption(profileOpt())
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['memsim run clones.yaml --name "Clone Read"', 'memsim run mmap.yaml --step 2 --json', 'memsim run mmap.yaml --profile linux-6.18-v1272']))
    .action(async (file: string, o: { name?: string; step?: number; json?: boolean; profile?: string }) => {
      const r = await runCommand(loadScenario(file, o.name), o.step, await profileOf(o.profile));
      io.stdout(o.json ? `${JSON.stringify(runJson(r), null, 2)}\n` : formatRun(r, c));
      ctx.status = r.result.status === 'failed' ? 1 : 0;
    });

  root
    .command('inspect')
    .description('Shows the state after a step: /proc/pid/maps (or smaps), the VMAR tree, the VMO clone tree, kernel memory.')
    .argument('<scenario>', 'a scenario YAML file')
    .addOption(scenarioOpt())
    .addOption(stepOpt('the state after step N (0: before the first step; default: the end)'))
    .option('--smaps', 'show /proc/pid/smaps instead of maps')
    .addOption(profileOpt())
    .option('--json', 'print the state as JSON')
    .addHelpText('after', examples(['memsim inspect clones.yaml --step 4', 'memsim inspect mmap.yaml --smaps', 'memsim inspect mmap.yaml --smaps --profile host']))
    .action(async (file: string, o: { name?: string; step?: number; smaps?: boolean; json?: boolean; profile?: string }) => {
      const scenario = loadScenario(file, o.name);
      const profile = await profileOf(o.profile);
      const s = await inspectScenario(scenario, o.step, profile);
      // Linux scenarios depend on the kernel build: say which one the model followed.
      const used = scenario.domain === 'linux' ? (profile ?? DEFAULT_PROFILE) : undefined;
      if (o.json) io.stdout(`${JSON.stringify(used ? { ...s, profile: used } : s, null, 2)}\n`);
      else io.stdout(`${used ? c.dim(`kernel profile ${describeKernelProfile(used)}\n`) : ''}${formatState(scenario, s, c, o.smaps ?? false)}`);
    });

  root
    .command('profile')
    .description("Prints a kernel profile: the host's, measured by the native probe (default), or a shipped or saved one.")
    .argument('[name|file]', "a shipped profile's name, 'host', or a JSON file")
    .option('--json', 'print the profile as JSON (a file --profile accepts)')
    .option('--list', 'list the shipped profiles')
    .addHelpText('after', examples(['memsim profile', 'memsim profile --json > my-kernel.json', 'memsim profile linux-6.18-v1272', 'memsim profile --list']))
    .action(async (spec: string | undefined, o: { json?: boolean; list?: boolean }) => {
      if (o.list) {
        const all = Object.values(KERNEL_PROFILES);
        io.stdout(o.json ? `${JSON.stringify(all, null, 2)}\n` : all.map((p) => `${p.name}${p === DEFAULT_PROFILE ? ' (default)' : ''}  ${describeKernelProfile(p)}\n`).join(''));
        return;
      }
      const p = spec === undefined || spec === 'host' ? await hostProfile() : await resolveProfile(spec);
      io.stdout(o.json ? `${JSON.stringify(profileJson(p), null, 2)}\n` : formatProfile(p, c));
    });

  root
    .command('draw')
    .description('Draws the address space and the VMO clone tree as SVG, or as an HTML page with a step slider.')
    .argument('<scenario>', 'a scenario YAML file')
    .requiredOption('-o, --output <file>', 'where to write: .svg (one state) or .html (every step, with a slider)')
    .addOption(scenarioOpt())
    .addOption(stepOpt('draw the state after step N (SVG) or stop after it (HTML)'))
    .addOption(profileOpt())
    .addHelpText('after', examples(['memsim draw clones.yaml -o clone.svg --step 3', 'memsim draw clones.yaml -o clone.html']))
    .action(async (file: string, o: { output: string; name?: string; step?: number; profile?: string }) => {
      const scenario = loadScenario(file, o.name);
      const profile = await profileOf(o.profile);
      if (/\.html?$/i.test(o.output)) writeOut(o.output, drawHtml(scenario, await statesOf(scenario, o.step, profile)));
      else if (/\.svg$/i.test(o.output)) writeOut(o.output, drawSvg(await inspectScenario(scenario, o.step, profile)));
      else throw new CliError('BAD_USAGE', `--output must end in .svg or .html: ${o.output}`);
      io.stderr(`wrote ${o.output}\n`);
    });

  root
    .command('swap')
    .description('Replays a memory-access trace through starnix-mm memory with userspace swap and prints the swap metrics.')
    .argument('<trace>', "a trace file (see the README for the format; '-' is not supported)")
    .addOption(new Option('-p, --policy <policy>', 'swap policy').choices([...POLICIES]).default('chromeos'))
    .option('--json', 'print the metrics as JSON')
    .addHelpText('after', examples(['memsim swap trace.txt', 'memsim swap trace.txt --policy aggressive --json']))
    .action(async (file: string, o: { policy: PolicyName; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError('BAD_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const trace = parseTrace(text, file);
      const progress = io.stderrIsTTY && !o.json ? swapProgress(trace.events.length) : undefined;
      try {
        const r = await replayTrace(trace, { policy: o.policy, ...(progress ? { onProgress: progress.update } : {}) });
        progress?.stop();
        io.stdout(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatSwap(r, c));
        ctx.status = r.integrityErrors > 0 ? 1 : 0;
      } finally {
        progress?.stop();
      }
    });

  const gen = root.command('swap-trace').description('Tools for swap traces.');
  gen
    .command('generate')
    .description('Generates a synthetic memory-access trace.')
    .addOption(new Option('--shape <shape>', 'access pattern').choices([...SHAPES]).default('working-set'))
    .option('--pages <n>', 'pages in the mapping', positiveInt('--pages'), 256)
    .option('--accesses <n>', 'accesses to generate', positiveInt('--accesses'), 4000)
    .option('--seed <n>', 'random seed', nonNegInt('--seed'), 1)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText('after', examples(['memsim swap-trace generate --shape sequential --pages 64 -o seq.txt', 'memsim swap-trace generate --shape random --seed 7']))
    .action((o: { shape: TraceShape; pages: number; accesses: number; seed: number; output?: string }) => {
      const text = generateTrace({ shape: o.shape, pages: o.pages, accesses: o.accesses, seed: o.seed });
      if (o.output) writeOut(o.output, text);
      else io.stdout(text);
    });

  addTraceCommands(root, io, (s) => (ctx.status = s));
  for (const cmd of [root, ...root.commands, ...gen.commands]) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  }
  return root;
}

/**
 * Runs the CLI with `argv` (without the node and script entries) and returns the exit status: 0 success, 1 a
 * failed scenario or swap integrity error, 2 bad usage or malformed input.
 * @public
 */
export async function main(argv: readonly string[], ioIn: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioIn };
  const ctx: Ctx = { io, status: 0 };
  const debug = argv.includes('--debug');
  const cmd = program(ctx);
  try {
    await cmd.parseAsync([...argv], { from: 'user' });
    return ctx.status;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    const c = colorsFor({ ...io, isTTY: io.stderrIsTTY });
    if (e instanceof CliError) {
      io.stderr(`${c.red('error:')} ${e.message}\n`);
      if (debug && e.stack) io.stderr(`${e.stack}\n`);
      return e.exitCode;
    }
    // Scenario mistakes from the conformance package (bad expressions, unbound names) are bad input too.
    const err = e as Error;
    const input = err?.name === 'ConformanceError' || err?.name === 'ScenarioFileError';
    io.stderr(`${c.red('error:')} ${err?.message ?? String(e)}${input || debug ? '' : ' (run with --debug for the stack trace)'}\n`);
    if (debug && err?.stack) io.stderr(`${err.stack}\n`);
    return input ? 2 : 1;
  }
}
