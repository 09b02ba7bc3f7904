import { Process, Vmar, ZxError, ZxStatus } from '@memsim/zircon-objects';

/**
 * `thrd_zx_create_handles_t`: where a new thread's memory goes. The handles are borrowed, never owned: each VMAR
 * must outlive every thread created in it.
 * @public
 */
export interface ThreadCreateHandles {
  /** The process the thread is created in. */
  readonly process: Process;
  /** Parent VMAR of the machine stack. */
  readonly machineStackVmar: Vmar;
  /** Parent VMAR of the security stack (SafeStack unsafe stack on x86-64, ShadowCallStack on arm64). */
  readonly securityStackVmar: Vmar;
  /** Parent VMAR of the thread block (TCB and TLS). */
  readonly threadBlockVmar: Vmar;
}

/** Validates and freezes a copy (the caller's object may change later; ours must not). */
export function checkCreateHandles(h: unknown): ThreadCreateHandles {
  if (typeof h !== 'object' || h === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'thread create handles must be an object');
  const o = h as Record<string, unknown>;
  if (!(o.process instanceof Process)) throw new ZxError(ZxStatus.WRONG_TYPE, 'process must be a Process handle');
  for (const k of ['machineStackVmar', 'securityStackVmar', 'threadBlockVmar'] as const)
    if (!(o[k] instanceof Vmar)) throw new ZxError(ZxStatus.WRONG_TYPE, `${k} must be a Vmar handle`);
  return Object.freeze({
    process: o.process,
    machineStackVmar: o.machineStackVmar as Vmar,
    securityStackVmar: o.securityStackVmar as Vmar,
    threadBlockVmar: o.threadBlockVmar as Vmar,
  });
}
