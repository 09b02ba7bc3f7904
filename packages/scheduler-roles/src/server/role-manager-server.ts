import { Namespace, ServerEnd, Thread, err, ok, serve, type MethodResult, type RequestStream, type SchedulerProfile } from '@memsim/fuchsia-runtime';
import { Handle, Vmar, ZxError, ZxStatus, Thread as ZxThread } from '@memsim/zircon-objects';
import { MAX_ROLE_NAME } from '../config/parse.js';
import { RoleConfig, type ThreadRole, type MemoryRole } from '../config/role-config.js';
import { defaultRoleConfig } from '../config/default-config.js';
import { RoleManagerMarker, type RoleManagerMethods, type RoleManagerSetRoleRequest, type RoleManagerSetRoleResponse } from '../protocol/role-manager.js';

/**
 * One SetRole the server handled, for observers (tests, tracing).
 * @public
 */
export interface SetRoleRecord {
  readonly role: string | undefined;
  readonly targetKind: 'thread' | 'vmar' | 'invalid';
  readonly targetKoid: number | undefined;
  readonly result: MethodResult<RoleManagerSetRoleResponse>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `fuchsia.scheduler.RoleManager` server. SetRole looks the role up in the configuration: among the memory
 * roles for a VMAR target (the priority is applied with `Vmar.setMemoryPriority`), among the thread roles for a
 * thread target (the profile is applied to the thread). Errors are the protocol's result: INVALID_ARGS for missing
 * or malformed fields and role names over 2048 bytes, WRONG_TYPE for a target handle of another type,
 * BAD_HANDLE for a closed one, NOT_FOUND for an unknown role (or parameters no variant matches), and the kernel's
 * status if applying fails. The server owns the handles it receives and closes them when done, as a FIDL server
 * drops its request.
 * @public
 */
export class RoleManagerServer {
  /** The configuration roles come from. */
  readonly config: RoleConfig;
  readonly #log: SetRoleRecord[] = [];
  readonly #zxThreadProfiles = new Map<number, SchedulerProfile>();

  /** Anything but a {@link RoleConfig} (or nothing, for the defaults) is a TypeError. */
  constructor(config: RoleConfig = defaultRoleConfig()) {
    if (!(config instanceof RoleConfig)) throw new TypeError('RoleManagerServer needs a RoleConfig');
    this.config = config;
  }

  /** The SetRole calls handled so far, oldest first. */
  get history(): readonly SetRoleRecord[] {
    return this.#log;
  }

  /**
   * The profile last applied to a bare kernel thread (a zircon-objects `Thread` handle target), by koid. Runtime
   * threads keep theirs on the object (`thread.schedulerProfile`); kernel threads carry no scheduler state in the
   * model, so the server remembers it.
   */
  threadProfile(koid: number): SchedulerProfile | undefined {
    return this.#zxThreadProfiles.get(koid);
  }

  /** Handles one SetRole request directly (what the bound server does per message). */
  setRole(request: RoleManagerSetRoleRequest): MethodResult<RoleManagerSetRoleResponse> {
    const target: unknown = isObj(request) ? request.target : undefined;
    let kind: SetRoleRecord['targetKind'] = 'invalid';
    let koid: number | undefined;
    let result: MethodResult<RoleManagerSetRoleResponse>;
    try {
      result = this.#setRole(request, (k, id) => {
        kind = k;
        koid = id;
      });
    } finally {
      // The request's handles were transferred to us: drop them.
      if (isObj(target) && target.vmar instanceof Handle) target.vmar[Symbol.dispose]();
      if (isObj(target) && target.thread instanceof Handle) target.thread[Symbol.dispose]();
    }
    const role: unknown = isObj(request) && isObj(request.role) ? request.role.role : undefined;
    this.#log.push({ role: typeof role === 'string' ? role : undefined, targetKind: kind, targetKoid: koid, result });
    return result;
  }

  #setRole(request: unknown, note: (k: 'thread' | 'vmar', koid: number) => void): MethodResult<RoleManagerSetRoleResponse> {
    if (!isObj(request)) return err(ZxStatus.INVALID_ARGS);
    const { target, role, inputParameters } = request;
    if (!isObj(target) || !isObj(role) || typeof role.role !== 'string') return err(ZxStatus.INVALID_ARGS);
    const name = role.role;
    if (name.length === 0 || new TextEncoder().encode(name).length > MAX_ROLE_NAME) return err(ZxStatus.INVALID_ARGS);
    const params = parseInputs(inputParameters);
    if (params === null) return err(ZxStatus.INVALID_ARGS);
    const hasThread = 'thread' in target && target.thread !== undefined;
    const hasVmar = 'vmar' in target && target.vmar !== undefined;
    if (hasThread === hasVmar) return err(ZxStatus.INVALID_ARGS);
    try {
      if (hasVmar) {
        const vmar = target.vmar;
        if (!(vmar instanceof Handle) && !(vmar instanceof Thread)) return err(ZxStatus.INVALID_ARGS);
        if (vmar instanceof Handle && !vmar.valid) return err(ZxStatus.BAD_HANDLE);
        if (!(vmar instanceof Vmar)) return err(ZxStatus.WRONG_TYPE);
        note('vmar', vmar.koid());
        const r: MemoryRole | undefined = this.config.memoryRole(name, params);
        if (r === undefined) return err(ZxStatus.NOT_FOUND);
        vmar.setMemoryPriority(r.priority);
        return ok({ outputParameters: r.outputParameters });
      }
      const thread = target.thread;
      if (thread instanceof Thread) {
        note('thread', thread.koid);
        const r = this.config.threadRole(name, params);
        if (r === undefined) return err(ZxStatus.NOT_FOUND);
        thread.setSchedulerProfile(r.profile);
        return ok({ outputParameters: r.outputParameters });
      }
      if (!(thread instanceof Handle)) return err(ZxStatus.INVALID_ARGS);
      if (!thread.valid) return err(ZxStatus.BAD_HANDLE);
      if (!(thread instanceof ZxThread)) return err(ZxStatus.WRONG_TYPE);
      note('thread', thread.koid());
      const r: ThreadRole | undefined = this.config.threadRole(name, params);
      if (r === undefined) return err(ZxStatus.NOT_FOUND);
      if (thread.state === 'dead') return err(ZxStatus.BAD_STATE);
      this.#zxThreadProfiles.set(thread.koid(), r.profile);
      return ok({ outputParameters: r.outputParameters });
    } catch (e) {
      if (e instanceof ZxError) return err(e.status);
      throw e;
    }
  }

  /** Serves one connection inline (each SetRole is answered as it arrives). */
  serve(server: ServerEnd<RoleManagerMethods>): RequestStream<RoleManagerMethods> {
    if (!(server instanceof ServerEnd)) throw new ZxError(ZxStatus.INVALID_ARGS, 'serve needs a ServerEnd');
    if (server.protocol.name !== RoleManagerMarker.name) throw new ZxError(ZxStatus.INVALID_ARGS, `serve needs a ServerEnd of ${RoleManagerMarker.name}, got ${server.protocol.name}`);
    return serve(server, { SetRole: (req) => this.setRole(req) });
  }

  /** Offers the server in `namespace` as `fuchsia.scheduler.RoleManager`. Dispose the result to withdraw it. */
  offerIn(namespace: Namespace): Disposable {
    if (!(namespace instanceof Namespace)) throw new ZxError(ZxStatus.INVALID_ARGS, 'offerIn needs a Namespace');
    return namespace.offerProtocol(RoleManagerMarker, (server) => void this.serve(server));
  }
}

/** Input parameters as selector strings; null if malformed. */
function parseInputs(v: unknown): Record<string, string> | null {
  if (v === undefined) return {};
  if (!Array.isArray(v)) return null;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const p of v as unknown[]) {
    if (!isObj(p) || typeof p.key !== 'string' || p.key.length === 0 || p.key in out || !isObj(p.value)) return null;
    const val = p.value;
    const keys = Object.keys(val);
    if (keys.length !== 1) return null;
    if (typeof val.stringValue === 'string') out[p.key] = val.stringValue;
    else if (typeof val.intValue === 'number' && Number.isSafeInteger(val.intValue)) out[p.key] = String(val.intValue);
    else if (typeof val.floatValue === 'number' && Number.isFinite(val.floatValue)) out[p.key] = String(val.floatValue);
    else return null;
  }
  return out;
}
