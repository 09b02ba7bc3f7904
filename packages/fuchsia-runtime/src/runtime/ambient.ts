import type { Job, Process, Vmar } from '@memsim/zircon-objects';
import type { AsyncProxy } from '../protocol/async-proxy.js';
import type { MethodMap, ProtocolMarker } from '../protocol/protocol.js';
import type { SyncProxy } from '../protocol/sync-proxy.js';
import type { Thread } from '../threads/thread.js';
import type { ThreadCreateHandles } from '../threads/create-handles.js';
import { RuntimeError } from './errors.js';
import { ambient, type AmbientContext, type Runtime } from './runtime.js';

function need(what: string): AmbientContext {
  const ctx = ambient();
  if (ctx === undefined)
    throw new RuntimeError('NO_AMBIENT_RUNTIME', `${what}() called outside any process: run the code through runtime.run() or a runtime thread`);
  return ctx;
}

/**
 * The runtime of the process the calling code runs in.
 * @public
 */
export function currentRuntime(): Runtime {
  return need('currentRuntime').runtime;
}

/**
 * The simulated thread the calling code runs on (`thrd_current`).
 * @public
 */
export function currentThread(): Thread {
  return need('currentThread').thread;
}

/**
 * `fuchsia_runtime::vmar_root_self()`: the calling process's root VMAR (borrowed: do not close it).
 * @public
 */
export function vmarRootSelf(): Vmar {
  return need('vmarRootSelf').runtime.rootVmar;
}

/**
 * `fuchsia_runtime::job_default()`: the calling process's default job (borrowed: do not close it).
 * @public
 */
export function jobDefault(): Job {
  return need('jobDefault').runtime.job;
}

/**
 * `fuchsia_runtime::process_self()`: the calling process (borrowed: do not close it).
 * @public
 */
export function processSelf(): Process {
  return need('processSelf').runtime.process;
}

/**
 * `thrd_set_zx_create_handles` on the calling thread: sets the handles its future threads are created with and
 * returns the previous ones.
 * @public
 */
export function thrdSetZxCreateHandles(handles: ThreadCreateHandles): ThreadCreateHandles {
  return need('thrdSetZxCreateHandles').thread.setCreateHandles(handles);
}

/**
 * The calling thread's thread creation handles.
 * @public
 */
export function thrdGetZxCreateHandles(): ThreadCreateHandles {
  return need('thrdGetZxCreateHandles').thread.createHandles();
}

/**
 * `fuchsia_component::client::connect_to_protocol_sync` in the calling process's namespace.
 * @public
 */
export function connectToProtocolSync<M extends MethodMap>(protocol: ProtocolMarker<M>): SyncProxy<M> {
  return need('connectToProtocolSync').runtime.connectToProtocolSync(protocol);
}

/**
 * `fuchsia_component::client::connect_to_protocol` in the calling process's namespace.
 * @public
 */
export function connectToProtocol<M extends MethodMap>(protocol: ProtocolMarker<M>): AsyncProxy<M> {
  return need('connectToProtocol').runtime.connectToProtocol(protocol);
}
