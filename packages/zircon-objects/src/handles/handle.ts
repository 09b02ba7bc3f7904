import { and, hasAll, u32 } from '../args.js';
import type { ObjType} from '../constants.js';
import { Rights } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import type { KernelObject } from '../kernel/kernel-object.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxError, ZxStatus, fail } from '../status.js';

/**
 * `ZX_INFO_HANDLE_BASIC`.
 * @public
 */
export interface HandleBasicInfo {
  koid: number;
  rights: number;
  type: ObjType;
  relatedKoid: number;
}

/**
 * A handle to a kernel object: carries rights and checks them like the syscalls do. Closing or replacing
 * invalidates it (later use is BAD_HANDLE).
 * @public
 */
export abstract class Handle implements Disposable {
  /**
   * The kernel the object belongs to: always a `Kernel`, typed by the contract it meets so that handles need not
   * import the kernel (which imports the root job's handle class). `Vmo`, `Vmar`, `Process` and `Thread` narrow it to
   * `Kernel`; elsewhere `kernel instanceof Kernel` does.
   */
  readonly kernel: KernelContext;
  #object: KernelObject | null;
  #rights: number;

  /** @internal */
  constructor(object: object, rights: number) {
    const o = object as KernelObject;
    this.kernel = o.kernel;
    this.#object = o;
    this.#rights = rights >>> 0;
    o.handleCount++;
  }

  /** The handle's rights. Throws BAD_HANDLE once closed. */
  get rights(): number {
    this._object();
    return this.#rights;
  }

  /** Whether the handle is still open. */
  get valid(): boolean {
    return this.#object !== null;
  }

  /** @internal */
  _object(): object {
    return this.#obj();
  }

  #obj(): KernelObject {
    const o = this.#object;
    if (o === null) throw new ZxError(ZxStatus.BAD_HANDLE, 'handle is closed');
    return o;
  }

  /** @internal Looks up the object requiring `rights` (BAD_HANDLE, then ACCESS_DENIED). */
  _require(rights: number): object {
    const o = this.#obj();
    if (!hasAll(this.#rights, rights)) throw new ZxError(ZxStatus.ACCESS_DENIED, 'handle lacks a required right');
    return o;
  }

  /** @internal Creates a handle of the same class to `object`. */
  protected abstract _wrap(object: object, rights: number): this;

  /** The object's koid. */
  koid(): number {
    return this.#obj().koid;
  }

  /** The object's type. */
  type(): ObjType {
    return this.#obj().type;
  }

  /** `ZX_INFO_HANDLE_BASIC`. */
  basicInfo(): HandleBasicInfo {
    countCall(this.kernel, Sys.zx_object_get_info);
    const o = this.#obj();
    return { koid: o.koid, rights: this.#rights, type: o.type, relatedKoid: o.relatedKoid() };
  }

  /** `zx_handle_duplicate`: needs DUPLICATE; rights must be a subset (or SAME_RIGHTS). */
  duplicate(rights: number = Rights.SAME_RIGHTS): this {
    countCall(this.kernel, Sys.zx_handle_duplicate);
    const o = this.#obj();
    const r = u32(rights, 'rights');
    if (!hasAll(this.#rights, Rights.DUPLICATE)) fail(ZxStatus.ACCESS_DENIED, 'duplicate needs DUPLICATE');
    const next = r === Rights.SAME_RIGHTS ? this.#rights : r;
    if (!hasAll(this.#rights, next)) fail(ZxStatus.INVALID_ARGS, 'rights are not a subset');
    return this._wrap(o, next);
  }

  /** `zx_handle_replace`: needs no right; this handle is invalidated whatever the outcome. */
  replace(rights: number = Rights.SAME_RIGHTS): this {
    countCall(this.kernel, Sys.zx_handle_replace);
    const o = this.#obj();
    const cur = this.#rights;
    let r: number;
    try {
      r = u32(rights, 'rights');
    } catch (e) {
      this.#close();
      throw e;
    }
    const next = r === Rights.SAME_RIGHTS ? cur : r;
    if (!hasAll(cur, next)) {
      this.#close();
      fail(ZxStatus.INVALID_ARGS, 'rights are not a subset');
    }
    // Make the new handle first so the object never sees zero handles in between.
    const h = this._wrap(o, next);
    this.#close();
    return h;
  }

  /** @internal Replaces with a set of rights that may add to the current ones (replace_as_executable). */
  _replaceWith(rights: number): this {
    const o = this.#obj();
    const h = this._wrap(o, rights);
    this.#close();
    return h;
  }

  /** `zx_handle_close`. Closing an already-closed handle is BAD_HANDLE. */
  close(): void {
    countCall(this.kernel, Sys.zx_handle_close);
    this.#close();
  }

  #close(): void {
    const o = this.#obj();
    this.#object = null;
    o.handleCount--;
    if (o.handleCount === 0) o.onNoHandles();
  }

  /** Closes if open; never throws. */
  [Symbol.dispose](): void {
    if (this.#object !== null) this.close();
  }

  /** Currently asserted signals (needs WAIT). */
  signals(): number {
    return (this._require(Rights.WAIT) as KernelObject).signals;
  }

  /**
   * `zx_object_wait_one`. A deadline at or before `kernel.now()` polls. Nothing can change while a synchronous
   * caller waits, so an unsatisfied wait with a later deadline also reports TIMED_OUT; use `waitAsync` to await.
   * Returns the observed signals.
   */
  waitOne(signals: number, deadline: number): number {
    countCall(this.kernel, Sys.zx_object_wait_one);
    const o = this._require(Rights.WAIT) as KernelObject;
    const mask = u32(signals, 'signals');
    if (typeof deadline !== 'number' || Number.isNaN(deadline)) fail(ZxStatus.INVALID_ARGS, 'deadline');
    const observed = o.signals;
    if (and(observed, mask) === 0) throw new ZxError(ZxStatus.TIMED_OUT, 'signals not asserted');
    return observed;
  }

  /**
   * Waits until any of `signals` is asserted; resolves with the observed signals. Rejects with TIMED_OUT after
   * `timeoutMs`, or CANCELED if the handle is closed meanwhile. Counts as one `zx_object_wait_one`.
   */
  waitAsync(signals: number, timeoutMs?: number): Promise<number> {
    countCall(this.kernel, Sys.zx_object_wait_one);
    const o = this._require(Rights.WAIT) as KernelObject;
    const mask = u32(signals, 'signals');
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs))) fail(ZxStatus.INVALID_ARGS, 'timeoutMs must be a number');
    if (and(o.signals, mask) !== 0) return Promise.resolve(o.signals);
    return new Promise<number>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        cancel();
        if (timer !== undefined) clearTimeout(timer);
        clearInterval(poll);
      };
      const cancel = o.addWaiter(mask, (observed) => {
        done();
        resolve(observed);
      });
      // Infinity is ZX_TIME_INFINITE. setTimeout turns delays past 2^31-1 ms into 1 ms, so long waits are chained.
      const arm = (left: number): void => {
        const step = Math.min(left, MAX_TIMER_MS);
        timer = setTimeout(() => {
          if (left > step) return arm(left - step);
          done();
          reject(new ZxError(ZxStatus.TIMED_OUT, 'wait timed out'));
        }, step);
      };
      if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) arm(timeoutMs);
      // A closed handle cancels its waits (checked cheaply; closing has no hook per handle).
      const poll = setInterval(() => {
        if (this.#object === null) {
          done();
          reject(new ZxError(ZxStatus.CANCELED, 'handle closed during wait'));
        }
      }, 50);
      poll.unref?.();
    });
  }
}

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 0x7fff_ffff;

/** Checks that `h` is an open handle of class `cls` (BAD_HANDLE, then WRONG_TYPE). */
export function expectHandle<T extends Handle>(h: unknown, cls: abstract new (...args: never[]) => T, what: string, kernel?: KernelContext): T {
  if (!(h instanceof Handle)) fail(ZxStatus.BAD_HANDLE, `${what} is not a handle`);
  h._object();
  // A handle of another kernel is not in this one's handle table.
  if (kernel !== undefined && h.kernel !== kernel) fail(ZxStatus.BAD_HANDLE, `${what} belongs to another kernel`);
  if (!(h instanceof cls)) fail(ZxStatus.WRONG_TYPE, `${what} has the wrong type`);
  return h;
}
