import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatState, inspectScenario, statesOf } from '../commands/inspect.js';
import { compareDesigns, formatComparison } from '../commands/compare-designs.js';
import { formatRun, formatRunSummary, isScenarioError, runCommand, runJson, type RunResult } from '../commands/run.js';
import { formatProfile, hostProfile, profileJson, resolveProfile } from '../commands/profile.js';
import { DEFAULT_KERNEL_PROFILE as DEFAULT_PROFILE, KERNEL_PROFILES, describeKernelProfile, type KernelProfile } from '@memsim/starnix-mm';
import { drawHtml, drawSvg } from '../draw/render.js';
import { relativeState, relativeNote } from '../commands/relative.js';
import { loadScenario, loadScenarioFiles } from '../model/open.js';
import { CLOCKS, POLICIES, formatSwap, replayTrace, type ClockName, type PolicyName } from '../swap/replay.js';
import { SHAPES, generateTrace, parseTrace, type TraceShape } from '../swap/trace.js';
import { CliError } from './errors.js';
import { colorsFor, defaultIo, type CliIo } from './io.js';
import { swapProgress } from './progress.js';
import { addTraceCommands, describe as describeTrace, isTraceFile, loadTrace } from '../trace/command.js';
import { compareTraceDesigns } from '../trace/compare-designs.js';

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
  /** What commander wrote to stderr (errors, help shown for an error), held until main decides what to print. */
  commanderErr?: string[];
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
    .description("Runs scenarios on the model (through the conformance runner) and prints each step's outcome.")
    .argument('<scenarios...>', 'scenario YAML files (the conformance format) or directories of them')
    .addOption(new Option('-n, --name <name>', 'run only the scenario of this name'))
    .addOption(stepOpt('stop after step N (one scenario only)'))
    .addOption(profileOpt())
    .option('--json', 'print the result as JSON (one object for one scenario, else {scenarios, passed, failed})')
    .addHelpText(
      'after',
      examples(['memsim run clones.yaml', 'memsim run suites/zircon --name "Clone Read"', 'memsim run clones.yaml --name "Clone Read" --step 2 --json', 'memsim run mmap.yaml --profile linux-6.18-v1272']),
    )
    .action(async (paths: string[], o: { name?: string; step?: number; json?: boolean; profile?: string }) => {
      const profile = await profileOf(o.profile);
      const scenarios = loadScenarioFiles(paths, o.name);
      if (o.step !== undefined && scenarios.length > 1) {
        throw new CliError('BAD_USAGE', `--step applies to one scenario; ${paths.join(', ')} holds ${scenarios.length} (pick one with --name)`);
      }
      const results: RunResult[] = [];
      for (const scenario of scenarios) {
        const r = await runCommand(scenario, o.step, profile);
        results.push(r);
        if (!o.json) io.stdout(`${results.length > 1 ? '\n' : ''}${formatRun(r, c)}`);
      }
      if (o.json) {
        const body =
          results.length === 1
            ? runJson(results[0])
            : {
                scenarios: results.map(runJson),
                passed: results.filter((r) => r.result.status === 'passed').length,
                failed: results.filter((r) => r.result.status === 'failed').length,
              };
        io.stdout(`${JSON.stringify(body, null, 2)}\n`);
      } else if (results.length > 1) io.stdout(`\n${formatRunSummary(results, c)}`);
      // A scenario that cannot run as written (unbound names, bad values) is bad input, as everywhere else.
      ctx.status = results.some(isScenarioError) ? 2 : results.some((r) => r.result.status === 'failed') ? 1 : 0;
    });

  root
    .command('inspect')
    .description('Shows the state after a step: /proc/pid/maps (or smaps), the VMAR tree, the VMO clone tree, kernel memory.')
    .argument('<scenario>', 'a scenario YAML file')
    .addOption(scenarioOpt())
    .addOption(stepOpt('the state after step N (0: before the first step; default: the end)'))
    .option('--smaps', 'show /proc/pid/smaps instead of maps')
    .option('--pagemap', 'show each VMA\'s pages from /proc/pid/pagemap instead of maps (Linux scenarios)')
    .option('--relative', 'print addresses as the scenario writes them: offsets in the probe window (Linux), offsets in the parent VMAR (Zircon)')
    .addOption(profileOpt())
    .option('--json', 'print the state as JSON')
    .addOption(new Option('--anon-backing <design>', "Starnix's design for private anonymous memory in a Linux scenario (default: the scenario's, else single)").choices(['single', 'per-mapping']))
    .addHelpText('after', examples(['memsim inspect clones.yaml --step 4', 'memsim inspect mmap.yaml --smaps', 'memsim inspect mmap.yaml --relative', 'memsim inspect mmap.yaml --smaps --profile host', 'memsim inspect uffd.yaml --pagemap', 'memsim inspect mmap.yaml --anon-backing per-mapping']))
    .action(async (file: string, o: { name?: string; step?: number; smaps?: boolean; pagemap?: boolean; relative?: boolean; json?: boolean; profile?: string; anonBacking?: 'single' | 'per-mapping' }) => {
      const loaded = loadScenario(file, o.name);
      if (o.anonBacking !== undefined && loaded.domain !== 'linux') throw new CliError('BAD_USAGE', '--anon-backing applies to Linux scenarios only');
      const scenario = o.anonBacking === undefined ? loaded : { ...loaded, anonBacking: o.anonBacking };
      const profile = await profileOf(o.profile);
      const abs = await inspectScenario(scenario, o.step, profile);
      const s = o.relative ? relativeState(abs) : abs;
      // Linux scenarios depend on the kernel build: say which one the model followed.
      const used = scenario.domain === 'linux' ? (profile ?? DEFAULT_PROFILE) : undefined;
      const extra = { ...(o.relative ? { addresses: relativeNote(abs.domain) } : {}), ...(used ? { profile: used } : {}) };
      if (o.json) io.stdout(`${JSON.stringify({ ...extra, ...s }, null, 2)}\n`);
      else io.stdout(`${used ? c.dim(`kernel profile ${describeKernelProfile(used)}\n`) : ''}${formatState(scenario, s, c, o.pagemap ? 'pagemap' : o.smaps ? 'smaps' : 'maps', o.relative ? relativeNote(abs.domain) : 'absolute (--relative: as the scenario writes them)')}`);
    });

  root
    .command('compare-designs')
    .description("Runs a Linux scenario, or replays a trace from `memsim trace record`, in both of Starnix's designs for private anonymous memory (single, per-mapping) and compares their Zircon sides: objects, and the Zircon calls each Linux call made.")
    .argument('<scenario|trace>', 'a Linux scenario YAML file, or a trace file')
    .addOption(scenarioOpt())
    .addOption(profileOpt())
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      examples(['memsim compare-designs seeds.yaml --name "seed 004 unmap and remap, single: one sparse VMO keeps offset = address"', 'memsim compare-designs docs/traces/sh-ls.trace']),
    )
    .action(async (file: string, o: { name?: string; json?: boolean; profile?: string }) => {
      let r;
      if (isTraceFile(file)) {
        // A trace holds one program, and its replay follows starnix-mm's defaults (as `memsim trace replay`).
        if (o.name !== undefined) throw new CliError('BAD_USAGE', '--name picks a scenario of a scenario file; a trace holds one program');
        if (o.profile !== undefined) throw new CliError('BAD_USAGE', "--profile applies to scenarios; a trace replays with starnix-mm's defaults");
        const t = loadTrace(file);
        r = compareTraceDesigns(t, `trace ${describeTrace(t)}`);
      } else r = await compareDesigns(loadScenario(file, o.name), await profileOf(o.profile));
      io.stdout(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatComparison(r, c));
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
    .addOption(
      new Option('--clock <clock>', 'fault latency from the virtual clock (policy time; faults take none of it) or measured in wall-clock time')
        .choices([...CLOCKS])
        .default('virtual'),
    )
    .option('--json', 'print the metrics as JSON')
    .addHelpText('after', examples(['memsim swap trace.txt', 'memsim swap trace.txt --policy aggressive --json', 'memsim swap trace.txt --clock wall']))
    .action(async (file: string, o: { policy: PolicyName; clock: ClockName; json?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError('BAD_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const trace = parseTrace(text, file);
      const progress = io.stderrIsTTY && !o.json ? swapProgress(trace.events.length) : undefined;
      try {
        const r = await replayTrace(trace, { policy: o.policy, clock: o.clock, ...(progress ? { onProgress: progress.update } : {}) });
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
  for (const cmd of allCommands(root)) {
    const writeErr = (s: string): void => void (ctx.commanderErr ? ctx.commanderErr.push(s) : io.stderr(s));
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr, outputError: (s, write) => write(oneLine(s)) });
    // A group (swap-trace, trace) run without a known subcommand is a usage error in one line, not its help.
    if (cmd !== root && cmd.commands.length > 0) {
      const names = cmd.commands.map((sub) => sub.name()).join(', ');
      cmd.argument('[command]').action((sub: string | undefined) => {
        throw new CliError('BAD_USAGE', sub === undefined ? `'${cmd.name()}' needs a command: ${names}` : `unknown command '${sub}' for '${cmd.name()}' (commands: ${names})`);
      });
    }
  }
  return root;
}

/** Every command of the tree, the root first. */
function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** Commander's error text (with a suggestion on a second line) as one line. */
function oneLine(s: string): string {
  return `${s.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}

/**
 * The command tree (the program `main` runs, with output discarded): lets tests enumerate every command, its
 * arguments and options, so checks written over it cover new commands automatically.
 * @internal
 */
export function commandTable(): Command {
  return program({ io: { stdout: () => {}, stderr: () => {}, isTTY: false, stderrIsTTY: false, env: {} }, status: 0 });
}

/**
 * Runs the CLI with `argv` (without the node and script entries) and returns the exit status: 0 success, 1 a
 * failed scenario or swap integrity error, 2 bad usage or malformed input.
 * @public
 */
export async function main(argv: readonly string[], ioIn: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioIn };
  const ctx: Ctx = { io, status: 0, commanderErr: [] };
  const debug = argv.includes('--debug');
  const cmd = program(ctx);
  if (argv.length === 0) {
    // No command is a usage error (a script calling `memsim $CMD` with an empty $CMD must not look successful).
    io.stderr(`error: a command is required: ${cmd.commands.map((c) => c.name()).join(', ')} (memsim --help shows the usage)\n`);
    return 2;
  }
  const flush = (): void => {
    for (const s of ctx.commanderErr ?? []) io.stderr(s);
    ctx.commanderErr = undefined;
  };
  try {
    await cmd.parseAsync([...argv], { from: 'user' });
    flush();
    return ctx.status;
  } catch (e) {
    if (e instanceof CommanderError) {
      const help = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
      if (help && e.exitCode !== 0) {
        // Help shown for an error (`memsim help frob`): one line instead of the whole help.
        ctx.commanderErr = undefined;
        const asked = argv.filter((a) => !a.startsWith('-')).slice(1).join(' ');
        io.stderr(`error: unknown command${asked ? ` '${asked}'` : ''} (memsim --help lists the commands)\n`);
        return 2;
      }
      flush();
      return help ? 0 : 2;
    }
    flush();
    const c = colorsFor({ ...io, isTTY: io.stderrIsTTY });
    if (e instanceof CliError) {
      io.stderr(`${c.red('error:')} ${oneLine(e.message)}`);
      if (debug && e.stack) io.stderr(`${e.stack}\n`);
      return e.exitCode;
    }
    // Scenario mistakes from the conformance package (bad expressions, unbound names) are bad input too.
    const err = e as Error;
    const input = err?.name === 'ConformanceError' || err?.name === 'ScenarioFileError';
    io.stderr(oneLine(`${c.red('error:')} ${err?.message ?? String(e)}${input || debug ? '' : ' (run with --debug for the stack trace)'}`));
    if (debug && err?.stack) io.stderr(`${err.stack}\n`);
    return input ? 2 : 1;
  }
}
