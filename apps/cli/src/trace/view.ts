import type { MemoryManager } from '@memsim/starnix-mm';
import { mappedOnlyVmos, memoryOf, processState, vmoState } from '../model/snapshot.js';
import type { ModelState, ProcessState, VmoState } from '../model/state.js';
import { parseMapsLine, type MapsLine } from './format.js';
import type { TraceReplayer } from './replay.js';

/** One process at a point of the trace: the Linux view and the Zircon objects Starnix builds for it. */
export interface TraceProcessView {
  readonly pid: number;
  readonly exe: string;
  /** /proc/PID/maps as the model prints it (what Starnix would show the program). */
  readonly maps: string;
  readonly vmas: number;
  /** The recorded /proc/PID/maps at exit, when the view is at the end of the trace. */
  readonly linuxMaps?: string;
  /** smaps_rollup at exit, kB. */
  readonly linuxRollup?: Readonly<Record<string, number>>;
  readonly state: ProcessState;
}

/** The whole picture after call N. */
export interface TraceView {
  /** Memory calls replayed so far, and in the whole trace. */
  readonly at: number;
  readonly total: number;
  readonly label: string;
  readonly processes: readonly TraceProcessView[];
  /** VMOs of the shown processes, with clone parents. */
  readonly vmos: readonly VmoState[];
  readonly totals: { readonly vmas: number; readonly vmos: number; readonly committedBytes: number; readonly linuxRssBytes?: number };
  /** The same, as the plain-data state `draw` renders. */
  readonly model: ModelState;
}

const modelLines = (mm: MemoryManager): MapsLine[] =>
  mm.maps().split('\n').map((l) => parseMapsLine(l)).filter((m): m is MapsLine => m !== undefined);

/**
 * The Zircon view of the live processes of a replayer: VMAR trees from the Zircon processes, file VMOs (each
 * file's page cache), copy-on-write children of private file mappings, and each address space's anonymous VMO
 * (a fork's is a snapshot child of its parent's), or with the 'per-mapping' design its anonymous VMOs (one per
 * mapping, snapshot children for holes and forks).
 */
export function traceView(r: TraceReplayer, total: number, pid?: number): TraceView {
  const shown = r.live().filter((p) => pid === undefined || p.pid === pid);
  const fileKoids = new Map<string, number>();
  const fileVmos: VmoState[] = [];
  for (const [k, f] of r.modelFiles) {
    const v = vmoState(f.vmo);
    if (!v) continue;
    fileKoids.set(k, v.koid);
    fileVmos.push({ ...v, name: v.name || f.path.split('/').at(-1) || f.path });
  }
  const parents = new Map<number, number>(r.anonParents);
  const processes: TraceProcessView[] = [];
  const atEnd = r.calls >= total;
  for (const p of shown) {
    const lines = modelLines(p.mm);
    const state = processState(`${p.pid} ${p.exe.split('/').at(-1) ?? ''}`, p.mm.process, p.mm.maps());
    for (const reg of state.regions) {
      if (reg.kind !== 'mapping' || reg.vmoKoid === undefined) continue;
      const vma = lines.find((m) => m.start <= reg.base && reg.base < m.end);
      if (vma && vma.perms[3] === 'p' && vma.name.startsWith('/')) {
        const koid = fileKoids.get(`${vma.dev}:${vma.inode}`);
        if (koid !== undefined && koid !== reg.vmoKoid) parents.set(reg.vmoKoid, koid);
      }
    }
    const exit = atEnd ? r.finalSnapshot(p.pid) : undefined;
    processes.push({
      pid: p.pid,
      exe: p.exe,
      maps: p.mm.maps(),
      vmas: lines.length,
      ...(exit ? { linuxMaps: exit.maps.map((m) => m.text).join('\n') + '\n', ...(exit.rollup ? { linuxRollup: exit.rollup } : {}) } : {}),
      state,
    });
  }
  const states = processes.map((p) => p.state);
  const mappedKoids = new Set(states.flatMap((s) => s.regions.map((reg) => reg.vmoKoid ?? 0)));
  const files = fileVmos.filter((v) => mappedKoids.has(v.koid) || [...parents.entries()].some(([c, par]) => par === v.koid && mappedKoids.has(c)));
  // 'per-mapping' address spaces know their anonymous VMOs' sizes and clone parents (mappings alone do not).
  const anon = new Map(shown.filter((p) => p.mm.anonymousBacking === 'per-mapping').flatMap((p) => p.mm.anonVmos().map((v) => [v.koid, v] as const)));
  const others = mappedOnlyVmos(states, new Set(files.map((v) => v.koid))).map((v) => {
    const a = anon.get(v.koid);
    if (a) return a.parentKoid !== null ? { ...v, sizeBytes: a.size, parentKoid: a.parentKoid, flags: ['IS_COW_CLONE'] } : { ...v, sizeBytes: a.size };
    const parent = parents.get(v.koid);
    return parent !== undefined ? { ...v, parentKoid: parent, flags: ['IS_COW_CLONE'] } : v;
  });
  const vmos = [...files, ...others];
  const rss = processes.reduce((n, p) => n + (p.linuxRollup?.['Rss'] ?? 0), 0);
  const memory = memoryOf(r.kernel);
  const label = r.lastCall ? `${r.lastCall.call} = ${r.lastCall.model}` : 'after the exec of the first program';
  const model: ModelState = {
    domain: 'linux',
    step: r.calls,
    label,
    outcome: r.lastCall ? (r.lastCall.agree ? `agrees with Linux (${r.lastCall.linux})` : `Linux returned ${r.lastCall.linux}`) : 'initial state',
    processes: states,
    vmos,
    memory,
  };
  return {
    at: r.calls,
    total,
    label,
    processes,
    vmos,
    totals: {
      vmas: processes.reduce((n, p) => n + p.vmas, 0),
      vmos: vmos.length,
      committedBytes: memory.committedBytes,
      ...(atEnd && processes.some((p) => p.linuxRollup) ? { linuxRssBytes: rss * 1024 } : {}),
    },
    model,
  };
}
