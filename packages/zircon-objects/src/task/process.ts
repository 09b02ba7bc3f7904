import { type U64, str, truncateName, u32, u64 } from '../args.js';
import { MapsType, PROCESS_SHARED, Rights } from '../constants.js';
import { Handle, expectHandle } from '../handles/handle.js';
import type { Kernel } from '../kernel/kernel.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxStatus, fail } from '../status.js';
import type { VmarMapsRecord } from '../vmar/vmar-object.js';
import { Vmar, type MapsInfo } from '../vmar/vmar.js';
import { ProcessAddressSpace, type AddressSpace } from './address-space.js';
import type { JobObject } from './job-object.js';
import { Job } from './job.js';
import { ProcessObject } from './process-object.js';

/**
 * A handle to a process.
 * @public
 */
export class Process extends Handle {
  /** The kernel the object belongs to (narrowed from {@link KernelContext}: a kernel's objects are its own). */
  declare readonly kernel: Kernel;

  /**
   * `zx_process_create`: the job needs MANAGE_PROCESS; returns the process and its root VMAR (the whole user
   * address space, CAN_MAP_SPECIFIC and read/write/execute capable).
   */
  static create(job: Job, name: string, options = 0): { process: Process; rootVmar: Vmar } {
    if (job instanceof Handle) countCall(job.kernel, Sys.zx_process_create);
    const j = expectHandle(job, Job, 'job');
    const jobObj = j._require(Rights.MANAGE_PROCESS) as JobObject;
    const opts = u32(options, 'options');
    if (opts !== 0 && opts !== PROCESS_SHARED) fail(ZxStatus.INVALID_ARGS, 'unknown process options');
    const n = truncateName(str(name, 'name'));
    if (jobObj.dead) fail(ZxStatus.BAD_STATE, 'job is dead');
    const obj = new ProcessObject(jobObj.kernel, jobObj, n);
    const rootVmar = new Vmar(obj.rootVmar, Rights.DEFAULT_VMAR | Rights.READ | Rights.WRITE | Rights.EXECUTE);
    return { process: new Process(obj, Rights.DEFAULT_PROCESS), rootVmar };
  }

  /** @internal */
  protected _wrap(object: object, rights: number): this {
    return new Process(object, rights) as this;
  }

  /** The process name (31 bytes at most). */
  getName(): string {
    countCall(this.kernel, Sys.zx_object_get_property);
    return processObjectOf(this, Rights.GET_PROPERTY).name;
  }

  /** `zx_task_kill` (needs DESTROY). Return code afterwards: -1024. */
  kill(): void {
    countCall(this.kernel, Sys.zx_task_kill);
    processObjectOf(this, Rights.DESTROY).killTask();
  }

  /** Whether the process has terminated. */
  get terminated(): boolean {
    return processObjectOf(this).dead;
  }

  /** The return code (-1024 after a kill). */
  returnCode(): number {
    return processObjectOf(this).returnCode;
  }

  /** `ZX_INFO_PROCESS_MAPS` (needs INSPECT): depth 0 the address space, depth 1 the root VMAR. */
  mapsInfo(maxRecords: U64 = Number.MAX_SAFE_INTEGER): MapsInfo {
    countCall(this.kernel, Sys.zx_object_get_info);
    const p = processObjectOf(this, Rights.INSPECT);
    // As Vmar.mapsInfo: a buffer count is a size_t, exact as a u64.
    const capU = u64(maxRecords, 'maxRecords');
    const cap = capU > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(capU);
    if (p.dead) fail(ZxStatus.BAD_STATE, 'process is dead');
    const root = p.rootVmar;
    const all: VmarMapsRecord[] = [{ name: 'aspace', base: root.base, size: root.size, depth: 0, type: MapsType.ASPACE }];
    root.mapsRecords(1, all);
    const actual = Math.min(cap, all.length);
    return { records: all.slice(0, actual), actual, avail: all.length };
  }

  /** User-mode access to this process's memory, as one of its threads. */
  get addressSpace(): AddressSpace {
    return new ProcessAddressSpace(processObjectOf(this));
  }
}

/** The process object behind a handle, requiring `rights`. */
export function processObjectOf(h: Process, rights = 0): ProcessObject {
  return h._require(rights) as ProcessObject;
}
