/**
 * `memsim compare-designs`: one Linux scenario through both of Starnix's designs for private anonymous memory
 * ('single' and 'per-mapping'), side by side: the Zircon objects at the end, and what each Linux call changed on the
 * Zircon side.
 */
import type { Scenario } from '@memsim/conformance';
import type { KernelProfile } from '@memsim/starnix-mm';
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
  readonly single: DesignDelta;
  readonly perMapping: DesignDelta;
}

/** What a step changed: VMOs and Zircon mappings made or gone, committed bytes. @public */
export interface DesignDelta {
  readonly vmos: number;
  readonly mappings: number;
  readonly committedBytes: number;
  readonly outcome: string;
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

async function run(scenario: Scenario, design: 'single' | 'per-mapping', profile?: KernelProfile): Promise<{ states: ModelState[]; outcomes: string[] }> {
  const stepper = new Stepper({ ...scenario, anonBacking: design }, profile);
  const states = [stepper.state()];
  const outcomes: string[] = [];
  while (!stepper.done) {
    const r = await stepper.stepSettled();
    outcomes.push(r.outcome);
    states.push(stepper.state());
  }
  return { states, outcomes };
}

/** Runs a Linux scenario in both designs (a scenario's own anon_backing is overridden). @public */
export async function compareDesigns(scenario: Scenario, profile?: KernelProfile): Promise<DesignComparison> {
  if (scenario.domain !== 'linux') throw new CliError('BAD_USAGE', `'${scenario.name}' is a Zircon scenario: only Linux scenarios have an anonymous-memory design`);
  const a = await run(scenario, 'single', profile);
  const b = await run(scenario, 'per-mapping', profile);
  const delta = (r: { states: ModelState[]; outcomes: string[] }, i: number): DesignDelta => {
    const before = figuresOf(r.states[i]);
    const after = figuresOf(r.states[i + 1]);
    return { vmos: after.vmos - before.vmos, mappings: after.mappings - before.mappings, committedBytes: after.committedBytes - before.committedBytes, outcome: r.outcomes[i] };
  };
  const steps: DesignStep[] = [];
  for (let i = 0; i < Math.min(a.outcomes.length, b.outcomes.length); i++) {
    steps.push({ step: i + 1, label: a.states[i + 1].label, single: delta(a, i), perMapping: delta(b, i) });
  }
  return { scenario: scenario.name, single: figuresOf(a.states[a.states.length - 1]), perMapping: figuresOf(b.states[b.states.length - 1]), steps };
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
  lines.push('', c.bold('Zircon objects each Linux call changed') + c.dim(' (VMOs, mappings, committed; single | per-mapping)'));
  const cell = (d: DesignDelta): string => `${signed(d.vmos)} vmo, ${signed(d.mappings)} map, ${signedBytes(d.committedBytes)}`;
  const wl = Math.max(...r.steps.map((s) => s.label.length), 4);
  const ws = Math.max(...r.steps.map((s) => cell(s.single).length), 6);
  for (const s of r.steps) {
    const differs = cell(s.single) !== cell(s.perMapping) || s.single.outcome !== s.perMapping.outcome;
    const short = (o: string): string => (o.length > 24 ? `${o.slice(0, 23)}…` : o);
    const out = s.single.outcome === s.perMapping.outcome ? '' : c.yellow(`  (outcome ${short(s.single.outcome)} | ${short(s.perMapping.outcome)})`);
    lines.push(`${String(s.step).padStart(3)} ${s.label.padEnd(wl)}  ${cell(s.single).padEnd(ws)}  ${differs ? c.cyan(cell(s.perMapping)) : cell(s.perMapping)}${out}`);
  }
  return `${lines.join('\n')}\n`;
}
