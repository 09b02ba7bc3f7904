import type { CaseResult } from '../engine/case.js';
import type { Scenario } from '../scenario/types.js';

/**
 * The comparison of one Linux scenario's normalised outputs on the model and on the live kernel.
 * @public
 */
export interface DiffResult {
  readonly id: string;
  readonly suite: string;
  /** False when one side did not run (skipped), so nothing was compared. */
  readonly compared: boolean;
  readonly agree: boolean;
  /** The first step whose outputs differ (1-based), with both outputs. */
  readonly divergence?: { readonly step: number; readonly line: number; readonly model: unknown; readonly linux: unknown };
  readonly reason?: string;
}

/**
 * Stable JSON (sorted keys) so equal outputs compare equal. Addresses outside the probe window (`{ abs }`) are
 * placed by each side's own allocator (and ASLR), so only "outside the window" is compared, not the value.
 */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    if ('abs' in v && Object.keys(v).length === 1) return '{"abs":"outside-window"}';
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** First index where two output lists differ, or -1. */
export function firstDivergence(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (canonical(a[i] ?? null) !== canonical(b[i] ?? null)) return i;
  return -1;
}

/**
 * A `wait_blocked` step's output with the kernel's wait-channel name (`handle_userfault`, ...) reduced to "blocked":
 * the probe README says those kernel-internal names are not for comparing with a model, which reports only that the
 * thread is blocked. "done" and errors (ETIMEDOUT) are compared as they are.
 */
function comparable(steps: Scenario['steps'], outputs: readonly unknown[]): unknown[] {
  return outputs.map((o, i) => {
    const s = steps[i];
    if (s?.kind !== 'linux' || s.call !== 'wait_blocked' || o === null || typeof o !== 'object' || !('ok' in o)) return o;
    const v = (o).ok;
    return typeof v === 'string' && v !== 'done' ? { ok: 'blocked' } : o;
  });
}

/** Compares each differential Linux scenario's model and linux results. */
export function compareCases(scenarios: readonly Scenario[], results: readonly CaseResult[]): DiffResult[] {
  const out: DiffResult[] = [];
  for (const s of scenarios) {
    if (s.domain !== 'linux' || !s.differential) continue;
    const id = `${s.suite}/${s.name}`;
    const model = results.find((r) => r.id === id && r.backend === 'model');
    const linux = results.find((r) => r.id === id && r.backend === 'linux');
    if (!model || !linux || model.status === 'skipped' || linux.status === 'skipped' || !model.outputs || !linux.outputs) {
      const why = [model, linux].find((r) => r?.status === 'skipped')?.message ?? 'a backend did not run';
      out.push({ id, suite: s.suite, compared: false, agree: false, reason: why });
      continue;
    }
    const i = firstDivergence(comparable(s.steps, model.outputs), comparable(s.steps, linux.outputs));
    if (i < 0) out.push({ id, suite: s.suite, compared: true, agree: true });
    else {
      out.push({
        id,
        suite: s.suite,
        compared: true,
        agree: false,
        divergence: { step: i + 1, line: s.steps[i]?.pos.line ?? s.pos.line, model: model.outputs[i] ?? null, linux: linux.outputs[i] ?? null },
      });
    }
  }
  return out;
}
