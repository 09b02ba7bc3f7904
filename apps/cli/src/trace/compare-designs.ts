/**
 * `memsim compare-designs TRACE`: a recorded Linux program replayed in both of Starnix's designs for private
 * anonymous memory, compared as a scenario is (see commands/compare-designs.ts).
 */
import type { AnonBackingDesign } from '@memsim/starnix-mm';
import type { ZxSyscallCounts } from '@memsim/zircon-objects';
import { compareRuns, figuresOf, zirconCallsBetween, type DesignCall, type DesignComparison, type DesignFigures, type DesignRun } from '../commands/compare-designs.js';
import type { Trace } from './format.js';
import { callCount, TraceReplayer } from './replay.js';
import { traceView } from './view.js';

function runTrace(t: Trace, design: AnonBackingDesign): DesignRun {
  const total = callCount(t);
  const r = new TraceReplayer(t, { anonBacking: design });
  const figures = (): DesignFigures => figuresOf(traceView(r, total).model);
  const calls: DesignCall[] = [];
  let before: DesignFigures = figures();
  let counts: ZxSyscallCounts = r.kernel.syscallCounts();
  r.run({
    onBeforeCall: () => {
      // Figures first: picturing the address spaces makes Zircon calls (INFO_MAPS) the Linux call did not.
      before = figures();
      counts = r.kernel.syscallCounts();
    },
    onCall: (_, o) => {
      const zirconCalls = zirconCallsBetween(counts, r.kernel.syscallCounts());
      const label = `pid ${o.pid} ${o.call}`;
      calls.push({ label, before: before, after: figures(), outcome: o.model, zirconCalls });
    },
  });
  return { calls, end: figures() };
}

/** Replays a trace in both designs; `name` titles the comparison. @public */
export function compareTraceDesigns(t: Trace, name: string): DesignComparison {
  return compareRuns(name, runTrace(t, 'single'), runTrace(t, 'per-mapping'));
}
