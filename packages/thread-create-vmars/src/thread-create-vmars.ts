import { RuntimeError, type ThreadCreateHandles, processSelf } from '@memsim/fuchsia-runtime';
import { Process } from '@memsim/zircon-objects';
import { VmarPoolOptionsError } from './errors.js';
import { GrowableVmars, type GrowableVmarsOptions, rootVmarOf } from './growable-vmars.js';

/**
 * Options for {@link ThreadCreateVmars}.
 * @public
 */
export interface ThreadCreateVmarsOptions extends GrowableVmarsOptions {
  /** The process threads are created in (the `process` of the creation handles). Default: the runtime's. */
  process?: Process;
}

/**
 * VMAR pools for creating threads: one {@link GrowableVmars} per allocation thread creation performs (machine stack,
 * security stack, thread block). `probe()` gives fuchsia-runtime thread creation handles pointing into the pools.
 * @public
 */
export class ThreadCreateVmars implements Disposable {
  /** VMARs for machine stacks. */
  readonly machineStack: GrowableVmars;
  /** VMARs for security stacks (SafeStack unsafe stack on x86-64, ShadowCallStack elsewhere). */
  readonly securityStack: GrowableVmars;
  /** VMARs for thread blocks (TCB and TLS). */
  readonly threadBlock: GrowableVmars;
  /** The process the creation handles name. */
  readonly process: Process;

  /**
   * Three empty pools. The root VMAR and process are looked up now: explicit options first, then
   * `options.runtime`, then the ambient process (`vmarRootSelf()`, `processSelf()`).
   * @throws {@link VmarPoolOptionsError} for malformed options or when no process can be found.
   */
  constructor(options: ThreadCreateVmarsOptions = {}) {
    const rootVmar = rootVmarOf(options);
    const process = options.process ?? options.runtime?.processSelf() ?? ambientProcess();
    if (!(process instanceof Process)) throw new VmarPoolOptionsError('process must be a Process handle');
    this.process = process;
    const pool = { ...options, rootVmar };
    this.machineStack = new GrowableVmars(pool);
    this.securityStack = new GrowableVmars(pool);
    this.threadBlock = new GrowableVmars(pool);
  }

  /**
   * Probes all three pools and returns creation handles pointing into them, for `thrdSetZxCreateHandles` (or a
   * thread's `setCreateHandles`). Call it just before creating each thread. The VMARs are borrowed from the pools.
   * @throws {@link VmarPoolError} (ENOMEM) when a pool cannot find or make room.
   */
  probe(): ThreadCreateHandles {
    return {
      process: this.process,
      machineStackVmar: this.machineStack.probe(),
      securityStackVmar: this.securityStack.probe(),
      threadBlockVmar: this.threadBlock.probe(),
    };
  }

  /** Disposes the three pools; throws the first failure after trying all of them. */
  [Symbol.dispose](): void {
    let first: unknown = undefined;
    let failed = false;
    for (const pool of [this.machineStack, this.securityStack, this.threadBlock]) {
      try {
        pool[Symbol.dispose]();
      } catch (error) {
        if (!failed) first = error;
        failed = true;
      }
    }
    if (failed) throw first;
  }
}

/** The ambient process, or a typed error saying how to name one. */
function ambientProcess(): Process {
  try {
    return processSelf();
  } catch (error) {
    if (error instanceof RuntimeError) {
      throw new VmarPoolOptionsError('no process: pass options.process or options.runtime, or run inside a runtime');
    }
    throw error;
  }
}

