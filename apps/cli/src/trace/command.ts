import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Scenario } from '@memsim/conformance';
import type { AnonBackingDesign } from '@memsim/starnix-mm';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError } from '../cli/errors.js';
import { colorsFor, type CliIo, type Colors } from '../cli/io.js';
import { bytes, hexAddr } from '../commands/format.js';
import { drawHtml, drawSvg } from '../draw/render.js';
import type { ModelState } from '../model/state.js';
import { vmoForest } from '../model/vmo-forest.js';
import { parseMapsLine, parseTraceFile, TRACE_MAGIC, TraceFormatError, type Trace } from './format.js';
import { recordTrace } from './recorder.js';
import { callCount, TraceReplayer, type ReplayReport } from './replay.js';

export { callCount };
import { traceView, type TraceView } from './view.js';

/** Differences printed before "... and N more". */
const SHOWN = 10;
/** HTML drawings keep at most this many steps (evenly spaced, the last one always). */
const MAX_FRAMES = 100;

function nonNegInt(what: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${what} must be a non-negative integer.`);
    return Number(v);
  };
}

/** Reads and parses a trace file; every problem is bad input naming the file and line. */
export function loadTrace(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('BAD_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseTraceFile(text);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new CliError('BAD_INPUT', `${file}:${e.line}: ${e.message.replace(/^line \d+: /, '')}`);
    throw e;
  }
}

/** Whether a file starts as a memsim trace does (anything unreadable is not: its reader reports why). */
export function isTraceFile(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').startsWith(`${TRACE_MAGIC}\n`);
  } catch {
    return false;
  }
}

/** The one-line description of a trace (its command and where it was recorded). */
export function describe(t: Trace): string {
  const cmd = t.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return `${cmd} (recorded on Linux ${t.header['kernel'] ?? '?'} ${t.header['machine'] ?? ''})`.replace(/ \)$/, ')');
}

/** A note when the trace comes from another kernel than this host's: the model does not (yet) take its profile. */
function kernelNote(t: Trace): string | undefined {
  const rec = t.header['kernel'];
  if (rec === undefined) return 'the trace does not say which kernel recorded it';
  if (process.platform === 'linux' && rec !== release()) return `recorded on Linux ${rec}; this host runs ${release()} (replay uses starnix-mm's defaults, not a profile of ${rec})`;
  return undefined;
}

function formatReplay(t: Trace, r: ReplayReport, c: Colors): string {
  const out: string[] = [];
  out.push(`${c.bold('trace')} ${describe(t)}`);
  const note = kernelNote(t);
  if (note) out.push(c.yellow(`note: ${note}`));
  const mark = (ok: boolean): string => (ok ? c.green('agree') : c.red('differ'));
  for (const p of r.processes) {
    const maps = p.maps ? `maps agreeing ${p.maps.agreeing}/${p.maps.vmas} VMAs` : p.execd ? 'replaced by execve' : c.red('no exit maps recorded');
    const ok = p.agreeing === p.calls && (p.maps ? p.maps.agreeing === p.maps.vmas && p.maps.diff.length === 0 : p.execd === true);
    const rp = p.maps?.residentPages;
    const pages = rp ? c.dim(`; resident pages at exit: Linux ${rp.linux}, model ${rp.model}${rp.notReproduced ? ` (${rp.notReproduced} not reproducible)` : ''}`) : '';
    out.push(`  pid ${p.pid} ${p.exe || '?'}: calls agreeing ${p.agreeing}/${p.calls}, ${maps}  ${mark(ok)}${pages}`);
  }
  out.push(`${c.bold('total')}: calls agreeing ${r.agreeing}/${r.calls}, maps agreeing ${r.vmasAgreeing}/${r.vmas} VMAs: ${r.ok ? c.green('the model agrees with Linux') : c.red('the model differs from Linux')}`);
  if (r.differences.length) {
    out.push('', c.bold('first differing calls:'));
    for (const d of r.differences.slice(0, SHOWN)) {
      out.push(`  line ${d.line} pid ${d.pid} call ${d.index}: ${d.call}: Linux ${d.linux}, model ${d.model}${d.note ? ` (${d.note})` : ''}`);
    }
    if (r.differences.length > SHOWN) out.push(`  ... and ${r.differences.length - SHOWN} more`);
  }
  for (const p of r.processes) {
    if (!p.maps || p.maps.diff.length === 0) continue;
    out.push('', c.bold(`pid ${p.pid} ${p.exe}: final maps differ`) + c.dim(' (- only Linux, + only the model)'));
    for (const l of p.maps.diff.slice(0, SHOWN)) out.push(`  ${l.startsWith('-') ? c.red(l) : c.green(l)}`);
    if (p.maps.diff.length > SHOWN) out.push(`  ... and ${p.maps.diff.length - SHOWN} more`);
  }
  return `${out.join('\n')}\n`;
}

function replayJson(t: Trace, r: ReplayReport): object {
  return { argv: t.argv, header: t.header, kernelNote: kernelNote(t) ?? null, ...r };
}

/** Runs the trace up to call `at` (all by default) and pictures it. */
function viewAt(t: Trace, at: number | undefined, pid: number | undefined, anonBacking?: AnonBackingDesign): TraceView {
  const total = callCount(t);
  if (at !== undefined && at > total) throw new CliError('BAD_USAGE', `--at ${at}: the trace has ${total} memory calls`);
  const r = new TraceReplayer(t, anonBacking !== undefined ? { anonBacking } : {});
  r.run(at !== undefined ? { stopAfter: at } : {});
  if (pid !== undefined && !r.live().some((p) => p.pid === pid)) {
    throw new CliError('BAD_USAGE', `--pid ${pid}: no such process at this point (processes: ${r.live().map((p) => p.pid).join(', ') || 'none'})`);
  }
  return traceView(r, total, pid);
}

function formatView(t: Trace, v: TraceView, c: Colors, anonBacking: AnonBackingDesign): string {
  const out: string[] = [];
  out.push(`${c.bold('trace')} ${describe(t)}`);
  out.push(c.dim(`private anonymous memory: the '${anonBacking}' design (${anonBacking === 'single' ? 'one VMO per address space, offset = address' : 'a VMO per mapping, snapshot children for holes and forks'})`));
  out.push(v.at === 0 ? 'after the first execve, before any memory call' : `after memory call ${v.at} of ${v.total}: ${v.label}`);
  const vmoByKoid = new Map(v.vmos.map((x) => [x.koid, x]));
  for (const p of v.processes) {
    out.push('', c.bold(`process ${p.pid} ${p.exe}`) + c.dim(` (Zircon process koid ${p.state.koid}, ${p.vmas} VMAs)`));
    const aspace = p.state.regions.filter((r) => r.kind !== 'mapping');
    for (const r of aspace) out.push(`  ${'  '.repeat(r.depth)}${c.cyan(r.kind)} ${hexAddr(r.base)}-${hexAddr(r.base + r.size)} ${c.dim(`(${bytes(r.size)})`)} ${r.name}`);
    out.push(`  ${c.bold('Linux view: /proc/PID/maps'.padEnd(70))} ${c.bold('Zircon view: mappings of the user VMAR')}`);
    const maps = p.maps.split('\n').map((l) => parseMapsLine(l)).filter((m) => m !== undefined);
    for (const m of maps) {
      const left = `${m.start.toString(16)}-${m.end.toString(16)} ${m.perms} ${m.offset.toString(16).padStart(8, '0')} ${m.name}`;
      const regs = p.state.regions.filter((r) => r.kind === 'mapping' && r.base < m.end && r.base + r.size > m.start);
      const right = regs.map((r) => {
        const vmo = r.vmoKoid !== undefined ? vmoByKoid.get(r.vmoKoid) : undefined;
        const parent = vmo && vmo.parentKoid ? ` cow of ${vmo.parentKoid}` : '';
        return `${r.perms} vmo ${r.vmoKoid}${parent} @${hexAddr(r.vmoOffset ?? 0)} committed ${bytes(r.committedBytes ?? 0)}`;
      });
      out.push(`  ${left.length > 70 ? `${left.slice(0, 67)}...` : left.padEnd(70)} ${right.join('; ') || c.red('(no mapping)')}`);
    }
    if (p.linuxMaps !== undefined) {
      const same = p.linuxMaps.split('\n').filter((l) => l && parseMapsLine(l)!.start < 2 ** 47).length;
      out.push(c.dim(`  (recorded at exit on Linux: ${same} VMAs${p.linuxRollup ? `, Rss ${bytes((p.linuxRollup['Rss'] ?? 0) * 1024)}, Anonymous ${bytes((p.linuxRollup['Anonymous'] ?? 0) * 1024)}` : ''})`));
    }
  }
  out.push('', c.bold('VMOs') + c.dim(' (koid, size, committed; clone children indented under their parent)'));
  const { roots, children } = vmoForest(v.vmos);
  const walk = (x: (typeof v.vmos)[number], d: number): void => {
    out.push(`  ${'  '.repeat(d)}vmo ${x.koid} ${x.name ? `'${x.name}' ` : ''}${bytes(x.sizeBytes)}, committed ${bytes(x.committedBytes)}${x.parentKoid ? `, clone of ${x.parentKoid}` : ''}, ${x.numMappings} mapping(s)`);
    for (const ch of children.get(x.koid) ?? []) walk(ch, d + 1);
  };
  for (const r of roots) walk(r, 0);
  const tt = v.totals;
  out.push('', c.bold('totals') + `: ${v.processes.length} process(es), ${tt.vmas} VMAs, ${tt.vmos} VMOs, committed ${bytes(tt.committedBytes)} in the Zircon view` + (tt.linuxRssBytes !== undefined ? `, Rss ${bytes(tt.linuxRssBytes)} on Linux at exit` : ''));
  return `${out.join('\n')}\n`;
}

/** The states an HTML drawing steps through: after the first exec, then after each call (sampled when many). */
function frames(t: Trace, at: number | undefined, pid: number | undefined): ModelState[] {
  const total = callCount(t);
  const stop = at ?? total;
  if (stop > total) throw new CliError('BAD_USAGE', `--at ${stop}: the trace has ${total} memory calls`);
  const every = Math.max(1, Math.ceil(stop / MAX_FRAMES));
  const out: ModelState[] = [];
  const r = new TraceReplayer(t);
  r.run({
    stopAfter: stop,
    onCall: (rep, o) => {
      if (o.index % every === 0 || o.index === stop) out.push(traceView(rep, total, pid).model);
    },
  });
  if (out.length === 0) out.push(traceView(r, total, pid).model);
  return out;
}

function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new CliError('BAD_INPUT', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Adds `memsim trace record|replay|inspect|draw` to the program. `setStatus` sets the exit status of a command
 * that ran (1 when the model differs from Linux).
 */
export function addTraceCommands(root: Command, io: CliIo, setStatus: (status: number) => void): void {
  const c = colorsFor(io);
  const trace = root
    .command('trace')
    .description('Record a real Linux program\'s memory system calls, replay them on starnix-mm, show the Zircon objects Starnix builds.');
  trace
    .command('record')
    .description('Runs a program under the ptrace recorder and writes its memory system calls and final maps to a trace file.')
    .option('-o, --output <file>', 'the trace file', 'memsim.trace')
    .option('-q, --quiet', "discard the program's own output")
    .argument('<command...>', 'the program and its arguments (after --)')
    .action((command: string[], o: { output: string; quiet?: boolean }) => {
      const r = recordTrace(o.output, command, o.quiet ? { quiet: true } : {});
      const t = loadTrace(o.output);
      const pids = new Set(t.events.filter((e) => e.kind === 'task').map((e) => e.pid));
      io.stderr(`recorded ${callCount(t)} memory calls of ${pids.size} process(es) to ${o.output} (the program exited with ${r.exitStatus})\n`);
    });
  trace
    .command('replay')
    .description('Replays a trace on starnix-mm, compares every call and each process\'s final maps with Linux; exit 0 only when all agree.')
    .argument('<trace>', 'a trace file from `memsim trace record`')
    .option('--json', 'print the report as JSON')
    .action((file: string, o: { json?: boolean }) => {
      const t = loadTrace(file);
      const r = new TraceReplayer(t).run();
      io.stdout(o.json ? `${JSON.stringify(replayJson(t, r), null, 2)}\n` : formatReplay(t, r, c));
      setStatus(r.ok ? 0 : 1);
    });
  trace
    .command('inspect')
    .description('After memory call N, prints the Linux view (maps) beside the Zircon view (VMARs, VMOs, clones, committed bytes).')
    .argument('<trace>', 'a trace file')
    .option('--at <n>', 'after memory call N (0: right after the first execve; default: the end)', nonNegInt('--at'))
    .option('--pid <pid>', 'only this process', nonNegInt('--pid'))
    .option('--json', 'print the view as JSON')
    .addOption(new Option('--anon-backing <design>', "Starnix's design for private anonymous memory the replay uses (default: single)").choices(['single', 'per-mapping']))
    .action((file: string, o: { at?: number; pid?: number; json?: boolean; anonBacking?: AnonBackingDesign }) => {
      const t = loadTrace(file);
      const design = o.anonBacking ?? 'single';
      const v = viewAt(t, o.at, o.pid, design);
      if (o.json) {
        const { model: _model, ...rest } = v;
        io.stdout(`${JSON.stringify({ anonBacking: design, ...rest }, null, 2)}\n`);
      } else io.stdout(formatView(t, v, c, design));
    });
  trace
    .command('draw')
    .description('Draws the Zircon view after call N as SVG, or as an HTML page with a slider over the calls.')
    .argument('<trace>', 'a trace file')
    .requiredOption('-o, --output <file>', 'where to write: .svg (one point) or .html (every call, with a slider)')
    .option('--at <n>', 'draw after memory call N (SVG) or stop there (HTML)', nonNegInt('--at'))
    .option('--pid <pid>', 'only this process', nonNegInt('--pid'))
    .action((file: string, o: { output: string; at?: number; pid?: number }) => {
      const t = loadTrace(file);
      if (/\.html?$/i.test(o.output)) {
        // drawHtml reads only the title fields of a scenario.
        const page = { name: `memsim trace: ${t.argv.join(' ')}`, source: describe(t), file } as unknown as Scenario;
        writeOut(o.output, drawHtml(page, frames(t, o.at, o.pid)));
      } else if (/\.svg$/i.test(o.output)) writeOut(o.output, drawSvg(viewAt(t, o.at, o.pid).model));
      else throw new CliError('BAD_USAGE', `--output must end in .svg or .html: ${o.output}`);
      io.stderr(`wrote ${o.output}\n`);
    });
  for (const cmd of [trace, ...trace.commands]) cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
}
