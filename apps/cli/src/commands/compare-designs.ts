/**
 * `memsim compare-designs`: one Linux scenario (or a recorded trace) through both of Starnix's designs for private
 * anonymous memory ('single' and 'per-mapping'), side by side: the Zircon objects at the end, and for each Linux call
 * what it changed on the Zircon side and the Zircon syscalls it made.
 */
import type { Scenario } from '@memsim/conformance';
import type { AnonBackingDesign, KernelProfile } from '@memsim/starnix-mm';
import { ZX_SYSCALLS, type ZxSyscall, type ZxSyscallCounts } from '@memsim/zircon-objects';
import { CliError } from '../cli/errors.js';
import type { Colors } from '../cli/io.js';
import type { ModelState } from '../model/state.js';
import { Stepper } from '../model/stepper.js';
import { vmoForest } from '../model/vmo-forest.js';
import { bytes } from './format.js';

/** The Zircon picture of one state, as the table compares it. @public */
export interface DesignFigures {
  readonly vmos: number;
  readonly vmoHandles: number;
  readonly mappings: number;
  readonly committedBytes: number;
  /** Snapshot/clone levels of the deepest VMO (0: no clone). */
  readonly deepestCloneChain: number;
}

/** One Linux step: its label and what it changed in each design. @public */
export interface DesignStep {
  readonly step: number;
  readonly label: string;
  /**
   * A user-mode memory access, not a system call: on Fuchsia a page fault, which makes no Zircon syscall; its
   * `zirconCalls` are the VMO reads and writes by which the model carries the access out.
   */
  readonly userAccess?: true;
  readonly single: DesignDelta;
  readonly perMapping: DesignDelta;
}

/** The Zircon syscalls a stretch of work made, by name (only the ones it made), in {@link ZX_SYSCALLS} order. @public */
export type ZirconCalls = Readonly<Partial<Record<ZxSyscall, number>>>;

/**
 * What a step changed: VMOs and Zircon mappings made or gone, committed bytes, and the Zircon syscalls it made
 * (failed ones included). @public
 */
export interface DesignDelta {
  readonly vmos: number;
  readonly mappings: number;
  readonly committedBytes: number;
  readonly outcome: string;
  readonly zirconCalls: ZirconCalls;
}

/** The comparison `compare-designs` prints. @public */
export interface DesignComparison {
  readonly scenario: string;
  readonly single: DesignFigures;
  readonly perMapping: DesignFigures;
  readonly steps: readonly DesignStep[];
}

/** The figures of one model state. @public */
export function figuresOf(s: ModelState): DesignFigures {
  const { byKoid } = vmoForest(s.vmos);
  const depth = (koid: number, n: number): number => {
    const v = byKoid.get(koid);
    return v && v.parentKoid !== 0 && n < s.vmos.length ? 1 + depth(v.parentKoid, n + 1) : 0;
  };
  return {
    vmos: s.vmos.length,
    vmoHandles: s.vmos.filter((v) => v.viaHandle).length,
    mappings: s.processes.reduce((n, p) => n + p.regions.filter((r) => r.kind === 'mapping').length, 0),
    committedBytes: s.memory.committedBytes,
    deepestCloneChain: s.vmos.reduce((m, v) => Math.max(m, depth(v.koid, 0)), 0),
  };
}

/** The syscalls made between two snapshots of one kernel's counts. @public */
export function zirconCallsBetween(before: ZxSyscallCounts, after: ZxSyscallCounts): ZirconCalls {
  const out: Partial<Record<ZxSyscall, number>> = {};
  for (const name of ZX_SYSCALLS) if (after[name] !== before[name]) out[name] = after[name] - before[name];
  return out;
}

/** One Linux call of a design's run: the figures just before and just after it, its outcome and its Zircon calls. @public */
export interface DesignCall {
  readonly label: string;
  /** A user-mode access rather than a Linux call (see {@link DesignStep.userAccess}). */
  readonly userAccess?: true;
  readonly before: DesignFigures;
  readonly after: DesignFigures;
  readonly outcome: string;
  readonly zirconCalls: ZirconCalls;
}

/** A whole run in one design: its Linux calls, and the figures at the end. @public */
export interface DesignRun {
  readonly calls: readonly DesignCall[];
  readonly end: DesignFigures;
}

async function runScenario(scenario: Scenario, design: AnonBackingDesign, profile?: KernelProfile): Promise<DesignRun> {
  const stepper = new Stepper({ ...scenario, anonBacking: design }, profile);
  let figures = figuresOf(stepper.state());
  const calls: DesignCall[] = [];
  while (!stepper.done) {
    // The counts are read before the pictures: picturing a state makes Zircon calls of its own (INFO_MAPS).
    const before = stepper.syscallCounts();
    const r = await stepper.stepSettled();
    const zirconCalls = zirconCallsBetween(before, stepper.syscallCounts());
    const state = stepper.state();
    const after = figuresOf(state);
    const access = scenario.steps[r.index]?.kind === 'access';
    calls.push({ label: state.label, before: figures, after, outcome: r.outcome, zirconCalls, ...(access ? { userAccess: true as const } : {}) });
    figures = after;
  }
  return { calls, end: figures };
}

/** Puts two runs of the same Linux calls side by side. @public */
export function compareRuns(name: string, a: DesignRun, b: DesignRun): DesignComparison {
  const delta = (c: DesignCall): DesignDelta => ({
    vmos: c.after.vmos - c.before.vmos,
    mappings: c.after.mappings - c.before.mappings,
    committedBytes: c.after.committedBytes - c.before.committedBytes,
    outcome: c.outcome,
    zirconCalls: c.zirconCalls,
  });
  const steps: DesignStep[] = [];
  for (let i = 0; i < Math.min(a.calls.length, b.calls.length); i++) {
    const access = a.calls[i].userAccess ? { userAccess: true as const } : {};
    steps.push({ step: i + 1, label: a.calls[i].label, ...access, single: delta(a.calls[i]), perMapping: delta(b.calls[i]) });
  }
  return { scenario: name, single: a.end, perMapping: b.end, steps };
}

/** Runs a Linux scenario in both designs (a scenario's own anon_backing is overridden). @public */
export async function compareDesigns(scenario: Scenario, profile?: KernelProfile): Promise<DesignComparison> {
  if (scenario.domain !== 'linux') throw new CliError('BAD_USAGE', `'${scenario.name}' is a Zircon scenario: only Linux scenarios have an anonymous-memory design`);
  const a = await runScenario(scenario, 'single', profile);
  const b = await runScenario(scenario, 'per-mapping', profile);
  return compareRuns(scenario.name, a, b);
}

/** `zx_vmo_create 1, zx_vmar_map 1` (or `none`). @public */
export function formatZirconCalls(calls: ZirconCalls): string {
  const parts = ZX_SYSCALLS.filter((n) => calls[n] !== undefined).map((n) => `${n} ${calls[n]}`);
  return parts.length ? parts.join(', ') : 'none';
}

const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? String(n) : '0');
const signedBytes = (n: number): string => (n > 0 ? `+${bytes(n)}` : n < 0 ? `-${bytes(-n)}` : '0');

/** The comparison as text tables. @public */
export function formatComparison(r: DesignComparison, c: Colors): string {
  const rows: [string, string, string][] = [
    ['VMOs', String(r.single.vmos), String(r.perMapping.vmos)],
    ['VMO handles held', String(r.single.vmoHandles), String(r.perMapping.vmoHandles)],
    ['Zircon mappings', String(r.single.mappings), String(r.perMapping.mappings)],
    ['committed bytes', bytes(r.single.committedBytes), bytes(r.perMapping.committedBytes)],
    ['deepest clone chain', String(r.single.deepestCloneChain), String(r.perMapping.deepestCloneChain)],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length), 'at the end'.length);
  const w1 = Math.max(...rows.map((x) => x[1].length), 'single'.length);
  const lines = [c.bold(r.scenario), '', `${'at the end'.padEnd(w0)}  ${'single'.padEnd(w1)}  per-mapping`];
  for (const [k, s, p] of rows) lines.push(`${k.padEnd(w0)}  ${s.padEnd(w1)}  ${p}`);
  lines.push('', c.bold('Zircon objects each Linux call changed, and the Zircon calls it made') + c.dim(' (VMOs, mappings, committed; single | per-mapping)'));
  const cell = (d: DesignDelta): string => `${signed(d.vmos)} vmo, ${signed(d.mappings)} map, ${signedBytes(d.committedBytes)}`;
  const wl = Math.max(...r.steps.map((s) => s.label.length), 4);
  const ws = Math.max(...r.steps.map((s) => cell(s.single).length), 6);
  for (const s of r.steps) {
    const differs = cell(s.single) !== cell(s.perMapping) || s.single.outcome !== s.perMapping.outcome;
    const short = (o: string): string => (o.length > 24 ? `${o.slice(0, 23)}…` : o);
    const out = s.single.outcome === s.perMapping.outcome ? '' : c.yellow(`  (outcome ${short(s.single.outcome)} | ${short(s.perMapping.outcome)})`);
    lines.push(`${String(s.step).padStart(3)} ${s.label.padEnd(wl)}  ${cell(s.single).padEnd(ws)}  ${differs ? c.cyan(cell(s.perMapping)) : cell(s.perMapping)}${out}`);
    const zs = formatZirconCalls(s.single.zirconCalls);
    const zp = formatZirconCalls(s.perMapping.zirconCalls);
    const pad = ' '.repeat(4);
    if (zs === zp) {
      if (zs !== 'none') lines.push(c.dim(`${pad}both         ${zs}`));
    } else {
      lines.push(c.dim(`${pad}single       ${zs}`));
      lines.push(`${c.dim(`${pad}per-mapping  `)}${c.cyan(zp)}`);
    }
    if (s.userAccess && (zs !== 'none' || zp !== 'none')) lines.push(c.dim(`${pad}(a user access: on Fuchsia a page fault, no syscall; the calls are how the model carries it out)`));
  }
  return `${lines.join('\n')}\n`;
}
