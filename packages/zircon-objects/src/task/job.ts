import { u32 } from '../args.js';
import { Rights } from '../constants.js';
import { Handle, expectHandle } from '../handles/handle.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxStatus, fail } from '../status.js';
import { JobObject } from './job-object.js';

/**
 * A handle to a job.
 * @public
 */
export class Job extends Handle {
  /** `zx_job_create`: a child job (parent needs MANAGE_JOB). */
  static create(parent: Job, options = 0): Job {
    if (parent instanceof Handle) countCall(parent.kernel, Sys.zx_job_create);
    const p = expectHandle(parent, Job, 'parent job');
    const obj = p._require(Rights.MANAGE_JOB) as JobObject;
    if (u32(options, 'options') !== 0) fail(ZxStatus.INVALID_ARGS, 'options must be 0');
    if (obj.dead) fail(ZxStatus.BAD_STATE, 'job is dead');
    if (obj.maxHeight === 0) fail(ZxStatus.OUT_OF_RANGE, 'parent job is too deep to have child jobs');
    return new Job(new JobObject(obj.kernel, obj, ''), Rights.DEFAULT_JOB);
  }

  /** @internal */
  protected _wrap(object: object, rights: number): this {
    return new Job(object, rights) as this;
  }

  /** `zx_task_kill` on a job: kills every process and job under it (needs DESTROY). */
  kill(): void {
    countCall(this.kernel, Sys.zx_task_kill);
    (this._require(Rights.DESTROY) as JobObject).killTask();
  }
}
