// What the page steps through: a scenario on the conformance package's model session (through the CLI's Stepper,
// exactly as `memsim inspect` and `memsim draw` step it), or a recorded trace on the CLI's trace replayer.
import { Stepper, TraceReplayer, memoryCalls, traceView, type HandleView, type ModelState, type SysRecord, type Trace } from '@memsim/cli/web';
import type { Scenario } from '@memsim/conformance/web';
import type { KernelProfile } from '@memsim/starnix-mm';

/** What the page shows at one step. */
export interface Shown {
  readonly state: ModelState;
  readonly handles: readonly HandleView[];
}

/** A scenario stepped on the model; every state is kept, so stepping back shows the state exactly as it was. */
export class ScenarioPlay {
  readonly #stepper: Stepper;
  readonly #shown: Shown[] = [];
  /** The step that could not run, and why (the steps after it are not reachable). */
  failure: { readonly step: number; readonly message: string } | undefined;

  constructor(readonly scenario: Scenario, profile?: KernelProfile) {
    this.#stepper = new Stepper(scenario, profile);
    this.#shown.push(this.#capture());
  }

  get total(): number {
    return this.scenario.steps.length;
  }

  /** The last step the model reached (all of them, unless a step failed). */
  get reachable(): number {
    return this.failure ? this.failure.step - 1 : this.total;
  }

  #capture(): Shown {
    return { state: this.#stepper.state(), handles: this.#stepper.handles() };
  }

  /** The state after `n` steps (clamped to the reachable ones), running the model forward as far as needed. */
  async at(n: number): Promise<Shown> {
    const want = Math.max(0, Math.min(n, this.total));
    while (this.#shown.length <= want && !this.failure) {
      try {
        await this.#stepper.stepSettled();
      } catch (e) {
        this.failure = { step: this.#shown.length, message: (e as Error).message };
        break;
      }
      this.#shown.push(this.#capture());
    }
    return this.#shown[Math.min(want, this.#shown.length - 1)];
  }
}

/** A one-line C-like rendering of a recorded memory call. */
export function callText(r: SysRecord): string {
  const hex = (v: bigint): string => (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
  const n = r.name === 'munmap' || r.name === 'brk' ? (r.name === 'brk' ? 1 : 2) : r.name === 'mmap' ? 6 : r.name === 'mremap' ? 5 : 3;
  const ret = r.ret < 0n && r.ret > -4096n ? `-${-r.ret}` : hex(r.ret);
  return `[${r.pid}] ${r.name}(${r.args.slice(0, n).map(hex).join(', ')}) = ${ret}`;
}

/**
 * A recorded trace replayed on starnix-mm. Forward steps continue the replay where it stopped (one call each); a
 * step back replays from the start, as the model cannot undo a call.
 */
export class TracePlay {
  readonly calls: readonly SysRecord[];
  #replayer: TraceReplayer;

  constructor(readonly trace: Trace) {
    this.calls = memoryCalls(trace);
    this.#replayer = new TraceReplayer(trace);
  }

  get total(): number {
    return this.calls.length;
  }

  /** The state after `n` memory calls. */
  at(n: number): Shown {
    const want = Math.max(0, Math.min(n, this.total));
    if (want < this.#replayer.calls) this.#replayer = new TraceReplayer(this.trace);
    this.#replayer.run({ stopAfter: want });
    return { state: traceView(this.#replayer, this.total).model, handles: [] };
  }
}
