import { ObjType, Signals, TASK_RETCODE_SYSCALL_KILL, VmOptions } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import { KernelObject } from '../kernel/kernel-object.js';
import { CAN_MAP_RWX, VmarObject } from '../vmar/vmar-object.js';
import type { JobChild, JobObject } from './job-object.js';
import type { ProcessThread } from './process-thread.js';

/** Base of the user address space (x86-64 Zircon leaves the low 2 MiB unmapped). */
export const USER_ASPACE_BASE = 0x20_0000;
/** End of the user address space (top of the lower half, less a guard page). */
export const USER_ASPACE_END = 2 ** 47 - 0x1000;

/** The process kernel object: owns the address space. */
export class ProcessObject extends KernelObject implements JobChild {
  readonly type = ObjType.PROCESS;
  readonly job: JobObject;
  readonly name: string;
  readonly rootVmar: VmarObject;
  dead = false;
  returnCode = 0;
  readonly threads = new Set<ProcessThread>();

  constructor(kernel: KernelContext, job: JobObject, name: string) {
    super(kernel);
    this.job = job;
    this.name = name;
    this.rootVmar = new VmarObject(kernel, this, null, USER_ASPACE_BASE, USER_ASPACE_END - USER_ASPACE_BASE, CAN_MAP_RWX | VmOptions.CAN_MAP_SPECIFIC, 'root');
    job.children.add(this);
  }

  override relatedKoid(): number {
    return this.job.koid;
  }

  /** Empties the handle table, destroys the address space, then asserts TERMINATED. */
  killTask(): void {
    if (this.dead) return;
    this.dead = true;
    for (const t of [...this.threads]) t.killTask();
    this.rootVmar.teardown();
    this.returnCode = TASK_RETCODE_SYSCALL_KILL;
    this.job.children.delete(this);
    this.updateSignals(0, Signals.TASK_TERMINATED);
  }

  // Closing the last process handle kills the process.
  override onNoHandles(): void {
    this.killTask();
  }
}
