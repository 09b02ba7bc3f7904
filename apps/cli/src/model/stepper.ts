import {
  ConformanceError,
  LINUX_WINDOW_BASE,
  createModelSession,
  normalizeValue,
  type LinuxModelSession,
  type Scenario,
  type StepOutcome,
  type ZirconModelSession,
} from '@memsim/conformance/web';
import type { KernelProfile } from '@memsim/starnix-mm';
import { Process, Vmo, type ZxSyscallCounts } from '@memsim/zircon-objects';
import { CliError } from '../cli/errors.js';
import { pagemapText } from './pagemap-view.js';
import { mappedOnlyVmos, memoryOf, processState, vmoState } from './snapshot.js';
import type { ModelState, VmoState } from './state.js';

/**
 * One turn of the event loop: `setImmediate` in Node; a message-channel task in a browser, which has no
 * `setImmediate` (and whose `setTimeout(0)` is clamped to 4 ms when nested).
 */
function nextTurn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise<void>((resolve) => setImmediate(resolve));
  return new Promise<void>((resolve) => {
    // The browser's port (Node's types describe worker_threads' port, which has no onmessage).
    const ch = new MessageChannel() as unknown as { port1: { onmessage: (() => void) | null; close(): void }; port2: { postMessage(m: null): void } };
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** A handle held by a Zircon scenario, as the playground lists it. */
export interface HandleView {
  readonly name: string;
  readonly koid: number;
  /** `zx_obj_type_t`. */
  readonly type: number;
  /** `zx_rights_t` bits. */
  readonly rights: number;
  readonly closed: boolean;
}

/** What one executed step produced, in one line. */
export interface ExecutedStep {
  readonly index: number;
  readonly label: string;
  readonly ok: boolean;
  readonly outcome: string;
}

function showValue(v: unknown): string {
  const s = JSON.stringify(normalizeValue(v));
  return s === undefined ? 'null' : s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/** An absolute fault address: Linux outcomes give it window-relative, or as `{ abs }` outside the window. */
function faultAddress(a: unknown): string {
  if (typeof a === 'number') return `0x${(a + LINUX_WINDOW_BASE).toString(16)}`;
  if (a !== null && typeof a === 'object' && 'abs' in a) return String(a.abs);
  return '?';
}

function outcomeText(o: StepOutcome, domain: 'zircon' | 'linux'): string {
  switch (o.kind) {
    case 'ok':
      return showValue(o.value);
    case 'status':
      return o.status;
    case 'errno':
      return o.errno;
    case 'fault':
      if (domain === 'zircon') return `fault ${o.fault} at 0x${Number(o.faultAddr).toString(16)}`;
      return `${o.signal}/${o.code} at ${faultAddress(o.faultAddr)}`;
  }
}

/**
 * Executes a scenario's steps one at a time on the conformance package's model session, and pictures the live model
 * after any step as plain data.
 */
/** The most VMAs a process may have for the CLI to keep its state at every step (see Stepper.checkKeepable). */
const MAX_KEPT_VMAS = 20_000;

export class Stepper {
  readonly #session: ZirconModelSession | LinuxModelSession;
  #last: ExecutedStep | undefined;

  /** `profile`: the kernel build a Linux scenario's model follows (default: the model's own). */
  constructor(readonly scenario: Scenario, profile?: KernelProfile) {
    this.#session = createModelSession(scenario, profile);
  }

  get executed(): number {
    return this.#session.executed;
  }

  get done(): boolean {
    return this.#session.done;
  }

  /** How many times each Zircon syscall was made on the session's kernel so far (setup included). */
  syscallCounts(): ZxSyscallCounts {
    return this.#session.kernel.syscallCounts();
  }

  /** Runs the next step; domain errors become a failed outcome, scenario mistakes throw. */
  step(): ExecutedStep {
    const index = this.#session.executed;
    let r;
    try {
      r = this.#session.step();
    } catch (e) {
      if (!(e instanceof ConformanceError)) throw e;
      // Say where: scenario files are long and the same call appears many times. A model limitation is not the
      // user's mistake (exit 1, not 2).
      const step = this.scenario.steps[index];
      const where = `step ${index + 1} (${step.kind} ${step.call}, line ${step.pos.line})`;
      throw new CliError(e.code === 'NOT_MODELLED' ? 'FAILED' : 'BAD_INPUT', `${where}: ${e.message}`);
    }
    let out: ExecutedStep;
    if (r.kind === 'check') out = { index, label: r.label, ok: r.holds === true, outcome: r.holds ? 'holds' : 'does not hold' };
    else if (r.kind === 'debug') out = { index, label: r.label, ok: true, outcome: 'skipped (runner self-test action)' };
    else out = { index, label: r.label, ok: r.outcome.kind === 'ok', outcome: outcomeText(r.outcome, this.#session.domain) };
    this.#last = out;
    return out;
  }

  /**
   * Runs the next step, then gives the event loop a turn, as the conformance runner does on the model: tasks of
   * `thread:` steps (userfaultfd waits, event waits) settle as far as they can before the next step or the picture.
   */
  async stepSettled(): Promise<ExecutedStep> {
    const out = this.step();
    await nextTurn();
    return out;
  }

  /** Runs steps with {@link Stepper.stepSettled} until `count` have executed (or the scenario ends). */
  async runToSettled(count: number): Promise<void> {
    while (this.executed < count && !this.done) await this.stepSettled();
  }

  /**
   * The handles a Zircon scenario's steps hold, in the order they appeared: the name a step bound, the object's
   * koid and type, and the rights (a closed handle says so). Linux scenarios hold none.
   */
  handles(): HandleView[] {
    const s = this.#session;
    if (s.domain === 'linux') return [];
    return s.handles().map((h) => {
      const name = s.nameOf(h) ?? '';
      try {
        const info = h.basicInfo();
        return { name, koid: info.koid, type: info.type, rights: info.rights, closed: false };
      } catch {
        return { name, koid: 0, type: 0, rights: 0, closed: true };
      }
    });
  }

  /**
   * Throws unless every process has at most `max` VMAs: a caller that keeps a state per step (`draw`) checks first,
   * since an address space filled towards vm.max_map_count (the map_count_fill cases) takes hundreds of megabytes a
   * state. One state of it (inspect, the playground) is fine.
   */
  checkKeepable(max = MAX_KEPT_VMAS): void {
    const s = this.#session;
    if (s.domain !== 'linux') return;
    for (const [name, mm] of s.processes) {
      if (mm.vmaCount > max) {
        throw new CliError('FAILED', `after step ${this.executed}${this.#last ? ` (${this.#last.label})` : ''}: process ${name} has ${mm.vmaCount} VMAs; a picture of every step is drawn for address spaces of up to ${max}`);
      }
    }
  }

  state(): ModelState {
    return {
      ...this.#snapshot(),
      step: this.executed,
      label: this.#last?.label ?? '',
      outcome: this.#last ? `${this.#last.ok ? 'ok' : 'failed'}: ${this.#last.outcome}` : 'initial state',
    };
  }

  #snapshot(): Omit<ModelState, 'step' | 'label' | 'outcome'> {
    const s = this.#session;
    if (s.domain === 'linux') {
      const processes = [...s.processes.entries()].map(([name, mm]) => ({ ...processState(name, mm.process, mm.maps(), mm.smaps()), pagemap: pagemapText(mm) }));
      // Private anonymous VMOs: the memory manager knows their clone parents and sizes (mappings alone do not).
      // ('single' keeps its one VMO as the mappings show it, as before.)
      const anon = new Map([...s.processes.values()].filter((mm) => mm.anonymousBacking === 'per-mapping').flatMap((mm) => mm.anonVmos().map((v) => [v.koid, v] as const)));
      const vmos = mappedOnlyVmos(processes, new Set()).map((v) => {
        const a = anon.get(v.koid);
        return a ? { ...v, sizeBytes: a.size, parentKoid: a.parentKoid ?? 0 } : v;
      });
      return { domain: 'linux', processes, vmos, memory: memoryOf(s.kernel) };
    }
    const handles = s.handles();
    const processes = handles.filter((h): h is Process => h instanceof Process).map((p) => processState(s.nameOf(p) ?? p.getName(), p));
    const vmos: VmoState[] = [];
    const known = new Set<number>();
    for (const h of handles) {
      if (!(h instanceof Vmo)) continue;
      const v = vmoState(h);
      if (!v || known.has(v.koid)) continue;
      known.add(v.koid);
      const bound = s.nameOf(h);
      vmos.push(bound && !v.name ? { ...v, name: bound } : v);
    }
    vmos.push(...mappedOnlyVmos(processes, known));
    return { domain: 'zircon', processes, vmos, memory: memoryOf(s.kernel) };
  }
}
