import { AsyncLocalStorage } from 'node:async_hooks';
import { Job, Kernel, PAGE_SIZE, Process, Thread as ZxThread, ZxError, ZxStatus, type Vmar } from '@memsim/zircon-objects';
import { Namespace } from '../namespace/namespace.js';
import { AsyncProxy } from '../protocol/async-proxy.js';
import { createEndpoints } from '../protocol/endpoints.js';
import type { MethodMap, ProtocolMarker } from '../protocol/protocol.js';
import { SyncProxy } from '../protocol/sync-proxy.js';
import { checkCreateHandles, type ThreadCreateHandles } from '../threads/create-handles.js';
import { allocateThreadMemory, releaseThreadMemory, type Arch, type ThreadRegion } from '../threads/thread-memory.js';
import { Thread } from '../threads/thread.js';
import type { ThreadRuntime } from '../threads/thread-runtime.js';

/**
 * Options of {@link Runtime.create}.
 * @public
 */
export interface RuntimeOptions {
  /** The process name (31 bytes kept). */
  name: string;
  /** The job to create the process in, which becomes its default job (borrowed). Default: a new child of the root job, owned by the runtime. */
  job?: Job;
  /** The process's incoming namespace. Default: an empty one. */
  namespace?: Namespace;
  /** The modelled machine (which way the security stack grows). Default `x86_64`. */
  arch?: Arch;
  /** Default machine (and security) stack size of new threads. Default 256 KiB, libc's default. */
  defaultStackSize?: number;
  /** Guard size below (or above) each stack. Default one page. */
  guardSize?: number;
  /** Size of the thread block (TCB + TLS), as libc computes it for the program. Default one page. */
  threadBlockSize?: number;
}

/**
 * Options of {@link Runtime.createThread}.
 * @public
 */
export interface ThreadOptions {
  /** The thread's name. Default `thread-<n>`. */
  name?: string;
  /** Machine and security stack size (rounded up to pages). Default: the runtime's `defaultStackSize`. */
  stackSize?: number;
  /** The creating thread, whose creation handles the new thread uses and inherits. Default: the ambient thread if it is one of this runtime's, else the initial thread. */
  creator?: Thread;
}

const DEFAULT_STACK = 256 * 1024;

function sizeOption(v: unknown, what: string, fallback: number, allowZero = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (!allowZero && v === 0))
    throw new ZxError(ZxStatus.INVALID_ARGS, `${what} must be a ${allowZero ? 'non-negative' : 'positive'} safe integer`);
  const r = Math.ceil(v / PAGE_SIZE) * PAGE_SIZE;
  if (r > Number.MAX_SAFE_INTEGER) throw new ZxError(ZxStatus.OUT_OF_RANGE, `${what} too large`);
  return r;
}

/** What code running "in" a process sees: its runtime and the simulated thread it runs on. */
export interface AmbientContext {
  readonly runtime: Runtime;
  readonly thread: Thread;
}

// The one module-level object: a carrier of per-async-context values, not state of its own. Every value it holds
// belongs to a Runtime (hence to a Kernel), set only for the extent of `runIn` and its async continuations. It lives
// with the runtime, which alone enters it; the ambient accessors (ambient.ts) only read it.
const storage = new AsyncLocalStorage<AmbientContext>();

function runIn<T>(ctx: AmbientContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The ambient context, if any (for the ambient accessors; not part of the package's API). */
export function ambient(): AmbientContext | undefined {
  return storage.getStore();
}

/**
 * The Fuchsia runtime of one process: its handle, root VMAR, default job, incoming namespace and threads. Code
 * holding the runtime uses the explicit accessors; code running "in" the process (inside {@link Runtime.run} or a
 * runtime thread) uses the ambient ones (`vmarRootSelf()`, `jobDefault()`, `processSelf()`).
 * @public
 */
export class Runtime implements ThreadRuntime, Disposable {
  /** The kernel. */
  readonly kernel: Kernel;
  /** The process name. */
  readonly name: string;
  /** The process (owned by the runtime). */
  readonly process: Process;
  /** The process's root VMAR (owned by the runtime). */
  readonly rootVmar: Vmar;
  /** The default job. */
  readonly job: Job;
  /** The incoming namespace. */
  readonly namespace: Namespace;
  /** The modelled machine. */
  readonly arch: Arch;
  /** The process's initial thread (its stacks came from the loader, so it holds no regions of ours). */
  readonly mainThread: Thread;
  readonly #ownsJob: boolean;
  readonly #defaultStack: number;
  readonly #guard: number;
  readonly #threadBlock: number;
  readonly #threads = new Set<Thread>();
  #threadCount = 0;
  #disposed = false;

  private constructor(kernel: Kernel, options: RuntimeOptions) {
    this.kernel = kernel;
    this.name = options.name;
    const arch = options.arch ?? 'x86_64';
    if (arch !== 'x86_64' && arch !== 'arm64') throw new ZxError(ZxStatus.INVALID_ARGS, "arch must be 'x86_64' or 'arm64'");
    this.arch = arch;
    this.#defaultStack = sizeOption(options.defaultStackSize, 'defaultStackSize', DEFAULT_STACK);
    this.#guard = sizeOption(options.guardSize, 'guardSize', PAGE_SIZE, true);
    this.#threadBlock = sizeOption(options.threadBlockSize, 'threadBlockSize', PAGE_SIZE);
    if (options.namespace !== undefined && !(options.namespace instanceof Namespace))
      throw new ZxError(ZxStatus.WRONG_TYPE, 'namespace must be a Namespace');
    this.namespace = options.namespace ?? new Namespace();
    if (options.job !== undefined && !(options.job instanceof Job)) throw new ZxError(ZxStatus.WRONG_TYPE, 'job must be a Job handle');
    this.#ownsJob = options.job === undefined;
    this.job = options.job ?? Job.create(kernel.rootJob);
    try {
      const { process, rootVmar } = Process.create(this.job, options.name);
      this.process = process;
      this.rootVmar = rootVmar;
    } catch (e) {
      if (this.#ownsJob) this.job[Symbol.dispose]();
      throw e;
    }
    const handles = checkCreateHandles({
      process: this.process,
      machineStackVmar: this.rootVmar,
      securityStackVmar: this.rootVmar,
      threadBlockVmar: this.rootVmar,
    });
    this.mainThread = this.#newThread('initial-thread', handles, []);
    this.mainThread.handle.start();
  }

  /**
   * Creates a process named `options.name` in `options.job` (default: a new child of the root job) and its runtime.
   * Its threads' creation handles start as the root VMAR.
   */
  static create(kernel: Kernel, options: RuntimeOptions): Runtime {
    if (!(kernel instanceof Kernel)) throw new ZxError(ZxStatus.INVALID_ARGS, 'kernel must be a Kernel');
    if (typeof options !== 'object' || options === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'options must be an object');
    if (typeof options.name !== 'string') throw new ZxError(ZxStatus.INVALID_ARGS, 'name must be a string');
    return new Runtime(kernel, options);
  }

  /** `vmar_root_self()`, explicitly (borrowed: do not close it). */
  vmarRootSelf(): Vmar {
    return this.rootVmar;
  }

  /** `job_default()`, explicitly (borrowed: do not close it). */
  jobDefault(): Job {
    return this.job;
  }

  /** `process_self()`, explicitly (borrowed: do not close it). */
  processSelf(): Process {
    return this.process;
  }

  /** Runs `fn` "in" this process, on its initial thread: the ambient accessors see this runtime. */
  run<T>(fn: () => T): T {
    return this.mainThread.run(fn);
  }

  /**
   * Connects to `protocol` in the namespace and returns a synchronous client. Always succeeds; if nothing is
   * offered under the protocol's name the first call fails with PEER_CLOSED.
   */
  connectToProtocolSync<M extends MethodMap>(protocol: ProtocolMarker<M>): SyncProxy<M> {
    const { client, server } = createEndpoints(protocol);
    this.namespace.connect(protocol.name, server.channel);
    return new SyncProxy(client);
  }

  /** Connects to `protocol` in the namespace and returns an asynchronous client (same rules as the sync form). */
  connectToProtocol<M extends MethodMap>(protocol: ProtocolMarker<M>): AsyncProxy<M> {
    const { client, server } = createEndpoints(protocol);
    this.namespace.connect(protocol.name, server.channel);
    return new AsyncProxy(client);
  }

  /** The threads created and not yet released (the initial thread included). */
  threads(): Thread[] {
    return [...this.#threads];
  }

  /**
   * `thrd_create` without starting: allocates the thread's machine stack, security stack and thread block in its
   * creator's creation VMARs (each a child VMAR holding one mapping between guard pages) and gives it the creator's
   * creation handles. A kernel failure (a full VMAR: NO_RESOURCES) is thrown as the kernel's ZxError, with nothing
   * left allocated.
   */
  createThread(options: ThreadOptions = {}): Thread {
    if (typeof options !== 'object' || options === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'options must be an object');
    if (this.#disposed || this.process.terminated) throw new ZxError(ZxStatus.BAD_STATE, `process ${this.name} has terminated`);
    const creator = options.creator ?? this.#ambientThread() ?? this.mainThread;
    if (!(creator instanceof Thread) || creator.runtime !== this) throw new ZxError(ZxStatus.INVALID_ARGS, 'creator must be a thread of this runtime');
    if (options.name !== undefined && typeof options.name !== 'string') throw new ZxError(ZxStatus.INVALID_ARGS, 'name must be a string');
    const stackSize = sizeOption(options.stackSize, 'stackSize', this.#defaultStack);
    const handles = creator.createHandles();
    if (handles.process.terminated) throw new ZxError(ZxStatus.BAD_STATE, 'the creation process has terminated');
    const regions = allocateThreadMemory(handles, {
      stackSize,
      guardSize: this.#guard,
      threadBlockSize: this.#threadBlock,
      arch: this.arch,
    });
    return this.#newThread(options.name ?? `thread-${this.#threadCount}`, handles, regions);
  }

  /** {@link Runtime.createThread} then `start(body)`. */
  spawnThread<T>(body: () => T | PromiseLike<T>, options: ThreadOptions = {}): Thread<T> {
    const t = this.createThread(options) as Thread<T>;
    try {
      return t.start(body);
    } catch (e) {
      t[Symbol.dispose]();
      throw e;
    }
  }

  #ambientThread(): Thread | undefined {
    const ctx = ambient();
    return ctx?.runtime === this ? ctx.thread : undefined;
  }

  #newThread(name: string, handles: ThreadCreateHandles, regions: ThreadRegion[]): Thread {
    let handle: ZxThread;
    try {
      // zx_thread_create in the creation handles' process (MANAGE_THREAD; BAD_STATE if it is dead).
      handle = ZxThread.create(handles.process, name);
    } catch (e) {
      releaseThreadMemory(regions);
      throw e;
    }
    this.#threadCount++;
    const t = new Thread({
      runtime: this,
      handle,
      name,
      createHandles: handles,
      regions,
      onGone: (x: Thread) => void this.#threads.delete(x),
      enter: <R>(thread: Thread, fn: () => R): R => runIn({ runtime: this, thread }, fn),
    });
    this.#threads.add(t);
    return t;
  }

  /** Runs `fn` with this runtime ambient on `thread` (for code that is "on" a given thread). */
  runOn<T>(thread: Thread, fn: () => T): T {
    if (!(thread instanceof Thread) || thread.runtime !== this) throw new ZxError(ZxStatus.INVALID_ARGS, 'thread must belong to this runtime');
    return runIn({ runtime: this, thread }, fn);
  }

  /** Whether the runtime was disposed. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Ends the process: kills it (its address space, thread memory included, goes), closes its handles, and kills
   * the default job if the runtime created it. Never throws; idempotent.
   */
  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      if (this.process.valid && !this.process.terminated) this.process.kill();
    } catch {
      // A handle without DESTROY cannot happen here (we created it); closing below ends the process anyway.
    }
    this.rootVmar[Symbol.dispose]();
    this.process[Symbol.dispose]();
    if (this.#ownsJob) {
      try {
        this.job.kill();
      } catch {
        // Nothing more to end.
      }
      this.job[Symbol.dispose]();
    }
  }
}
