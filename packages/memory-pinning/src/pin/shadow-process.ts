import { jobDefault, type Runtime } from '@memsim/fuchsia-runtime';
import { RoleManagerSynchronousProxy, connectToRoleManagerSync } from '@memsim/scheduler-roles';
import type { Vmo} from '@memsim/zircon-objects';
import { Job, Process, Rights, VmOptions, ZxError, ZxStatus, statusName, type Vmar } from '@memsim/zircon-objects';
import { withErrno } from '../errno/from-status.js';
import { consoleLogger, type PinLogger } from './logger.js';
import { PinnedMapping } from './pinned-mapping.js';
import { VmarCell } from './vmar-cell.js';

/**
 * The role set on the shadow VMAR: a HIGH memory priority, which (as modelled) turns off every kind of reclamation
 * for what is mapped there.
 * @public
 */
export const MEMORY_ROLE = 'fuchsia.starnix.pinned_memory';

/**
 * Options of {@link ShadowProcess.create} and {@link ShadowProcess.fromRoleManager}.
 * @public
 */
export interface ShadowProcessOptions {
  /** The runtime whose namespace (RoleManager) and default job to use. Default: the ambient process's. */
  runtime?: Runtime;
  /** The job to create the shadow process in. Default: the runtime's default job. */
  job?: Job;
  /** Where warnings go. Default: `console.warn`. */
  logger?: PinLogger;
}

/**
 * Pins memory by mapping it into a process that is never started, whose root VMAR carries the
 * `fuchsia.starnix.pinned_memory` role: pages mapped there stay committed and uncompressed even under critical
 * memory pressure, so use it with care. Without a RoleManager it still works, but pins nothing beyond a normal
 * mapping (a warning is logged). Disposing it kills the process.
 * @public
 */
export class ShadowProcess implements Disposable {
  readonly #process: Process;
  readonly #cell: VmarCell;
  readonly #vmar: Vmar;
  readonly #logger: PinLogger;
  #disposed = false;

  private constructor(process: Process, vmar: Vmar, logger: PinLogger) {
    this.#process = process;
    this.#vmar = vmar;
    this.#cell = new VmarCell(vmar);
    this.#logger = logger;
  }

  /**
   * `ShadowProcess::new`: connects to `fuchsia.scheduler.RoleManager` in the runtime's namespace (the ambient
   * process's by default) and creates the shadow process. Throws `ZxError` if the process cannot be created.
   */
  static create(name: string, options: ShadowProcessOptions = {}): ShadowProcess {
    const roleManager = connectToRoleManagerSync(checkOptions(options).runtime);
    return ShadowProcess.fromRoleManager(name, roleManager, options);
  }

  /**
   * `ShadowProcess::from_role_manager`: creates the never-started process in the job, then asks `roleManager`
   * (which it takes over and closes) to set {@link MEMORY_ROLE} on a duplicate of its root VMAR, waiting as long as
   * it takes. If the role cannot be set (no RoleManager, a transport error, or an error result) a structured
   * warning is logged and creation still succeeds.
   */
  static fromRoleManager(name: string, roleManager: RoleManagerSynchronousProxy, options: ShadowProcessOptions = {}): ShadowProcess {
    if (!(roleManager instanceof RoleManagerSynchronousProxy))
      throw new ZxError(ZxStatus.INVALID_ARGS, 'roleManager must be a RoleManagerSynchronousProxy');
    const o = checkOptions(options);
    if (typeof name !== 'string') throw new ZxError(ZxStatus.INVALID_ARGS, 'name must be a string');
    const logger = o.logger ?? consoleLogger;
    try {
      const job = o.job ?? o.runtime?.jobDefault() ?? jobDefault();
      // zx::Name::new_lossy: Process.create keeps the first 31 bytes.
      const { process, rootVmar } = Process.create(job, name);
      let dup: Vmar;
      try {
        dup = rootVmar.duplicate(Rights.SAME_RIGHTS);
      } catch (e) {
        process.kill();
        process.close();
        rootVmar.close();
        throw e;
      }
      // The seed logs only transport errors (its `if let Err(e)`); a role the server refuses leaves the memory just
      // as unpinned, so it is reported the same way here.
      let failure: ZxStatus | undefined;
      try {
        const r = roleManager.setRole({ target: { vmar: dup }, role: { role: MEMORY_ROLE } });
        if (!r.ok) failure = r.error;
      } catch (e) {
        if (!(e instanceof ZxError)) throw e;
        failure = e.status;
      }
      if (failure !== undefined)
        logger.warn("Unable to set role for memory pin shadow process' vmar.", { e: statusName(failure), status: failure, name });
      return new ShadowProcess(process, rootVmar, logger);
    } finally {
      roleManager[Symbol.dispose]();
    }
  }

  /** The process (borrowed; never started). */
  get process(): Process {
    return this.#process;
  }

  /** The VMAR where every mapping is pinned (borrowed). */
  vmar(): Vmar {
    return this.#vmar;
  }

  /** Whether the shadow process has been disposed. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Pins `[offset, offset + length)` of `vmo` by mapping it read-only into the shadow VMAR. Kernel errors come back
   * as {@link ErrnoError}s the way `from_status_like_fdio` maps them (e.g. an address space without room: ENOMEM;
   * a VMO handle without MAP: EACCES; a disposed shadow process: EBADF).
   */
  pinPages(vmo: Vmo, offset: number, length: number): PinnedMapping {
    const base = withErrno(() => this.#vmar.map(VmOptions.PERM_READ, 0, vmo, offset, length));
    return new PinnedMapping(this.#cell, base, length, this.#logger);
  }

  /** Kills the process (its pins go with its address space) and closes its handles. Never throws; idempotent. */
  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cell.vmar = null;
    try {
      this.#process.kill();
    } catch (e) {
      // The seed panics here ("must be able to kill process we created"); disposal must not throw, so log it.
      this.#logger.warn('Unable to kill memory pin shadow process.', { e: e instanceof ZxError ? statusName(e.status) : String(e) });
    }
    this.#vmar[Symbol.dispose]();
    this.#process[Symbol.dispose]();
  }
}

function checkOptions(options: unknown): ShadowProcessOptions {
  if (typeof options !== 'object' || options === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'options must be an object');
  const o = options as ShadowProcessOptions;
  if (o.job !== undefined && !(o.job instanceof Job)) throw new ZxError(ZxStatus.WRONG_TYPE, 'job must be a Job handle');
  if (o.logger !== undefined && (typeof o.logger !== 'object' || o.logger === null || typeof o.logger.warn !== 'function'))
    throw new ZxError(ZxStatus.INVALID_ARGS, 'logger must have a warn method');
  return o;
}
