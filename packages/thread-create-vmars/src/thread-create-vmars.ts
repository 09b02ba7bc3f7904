import type { Vmar } from '@memsim/zircon-objects';
import { GrowableVmars, type GrowableVmarsOptions } from './growable-vmars.js';

/**
 * The three VMARs a new thread's allocations go into (the VMAR fields of `thrd_zx_create_handles_t`).
 * @public
 */
export interface ThreadVmars {
  /** Where the machine stack is allocated. */
  machineStackVmar: Vmar;
  /** Where the security stack (SafeStack unsafe stack on x86, ShadowCallStack elsewhere) is allocated. */
  securityStackVmar: Vmar;
  /** Where the thread block (TCB and TLS) is allocated. */
  threadBlockVmar: Vmar;
}

/**
 * VMAR pools for creating threads: one {@link GrowableVmars} per allocation thread creation performs (machine stack,
 * security stack, thread block).
 * @public
 */
export class ThreadCreateVmars implements Disposable {
  /** VMARs for machine stacks. */
  readonly machineStack: GrowableVmars;
  /** VMARs for security stacks. */
  readonly securityStack: GrowableVmars;
  /** VMARs for thread blocks (TCB and TLS). */
  readonly threadBlock: GrowableVmars;

  /** Three empty pools allocating from `options.rootVmar`. */
  constructor(options: GrowableVmarsOptions) {
    this.machineStack = new GrowableVmars(options);
    this.securityStack = new GrowableVmars(options);
    this.threadBlock = new GrowableVmars(options);
  }

  /**
   * Probes all three pools: the VMARs to create the next thread in. Call it just before creating each thread.
   * @throws {@link VmarPoolError} (ENOMEM) when a pool cannot find or make room.
   */
  probe(): ThreadVmars {
    return {
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
