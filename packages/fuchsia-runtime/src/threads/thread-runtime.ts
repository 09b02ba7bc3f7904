import type { Job, Kernel, Process, Vmar } from '@memsim/zircon-objects';
import type { Arch } from './thread-memory.js';

/**
 * What a {@link Thread} knows of the runtime (process) it belongs to. `Runtime` implements it; the contract has its
 * own file so that the thread and the runtime, which makes threads, do not import each other.
 * @public
 */
export interface ThreadRuntime {
  /** The kernel. */
  readonly kernel: Kernel;
  /** The process name. */
  readonly name: string;
  /** The process. */
  readonly process: Process;
  /** The process's root VMAR. */
  readonly rootVmar: Vmar;
  /** The default job. */
  readonly job: Job;
  /** The modelled machine. */
  readonly arch: Arch;
  /** Whether the runtime was disposed (its process and address space are gone). */
  readonly disposed: boolean;
}
