import { VmOptions } from '../constants.js';
import { ZxError, ZxStatus, fail } from '../status.js';
import type { ProcessObject } from './process-object.js';

/**
 * Kind of access a thread makes.
 * @public
 */
export type AccessKind = 'read' | 'write' | 'execute';

/**
 * Why an access faulted: nothing mapped, permissions, past the end of the VMO, or no memory to fault the page in.
 * @public
 */
export type PageFaultKind = 'not-mapped' | 'access-denied' | 'beyond-vmo-size' | 'out-of-memory';

/**
 * A fault an access ran into; bytes before `address` were transferred.
 * @public
 */
export interface PageFault {
  kind: PageFaultKind;
  address: number;
  access: AccessKind;
}

/**
 * Outcome of a user-mode access.
 * @public
 */
export type AccessResult = { ok: true } | { ok: false; fault: PageFault };

/**
 * User-mode memory access through a process's address space, as a thread in it would make: resolves the mapping,
 * checks permissions, faults pages in (zero-fill, copy-on-write break). Faults are returned, not thrown.
 * @public
 */
export interface AddressSpace {
  read(address: number, into: Uint8Array): AccessResult;
  write(address: number, data: Uint8Array): AccessResult;
  execute(address: number): AccessResult;
}

const OK: AccessResult = Object.freeze({ ok: true });

function fault(access: AccessKind, kind: PageFaultKind, address: number): AccessResult {
  return { ok: false, fault: { kind, address, access } };
}
const NEED = { read: VmOptions.PERM_READ, write: VmOptions.PERM_WRITE, execute: VmOptions.PERM_EXECUTE } as const;

/** The AddressSpace of one process. */
export class ProcessAddressSpace implements AddressSpace {
  readonly #proc: ProcessObject;

  constructor(proc: ProcessObject) {
    this.#proc = proc;
  }

  read(address: number, into: Uint8Array): AccessResult {
    if (!(into instanceof Uint8Array)) fail(ZxStatus.INVALID_ARGS, 'buffer must be a Uint8Array');
    return this.#access('read', address, into);
  }

  write(address: number, data: Uint8Array): AccessResult {
    if (!(data instanceof Uint8Array)) fail(ZxStatus.INVALID_ARGS, 'data must be a Uint8Array');
    return this.#access('write', address, data);
  }

  execute(address: number): AccessResult {
    return this.#access('execute', address, new Uint8Array(1));
  }

  // Results are built only on faults; the common path allocates nothing.
  #access(kind: AccessKind, address: number, buf: Uint8Array): AccessResult {
    if (typeof address !== 'number' || !Number.isInteger(address)) fail(ZxStatus.INVALID_ARGS, 'address must be an integer');
    const root = this.#proc.rootVmar;
    let done = 0;
    while (done < buf.length) {
      const addr = address + done;
      if (addr < 0 || addr > Number.MAX_SAFE_INTEGER) return fault(kind, 'not-mapped', addr);
      const m = root.resolve(addr);
      if (m === undefined) return fault(kind, 'not-mapped', addr);
      if ((m.perms & NEED[kind]) === 0) return fault(kind, 'access-denied', addr);
      const vo = m.vmoOffset + (addr - m.base);
      const vmo = m.vmo;
      if (vo >= vmo.size) return fault(kind, 'beyond-vmo-size', addr);
      const n = Math.min(buf.length - done, m.end - addr, vmo.size - vo);
      const part = n === buf.length ? buf : buf.subarray(done, done + n);
      const progress = { done: 0 };
      try {
        if (kind === 'write') vmo.write(part, vo, progress);
        else vmo.read(part, vo);
      } catch (e) {
        if (e instanceof ZxError && e.status === ZxStatus.NO_MEMORY) return fault(kind, 'out-of-memory', addr + progress.done);
        throw e;
      }
      done += n;
    }
    return OK;
  }
}
