import type { Scenario } from '@memsim/conformance';
import type { KernelProfile } from '@memsim/starnix-mm';
import type { Colors } from '../cli/io.js';
import { checkStep, stepperFor } from '../model/open.js';
import type { ModelState, PageResidency, ProcessState, VmoState } from '../model/state.js';
import { vmoForest } from '../model/vmo-forest.js';
import { bytes, hexAddr } from './format.js';

/**
 * The model's state after the first `step` steps of a scenario (all of them by default; 0 is the initial state). The
 * event loop gets a turn after each step, so `thread:` steps (userfaultfd faults, blocking events) complete as they
 * do in the conformance runner and `join` shows their real results.
 * @public
 */
export async function inspectScenario(scenario: Scenario, step?: number, profile?: KernelProfile): Promise<ModelState> {
  const stepper = stepperFor(scenario, profile);
  await stepper.runToSettled(checkStep(scenario, step));
  return stepper.state();
}

/** The state before the first step and after every step, in order (what `draw` animates). @public */
export async function statesOf(scenario: Scenario, step?: number, profile?: KernelProfile): Promise<ModelState[]> {
  const n = checkStep(scenario, step);
  const stepper = stepperFor(scenario, profile);
  const out = [stepper.state()];
  while (stepper.executed < n) {
    await stepper.stepSettled();
    stepper.checkKeepable();
    out.push(stepper.state());
  }
  return out;
}

const PAGE_CHAR: Record<PageResidency, string> = { committed: '#', compressed: '~', absent: '.' };

function pageBar(pages: readonly PageResidency[], max = 64): string {
  if (pages.length === 0) return '';
  const shown = pages.slice(0, max).map((p) => PAGE_CHAR[p]).join('');
  return `[${shown}${pages.length > max ? '…' : ''}]`;
}

function vmarTree(p: ProcessState, c: Colors, relative: boolean): string[] {
  const out: string[] = [];
  for (const r of p.regions) {
    const pad = '  '.repeat(r.depth + 1);
    const range = `${hexAddr(r.base)}-${hexAddr(r.base + r.size)}${relative && r.origin === undefined ? ' (absolute)' : ''}`;
    if (r.kind !== 'mapping') {
      out.push(`${pad}${c.cyan(r.kind === 'aspace' ? 'aspace' : 'vmar')} ${range} ${c.dim(`(${bytes(r.size)})`)}${r.name ? ` ${r.name}` : ''}`);
      continue;
    }
    const detail = `vmo ${r.vmoKoid} @${hexAddr(r.vmoOffset ?? 0)}, committed ${bytes(r.committedBytes ?? 0)}, populated ${bytes(r.populatedBytes ?? 0)}`;
    out.push(`${pad}${c.magenta('map')} ${range} ${r.perms} ${c.dim(`(${bytes(r.size)})`)} ${detail}${r.name ? ` ${r.name}` : ''}`);
  }
  return out;
}

function vmoTree(vmos: readonly VmoState[], c: Colors): string[] {
  const { byKoid, roots, children } = vmoForest(vmos);
  const out: string[] = [];
  const walk = (v: VmoState, depth: number): void => {
    const pad = '  '.repeat(depth + 1);
    const name = v.name ? `'${v.name}' ` : '';
    const parent = v.parentKoid !== 0 && !byKoid.has(v.parentKoid) ? ` (parent ${v.parentKoid} not held)` : '';
    out.push(
      `${pad}${c.bold(`vmo ${v.koid}`)} ${name}${bytes(v.sizeBytes)}: committed ${bytes(v.committedBytes)}, populated ${bytes(v.populatedBytes)}, shared ${bytes(v.sharedBytes)}` +
        `${v.flags.length ? c.dim(` [${v.flags.join('|')}]`) : ''}${v.viaHandle ? '' : c.dim(' (mapped, no handle)')}${parent}`,
    );
    const bar = pageBar(v.pages);
    if (bar) out.push(`${pad}  ${bar}`);
    for (const ch of children.get(v.koid) ?? []) walk(ch, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/** What `inspect` prints for each process's address space: /proc/pid/maps, smaps or the pagemap view. @public */
export type InspectView = 'maps' | 'smaps' | 'pagemap';

const PAGEMAP_LEGEND = 'pages: . missing, a anonymous, A shared by fork, 0 zero page, f file/shmem, F file mapped twice, w uffd-wp, m marker';

function viewText(p: ModelState['processes'][number], view: InspectView): string {
  if (view === 'smaps') return p.smaps ?? `${p.maps}\n(smaps: only Linux scenarios have them)`;
  if (view === 'pagemap') return p.pagemap ?? '(pagemap: only Linux scenarios have it)';
  return p.maps;
}

/**
 * Human-readable state: maps (or smaps, or the pagemap view), the VMAR tree, the VMO clone tree and kernel memory.
 * `smaps` is true for smaps, or names the view.
 * @public
 */
export function formatState(scenario: Scenario, s: ModelState, c: Colors, smaps: boolean | InspectView = false, addresses?: string): string {
  const view: InspectView = smaps === true ? 'smaps' : smaps === false ? 'maps' : smaps;
  const lines: string[] = [];
  const relative = s.processes.some((p) => p.regions.some((r) => r.origin !== undefined));
  lines.push(c.bold(scenario.name) + c.dim(` (${scenario.domain}, ${scenario.file})`));
  lines.push(s.step === 0 ? 'before the first step' : `after step ${s.step} of ${scenario.steps.length}: ${s.label} -> ${s.outcome}`);
  if (addresses !== undefined) lines.push(c.dim(`addresses: ${addresses}`));
  for (const p of s.processes) {
    lines.push('', c.bold(`process ${p.name}`) + c.dim(` (koid ${p.koid})`));
    const text = viewText(p, view).trimEnd();
    lines.push(`  ${view === 'pagemap' ? `/proc/pid/pagemap (${PAGEMAP_LEGEND})` : `/proc/pid/${view}`}:`);
    lines.push(...(text ? text.split('\n').map((l) => `    ${l}`) : ['    (no mappings)']));
    lines.push('  VMAR tree:');
    lines.push(...(p.regions.length ? vmarTree(p, c, relative).map((l) => `  ${l}`) : ['    (process terminated)']));
  }
  lines.push('', c.bold('VMO clone tree') + c.dim(' (pages: # committed, ~ compressed, . absent)'));
  lines.push(...(s.vmos.length ? vmoTree(s.vmos, c) : ['  (no VMOs)']));
  const m = s.memory;
  lines.push('', c.bold('kernel memory'));
  lines.push(
    `  total ${bytes(m.totalBytes)}, committed ${bytes(m.committedBytes)}, compressed ${bytes(m.compressedBytes)}, free ${bytes(m.freeBytes)}, pressure ${m.pressure}`,
  );
  return `${lines.join('\n')}\n`;
}
