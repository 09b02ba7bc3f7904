import { str, truncateName, u32 } from '../args.js';
import { Rights } from '../constants.js';
import { Handle, expectHandle } from '../handles/handle.js';
import type { Kernel } from '../kernel/kernel.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxStatus, fail } from '../status.js';
import { Process, processObjectOf } from './process.js';
import { ThreadObject } from './thread-object.js';

/**
 * A handle to a thread: identity (koid, name, owning process) and lifecycle (start, kill, TASK_TERMINATED). Code
 * execution is not modelled; memory accesses go through `Process.addressSpace`.
 * @public
 */
export class Thread extends Handle {
  /** The kernel the object belongs to (narrowed from {@link KernelContext}: a kernel's objects are its own). */
  declare readonly kernel: Kernel;

  /** `zx_thread_create`: the process handle needs MANAGE_THREAD; options must be 0; a dead process is BAD_STATE. */
  static create(process: Process, name: string, options = 0): Thread {
    if (process instanceof Handle) countCall(process.kernel, Sys.zx_thread_create);
    const p = expectHandle(process, Process, 'process');
    const obj = processObjectOf(p, Rights.MANAGE_THREAD);
    if (u32(options, 'options') !== 0) fail(ZxStatus.INVALID_ARGS, 'options must be 0');
    const n = truncateName(str(name, 'name'));
    if (obj.dead) fail(ZxStatus.BAD_STATE, 'process is dead');
    const t = new ThreadObject(obj.kernel, obj, n);
    obj.threads.add(t);
    return new Thread(t, Rights.DEFAULT_THREAD);
  }

  /** @internal */
  protected _wrap(object: object, rights: number): this {
    return new Thread(object, rights) as this;
  }

  /** `zx_thread_start` (needs WRITE): BAD_STATE if already started or dead. */
  start(): void {
    countCall(this.kernel, Sys.zx_thread_start);
    const t = this._require(Rights.WRITE) as ThreadObject;
    if (t.state !== 'new') fail(ZxStatus.BAD_STATE, 'thread already started or dead');
    t.state = 'running';
  }

  /** `zx_task_kill` (needs DESTROY): asserts TASK_TERMINATED. */
  kill(): void {
    countCall(this.kernel, Sys.zx_task_kill);
    (this._require(Rights.DESTROY) as ThreadObject).killTask();
  }

  /** The thread name (31 bytes at most; needs GET_PROPERTY). */
  getName(): string {
    countCall(this.kernel, Sys.zx_object_get_property);
    return (this._require(Rights.GET_PROPERTY) as ThreadObject).name;
  }

  /** 'new', 'running' or 'dead'. */
  get state(): 'new' | 'running' | 'dead' {
    return (this._require(0) as ThreadObject).state;
  }
}
