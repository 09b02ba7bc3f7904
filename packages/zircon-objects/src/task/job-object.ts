import { ObjType, Rights, Signals } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import { KernelObject } from '../kernel/kernel-object.js';

/** The max_height of the root job, as in Zircon. */
export const ROOT_JOB_MAX_HEIGHT = 32;

/** Something a job can kill. */
export interface JobChild {
  killTask(): void;
}

/** The job kernel object. */
export class JobObject extends KernelObject {
  static readonly DEFAULT_RIGHTS = Rights.DEFAULT_JOB;
  readonly type = ObjType.JOB;
  readonly parent: JobObject | null;
  readonly name: string;
  readonly children = new Set<JobChild>();
  dead = false;
  /**
   * How many more levels of jobs may hang below this one (Zircon's max_height: 32 at the root, one less per
   * level). It also bounds the recursion of killTask.
   */
  readonly maxHeight: number;

  constructor(kernel: KernelContext, parent: JobObject | null, name: string) {
    super(kernel);
    this.parent = parent;
    this.maxHeight = parent ? parent.maxHeight - 1 : ROOT_JOB_MAX_HEIGHT;
    this.name = name;
    parent?.children.add(this);
  }

  override relatedKoid(): number {
    return this.parent?.koid ?? 0;
  }

  killTask(): void {
    if (this.dead) return;
    this.dead = true;
    for (const c of [...this.children]) c.killTask();
    this.parent?.children.delete(this);
    this.updateSignals(0, Signals.JOB_TERMINATED);
  }
}
