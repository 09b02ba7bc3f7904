import { ObjType, Signals } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import { KernelObject } from '../kernel/kernel-object.js';
import type { ProcessObject } from './process-object.js';

/** Lifecycle of a thread object. */
export type ThreadState = 'new' | 'running' | 'dead';

/** The thread kernel object: identity and lifecycle only (no execution is modelled). */
export class ThreadObject extends KernelObject {
  readonly type = ObjType.THREAD;
  readonly process: ProcessObject;
  readonly name: string;
  state: ThreadState = 'new';

  constructor(kernel: KernelContext, process: ProcessObject, name: string) {
    super(kernel);
    this.process = process;
    this.name = name;
  }

  override relatedKoid(): number {
    return this.process.koid;
  }

  killTask(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.process.threads.delete(this);
    this.updateSignals(0, Signals.TASK_TERMINATED);
  }
}
