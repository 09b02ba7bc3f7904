import {
  ProbeCrashError,
  ProbeScenarioError,
  ProbeTimeoutError,
  probeAvailability,
  runScenario as probeRun,
  type LinuxOp,
  type LinuxOpResult,
} from '@memsim/linux-probe';
import { Bindings } from '../engine/scope.js';
import { normalizeOutcome, type StepOutcome } from '../engine/outcome.js';
import { ConformanceError } from '../scenario/errors.js';
import { referencedNames, resolveValue, templateExprs } from '../scenario/expr.js';
import type { Step } from '../scenario/types.js';

/** Why the linux backend cannot run here, or undefined when it can. */
export function linuxBackendUnavailable(): string | undefined {
  const a = probeAvailability();
  return a.available ? undefined : a.reason;
}

/** Addresses bound from results come back as `{ abs: "0x..." }`; the probe takes `{ abs: <integer> }`. */
function absToInt(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(absToInt);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['abs'] === 'string' && Object.keys(o).length === 1) return { abs: BigInt(o['abs']) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, absToInt(x)]));
  }
  return v;
}

/** The probe op a Linux-domain step becomes. `args` are already resolved. */
export function toProbeOp(step: Step, rawArgs: Record<string, unknown>): LinuxOp {
  const args = absToInt(rawArgs) as Record<string, unknown>;
  const common: Record<string, unknown> = {};
  if (step.in !== undefined) common['in'] = step.in;
  if (step.thread !== undefined) common['thread'] = step.thread;
  switch (step.kind) {
    case 'linux':
      return { ...args, ...common, op: step.call } as unknown as LinuxOp;
    case 'fork':
      return { ...common, op: 'fork', child: step.call };
    case 'access': {
      const op = step.call === 'read' ? 'read' : step.call === 'write' ? 'write' : 'exec';
      return { ...args, ...common, op } as unknown as LinuxOp;
    }
    default:
      throw new ConformanceError('BAD_ARGUMENT', `a ${step.kind} step cannot run on Linux`);
  }
}

/** A probe result as a step outcome. */
export function probeOutcome(r: LinuxOpResult): StepOutcome {
  if (r.ok) return r.data !== undefined ? { kind: 'ok', value: r.value, data: r.data } : { kind: 'ok', value: r.value };
  if ('errno' in r) return { kind: 'errno', errno: r.errno, ...(r.done !== undefined ? { done: r.done } : {}), ...(r.detail ? { detail: r.detail } : {}) };
  return { kind: 'fault', signal: r.signal, code: r.code, faultAddr: r.fault_addr };
}

function namesIn(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') for (const e of templateExprs(v)) for (const n of referencedNames(e)) out.add(n);
  else if (Array.isArray(v)) for (const x of v) namesIn(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) namesIn(x, out);
}

function boundNames(step: Step): string[] {
  if (step.bind === undefined) return [];
  return typeof step.bind === 'string' ? [step.bind] : Object.values(step.bind);
}

/** What a Linux scenario produced on the live kernel: one outcome per step, and the bindings they made. */
export interface LinuxRun {
  readonly outcomes: StepOutcome[];
  readonly bindings: Bindings;
  /** Set when the probe stopped early (timeout, crash): the steps after `outcomes.length` did not run. */
  readonly stopped?: string;
}

/**
 * Runs a Linux scenario's steps through the probe in a fresh child process. When a step's arguments need a value an
 * earlier step returns, the prefix is run first and replayed with the value filled in; replays must agree (the
 * probe's window is deterministic), else the case errors.
 */
export async function runOnProbe(steps: readonly Step[], timeoutMs: number): Promise<LinuxRun> {
  const bindings = new Bindings();
  const ops: LinuxOp[] = [];
  let results: LinuxOpResult[] = [];
  let known = 0;
  const refs = steps.map((s) => {
    const set = new Set<string>();
    namesIn(s.args, set);
    return set;
  });
  while (known < steps.length) {
    // Extend the batch until a step reads a name the batch itself binds.
    const pending = new Set<string>();
    let end = known;
    do {
      for (const n of boundNames(steps[end])) pending.add(n);
      end++;
    } while (end < steps.length && ![...refs[end]].some((n) => pending.has(n)));
    for (let j = ops.length; j < end; j++) {
      const step = steps[j];
      ops.push(toProbeOp(step, resolveValue(step.args, bindings) as Record<string, unknown>));
    }
    let got: LinuxOpResult[];
    try {
      got = await probeRun(ops, { timeoutMs });
    } catch (e) {
      if (e instanceof ProbeTimeoutError || e instanceof ProbeCrashError) {
        const partial = [...e.partial];
        const outcomes = partial.map(probeOutcome);
        partial.slice(known).forEach((r, k) => {
          if (r.ok) bindings.bind(steps[known + k].bind, r.value);
        });
        return { outcomes, bindings, stopped: e.message };
      }
      if (e instanceof ProbeScenarioError) {
        const at = e.opIndex !== undefined ? ` (step ${e.opIndex + 1}, line ${steps[e.opIndex]?.pos.line ?? '?'})` : '';
        throw new ConformanceError('BAD_ARGUMENT', `${e.message}${at}`);
      }
      throw e;
    }
    for (let j = 0; j < known; j++) {
      const a = JSON.stringify(normalizeOutcome(probeOutcome(results[j])));
      const b = JSON.stringify(normalizeOutcome(probeOutcome(got[j])));
      if (a !== b) throw new ConformanceError('BAD_ARGUMENT', `replaying step ${j + 1} gave ${b}, first run ${a}: bind only values the window makes deterministic`);
    }
    results = got;
    for (let j = known; j < end; j++) {
      const r = got[j];
      if (r?.ok) bindings.bind(steps[j].bind, r.value);
    }
    known = end;
  }
  return { outcomes: results.map(probeOutcome), bindings };
}
