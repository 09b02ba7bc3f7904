import type { Clock } from '../clock/clock.js';
import { UffdPagefaultFlag } from './constants.js';
import type { DispatchOptions, PagefaultFlags, UffdFile, UffdMessage, UffdPagefaultMessage, UserfaultFDHandler } from './uffd-file.js';

const SETTLED: Promise<void> = Promise.resolve();

/**
 * The flags a page fault can carry, one frozen object per combination of UFFD_PAGEFAULT_FLAG_WRITE, _WP and _MINOR
 * (indexed by those three bits): PagefaultFlags is read-only, so every delivery shares them instead of allocating.
 */
const FLAGS: readonly PagefaultFlags[] = Array.from({ length: 8 }, (_, i) =>
  Object.freeze({ write: (i & 1) !== 0, wp: (i & 2) !== 0, minor: (i & 4) !== 0 }),
);

function flagsOf(bits: number): PagefaultFlags {
  const w = (bits & UffdPagefaultFlag.WRITE) !== 0 ? 1 : 0;
  const wp = (bits & UffdPagefaultFlag.WP) !== 0 ? 2 : 0;
  const minor = (bits & UffdPagefaultFlag.MINOR) !== 0 ? 4 : 0;
  return FLAGS[w | wp | minor];
}

/** The seed's reader: drains the fd, dispatches non-fault events at once, queues faults and retries declined ones. */
export class EventDispatcher {
  readonly #fd: UffdFile;
  readonly #handler: UserfaultFDHandler;
  readonly #clock: Clock;
  readonly #retryDelay: number;
  readonly #onError: (error: unknown) => void;
  #pending: UffdPagefaultMessage[] = [];
  /** The array the last delivered batch was in, emptied, so the next batch swaps with it instead of copying. */
  #spare: UffdPagefaultMessage[] = [];
  readonly #subscription: Disposable;
  #timer: Disposable | null = null;
  #scheduled = false;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(fd: UffdFile, handler: UserfaultFDHandler, clock: Clock, options: DispatchOptions) {
    this.#fd = fd;
    this.#handler = handler;
    this.#clock = clock;
    const delay = options.retryDelayMicros ?? 1000;
    this.#retryDelay = Number.isFinite(delay) && delay >= 0 ? delay : 1000;
    this.#onError = options.onHandlerError ?? (() => undefined);
    this.#subscription = fd.onReadable(() => this.#schedule());
    if (fd.readable) this.#schedule();
  }

  /** Ends dispatching and tells the handler, exactly once. */
  stop(err: number): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#subscription[Symbol.dispose]();
    this.#timer?.[Symbol.dispose]();
    this.#timer = null;
    this.#pending.length = 0;
    try {
      this.#handler.closed(err);
    } catch (e) {
      this.#onError(e);
    }
  }

  readonly #tick = (): void => {
    this.#scheduled = false;
    void this.#run();
  };

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    // The handler runs as its own thread would: after the raising task has yielded. A then() on a settled promise is
    // the cheapest microtask (Node's queueMicrotask makes an async resource per call), and the callback is made once.
    void SETTLED.then(this.#tick);
  }

  /**
   * Drains the fd until nothing is left to do. Synchronous as long as every handler answers synchronously (the
   * usual case: no promise, no turn of the event loop per fault); the first promise a handler returns continues the
   * same work asynchronously, in the same order.
   */
  #run(): void | Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    let ok = false;
    try {
      do {
        this.#again = false;
        const wait = this.#drainOnce();
        if (wait !== undefined) {
          ok = true;
          return this.#runAfter(wait);
        }
      } while (this.#again && !this.#stopped);
      ok = true;
    } finally {
      if (!ok) this.#running = false;
    }
    this.#running = false;
    this.#afterRun();
  }

  /** The rest of {@link #run} once a handler's promise is in the way. */
  async #runAfter(wait: Promise<void>): Promise<void> {
    try {
      await wait;
      while (this.#again && !this.#stopped) {
        this.#again = false;
        const next = this.#drainOnce();
        if (next !== undefined) await next;
      }
    } finally {
      this.#running = false;
    }
    this.#afterRun();
  }

  /** After a run: declined faults are retried on a timer. */
  #afterRun(): void {
    if (!this.#stopped && this.#pending.length > 0 && this.#timer === null) {
      this.#timer = this.#clock.schedule(this.#retryDelay, () => {
        this.#timer = null;
        this.#schedule();
      });
    }
  }

  /** One pass: read everything available, then deliver the queued faults; a promise when a handler returned one. */
  #drainOnce(): Promise<void> | undefined {
    // Read everything available: Linux returns faults first; events are dispatched as read, faults queued.
    for (;;) {
      if (this.#stopped || this.#fd.closed) return undefined;
      const msg = this.#fd.read();
      if (msg === null) break;
      try {
        const r = this.#dispatch(msg);
        // Synchronous handlers run without yielding, as a handler thread racing the resuming task would.
        if (r instanceof Promise) return this.#eventThenDrain(r);
      } catch (e) {
        this.#onError(e);
      }
    }
    // Deliver queued faults in order; declined ones stay queued for the next event or the retry timer.
    const batch = this.#pending;
    this.#pending = this.#spare;
    this.#spare = batch;
    return this.#deliver(batch, 0);
  }

  /** Hands a non-fault event to the handler (a fault is queued); the handler's promise, if any. */
  #dispatch(msg: UffdMessage): void | Promise<void> {
    switch (msg.event) {
      case 'PAGEFAULT':
        this.#pending.push(msg);
        return undefined;
      case 'REMOVE':
        return this.#handler.removed?.(msg.start, msg.end);
      case 'UNMAP':
        return this.#handler.unmapped?.(msg.start, msg.end);
      case 'REMAP':
        return this.#handler.remapped?.(msg.from, msg.to, msg.len);
      case 'FORK':
        return this.#handler.forked?.(msg.child);
    }
  }

  /** Waits for an event handler's promise, then finishes the pass. */
  async #eventThenDrain(r: Promise<void>): Promise<void> {
    try {
      await r;
    } catch (e) {
      this.#onError(e);
    }
    const rest = this.#drainOnce();
    if (rest !== undefined) await rest;
  }

  /** Delivers batch[from..] in order (the batch array is emptied at the end); a promise once a handler returns one. */
  #deliver(batch: UffdPagefaultMessage[], from: number): Promise<void> | undefined {
    for (let i = from; i < batch.length; i++) {
      const msg = batch[i];
      if (this.#stopped) {
        batch.length = 0;
        return undefined;
      }
      let handled = false;
      try {
        const r = this.#handler.pagefault(msg.address, flagsOf(msg.flags), msg.ptid, msg.raisedAtMicros);
        if (typeof r !== 'boolean') return this.#deliverAfter(batch, i, r);
        handled = r;
      } catch (e) {
        this.#onError(e);
      }
      if (!handled) this.#pending.push(msg);
    }
    batch.length = 0;
    return undefined;
  }

  /** Waits for the handler's answer to batch[i], then delivers the rest. */
  async #deliverAfter(batch: UffdPagefaultMessage[], i: number, r: Promise<boolean>): Promise<void> {
    let handled = false;
    try {
      handled = await r;
    } catch (e) {
      this.#onError(e);
    }
    if (!handled) this.#pending.push(batch[i]);
    const rest = this.#deliver(batch, i + 1);
    if (rest !== undefined) await rest;
  }
}
