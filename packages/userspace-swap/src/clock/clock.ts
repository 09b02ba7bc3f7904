import { describeValue } from '../errors/describe.js';

/**
 * Time for the swap machinery: a reading in microseconds and one-shot timers. Inject a {@link VirtualClock} for
 * deterministic runs; {@link SystemClock} follows wall time.
 *
 * @public
 */
export interface Clock {
  /** The current time in microseconds (monotonic). */
  nowMicros(): number;
  /** Runs `callback` once after `delayMicros`; disposing the result cancels it. */
  schedule(delayMicros: number, callback: () => void): Disposable;
}

/**
 * A clock that moves only when told to: timers fire, in due order, during {@link VirtualClock.advance}.
 *
 * @public
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { due: number; callback: () => void }>();

  constructor(startMicros = 0) {
    if (!Number.isFinite(startMicros)) throw new RangeError(`bad start time ${describeValue(startMicros)}`);
    this.#now = startMicros;
  }

  /** {@inheritDoc Clock.nowMicros} */
  nowMicros(): number {
    return this.#now;
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(delayMicros: number, callback: () => void): Disposable {
    if (typeof delayMicros !== 'number' || Number.isNaN(delayMicros)) throw new RangeError(`bad timer delay ${describeValue(delayMicros)}`);
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    const id = ++this.#seq;
    this.#timers.set(id, { due: this.#now + Math.max(0, delayMicros), callback });
    return { [Symbol.dispose]: () => void this.#timers.delete(id) };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `micros`, firing due timers in order; after each one the microtask queue is drained so
   * promise chains it started settle before the next timer.
   */
  async advance(micros: number): Promise<void> {
    if (typeof micros !== 'number' || !Number.isFinite(micros) || micros < 0) {
      throw new RangeError(`a virtual clock only moves forward by a finite amount, got ${describeValue(micros)}`);
    }
    const target = this.#now + micros;
    for (;;) {
      let nextId = -1;
      let next: { due: number; callback: () => void } | undefined;
      for (const [id, t] of this.#timers) {
        if (t.due <= target && (next === undefined || t.due < next.due)) {
          next = t;
          nextId = id;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, next.due);
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/**
 * Wall-clock time (`performance.now`) and `setTimeout` timers.
 *
 * @public
 */
export class SystemClock implements Clock {
  /** {@inheritDoc Clock.nowMicros} */
  nowMicros(): number {
    return Math.round(performance.now() * 1000);
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(delayMicros: number, callback: () => void): Disposable {
    const t = setTimeout(callback, Math.ceil(delayMicros / 1000));
    return { [Symbol.dispose]: () => clearTimeout(t) };
  }
}

/** Lets every pending promise reaction run: a macrotask turn comes only after the microtask queue is empty. */
/** @internal */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
