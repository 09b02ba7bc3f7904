import type { Clock } from '../clock/clock.js';
import { UffdPagefaultFlag } from './constants.js';
import type { DispatchOptions, UffdFile, UffdPagefaultMessage, UserfaultFDHandler } from './uffd-file.js';

const SETTLED: Promise<void> = Promise.resolve();

/** The seed's reader: drains the fd, dispatches non-fault events at once, queues faults and retries declined ones. */
export class EventDispatcher {
  readonly #fd: UffdFile;
  readonly #handler: UserfaultFDHandler;
  readonly #clock: Clock;
  readonly #retryDelay: number;
  readonly #onError: (error: unknown) => void;
  readonly #pending: UffdPagefaultMessage[] = [];
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

  async #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#drainOnce();
      } while (this.#again && !this.#stopped);
    } finally {
      this.#running = false;
    }
    if (!this.#stopped && this.#pending.length > 0 && this.#timer === null) {
      this.#timer = this.#clock.schedule(this.#retryDelay, () => {
        this.#timer = null;
        this.#schedule();
      });
    }
  }

  async #drainOnce(): Promise<void> {
    // Read everything available: Linux returns faults first; events are dispatched as read, faults queued.
    for (;;) {
      if (this.#stopped || this.#fd.closed) return;
      const msg = this.#fd.read();
      if (msg === null) break;
      try {
        let r: void | Promise<void> = undefined;
        switch (msg.event) {
          case 'PAGEFAULT':
            this.#pending.push(msg);
            break;
          case 'REMOVE':
            r = this.#handler.removed?.(msg.start, msg.end);
            break;
          case 'UNMAP':
            r = this.#handler.unmapped?.(msg.start, msg.end);
            break;
          case 'REMAP':
            r = this.#handler.remapped?.(msg.from, msg.to, msg.len);
            break;
          case 'FORK':
            r = this.#handler.forked?.(msg.child);
            break;
        }
        // Synchronous handlers run without yielding, as a handler thread racing the resuming task would.
        if (r instanceof Promise) await r;
      } catch (e) {
        this.#onError(e);
      }
    }
    // Deliver queued faults in order; declined ones stay queued for the next event or the retry timer.
    const batch = this.#pending.splice(0);
    for (let i = 0; i < batch.length; i++) {
      const msg = batch[i];
      if (this.#stopped) return;
      let handled = false;
      try {
        const flags = {
          write: (msg.flags & UffdPagefaultFlag.WRITE) !== 0,
          wp: (msg.flags & UffdPagefaultFlag.WP) !== 0,
          minor: (msg.flags & UffdPagefaultFlag.MINOR) !== 0,
        };
        const r = this.#handler.pagefault(msg.address, flags, msg.ptid, msg.raisedAtMicros);
        handled = typeof r === 'boolean' ? r : await r;
      } catch (e) {
        this.#onError(e);
      }
      if (!handled) this.#pending.push(msg);
    }
  }
}
