import { ZxError, ZxStatus, type Process, type Thread as ZxThread } from '@memsim/zircon-objects';
import { RuntimeError } from '../runtime/errors.js';
import { checkCreateHandles, type ThreadCreateHandles } from './create-handles.js';
import { checkSchedulerProfile, type SchedulerProfile } from './scheduler-profile.js';
import { releaseThreadMemory, type ThreadRegion } from './thread-memory.js';
import type { ThreadRuntime } from './thread-runtime.js';

/**
 * A thread's life: `new` (memory allocated, not started), `running`, `exited` (body finished; a joinable thread
 * keeps its memory until joined), `released` (memory unmapped: joined, detached and exited, or disposed unstarted).
 * @public
 */
export type ThreadState = 'new' | 'running' | 'exited' | 'released';

/** What only the runtime passes to the constructor. */
export interface ThreadInit {
  readonly runtime: ThreadRuntime;
  readonly handle: ZxThread;
  readonly name: string;
  readonly createHandles: ThreadCreateHandles;
  readonly regions: ThreadRegion[];
  readonly onGone: (t: Thread) => void;
  /** Runs `fn` with this thread and its runtime as the ambient context (the runtime owns that context). */
  readonly enter: <R>(t: Thread, fn: () => R) => R;
}

/**
 * A simulated thread of a runtime's process. Its body runs with the thread as the ambient context, so code
 * in it sees its process through `vmarRootSelf()` and friends. Like pthreads, a joinable thread's stacks are
 * released when it is joined, a detached thread's when it exits.
 * @public
 */
export class Thread<T = unknown> implements Disposable {
  /** The runtime (process) the thread belongs to (a `Runtime`). */
  readonly runtime: ThreadRuntime;
  /** The thread's koid (its kernel thread's). */
  readonly koid: number;
  /** The kernel thread (owned by this object: borrowed, do not close). It starts with `start` and dies at exit. */
  readonly handle: ZxThread;
  /** The thread's name. */
  readonly name: string;
  /** The process it was created in (its creation handles' `process`). */
  readonly process: Process;
  #state: ThreadState = 'new';
  #detached = false;
  #regions: ThreadRegion[];
  #handles: ThreadCreateHandles;
  #profile: SchedulerProfile | null = null;
  #outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  readonly #exited: Promise<void>;
  #signalExit!: () => void;
  readonly #onGone: (t: Thread) => void;
  readonly #enter: <R>(t: Thread, fn: () => R) => R;

  /** @internal Made by `Runtime.createThread` (the argument is a `ThreadInit`). */
  constructor(initArg: object) {
    const init = initArg as ThreadInit;
    this.runtime = init.runtime;
    this.handle = init.handle;
    this.koid = init.handle.koid();
    this.name = init.name;
    this.#handles = init.createHandles;
    this.process = init.createHandles.process;
    this.#regions = init.regions;
    this.#onGone = init.onGone;
    this.#enter = init.enter;
    this.#exited = new Promise<void>((resolve) => (this.#signalExit = resolve));
  }

  /** The current state. */
  get state(): ThreadState {
    return this.#state;
  }

  /** Whether the thread was detached. */
  get detached(): boolean {
    return this.#detached;
  }

  /** The thread's memory blocks while it holds them (none for a process's initial thread, none once released). */
  get regions(): readonly ThreadRegion[] {
    return this.#regions;
  }

  /** This thread's creation handles (what its future threads are created with). */
  createHandles(): ThreadCreateHandles {
    return this.#handles;
  }

  /** `thrd_set_zx_create_handles` for this thread: returns the previous values. */
  setCreateHandles(handles: ThreadCreateHandles): ThreadCreateHandles {
    const next = checkCreateHandles(handles);
    const old = this.#handles;
    this.#handles = next;
    return old;
  }

  /** The scheduler profile applied to the thread (`null`: the default fair priority). */
  get schedulerProfile(): SchedulerProfile | null {
    return this.#profile;
  }

  /** `zx_object_set_profile` on the thread. BAD_STATE once the thread has ended. */
  setSchedulerProfile(profile: SchedulerProfile): void {
    const p = checkSchedulerProfile(profile);
    if (this.#state === 'exited' || this.#state === 'released') throw new ZxError(ZxStatus.BAD_STATE, `thread ${this.name} has ended`);
    this.#profile = p;
  }

  /** Runs `fn` synchronously "on" this thread (the ambient context is this thread and its runtime). */
  run<R>(fn: () => R): R {
    if (typeof fn !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'fn must be a function');
    return this.#enter(this as Thread, fn);
  }

  /**
   * Starts the thread: `body` runs from the next microtask on (the creator continues first), with this thread as
   * the ambient context for it and its async continuations. The thread exits when `body` returns or settles.
   */
  start(body: () => T | PromiseLike<T>): this {
    if (typeof body !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'body must be a function');
    if (this.#state !== 'new') throw new RuntimeError('THREAD_STATE', `thread ${this.name} was already started`);
    // zx_thread_start: BAD_STATE if the process has died meanwhile.
    this.handle.start();
    this.#state = 'running';
    void this.#enter(this as Thread, () =>
      Promise.resolve()
        .then(body)
        .then(
          (value) => this.#exit({ ok: true, value }),
          (error: unknown) => this.#exit({ ok: false, error }),
        ),
    );
    return this;
  }

  #exit(outcome: { ok: true; value: T } | { ok: false; error: unknown }): void {
    this.#outcome = outcome;
    this.#state = 'exited';
    // zx_thread_exit: the kernel thread dies (it may have died with its process already).
    if (this.handle.valid && this.handle.state !== 'dead') this.handle.kill();
    if (this.#detached) this.#release();
    this.#signalExit();
  }

  /** `thrd_detach`: the thread's memory goes when it exits (at once if it already has). */
  detach(): void {
    if (this.#detached || this.#state === 'released') throw new RuntimeError('THREAD_STATE', `thread ${this.name} is detached or released`);
    this.#detached = true;
    if (this.#state === 'exited') this.#release();
  }

  /**
   * `thrd_join`: waits for the body to finish, releases the thread's memory (unmapping its three blocks), then
   * returns the body's result or throws what it threw. Joining a detached, unstarted or joined thread is a
   * THREAD_STATE error.
   */
  async join(): Promise<T> {
    if (this.#detached || this.#state === 'released' || this.#state === 'new')
      throw new RuntimeError('THREAD_STATE', `thread ${this.name} cannot be joined (${this.#detached ? 'detached' : this.#state})`);
    await this.#exited;
    if ((this.#state as ThreadState) === 'released') throw new RuntimeError('THREAD_STATE', `thread ${this.name} was joined meanwhile`);
    this.#release();
    const o = this.#outcome;
    if (o === undefined || !o.ok) throw o?.error;
    return o.value;
  }

  #release(): void {
    this.#state = 'released';
    const regions = this.#regions;
    this.#regions = [];
    this.#onGone(this);
    this.handle[Symbol.dispose]();
    // A dead process's address space went with it, thread memory included: nothing is left to unmap.
    if (this.runtime.disposed || (this.process.valid && this.process.terminated)) return;
    releaseThreadMemory(regions);
  }

  /**
   * Releases a thread that never started (its memory is unmapped). A running or exited thread is detached
   * instead, so its memory goes when it ends. Never throws.
   */
  [Symbol.dispose](): void {
    try {
      if (this.#state === 'new') this.#release();
      else if (this.#state !== 'released' && !this.#detached) this.detach();
    } catch {
      // Disposal must not throw; a parent VMAR closed too early just leaves the region to the address space.
    }
  }
}
