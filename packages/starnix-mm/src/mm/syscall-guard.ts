/**
 * The boundary of starnix-mm's public API: every public method of the memory manager runs through here, so
 *
 * - a Zircon error from inside becomes the errno Starnix maps it to (zx-errno.ts), never a ZxError for the caller
 *   (and a userspace-swap UffdError its errno);
 * - with validation on, the address-space invariants are checked after the call (validate.ts), and a failed
 *   all-or-nothing call (mmap, munmap, mremap, brk, mseal) must have left the address space exactly as it was.
 *
 * Only the outermost call of a nest (a public method calling another) is checked.
 */
import { ErrnoError } from '../errno/errno.js';
import { lowerToErrno } from '../errno/zx-errno.js';
import { MmInvariantError, snapshotDiff } from './validate.js';

/** What the guard needs of a memory manager (its private part, reached only here). */
export interface GuardTarget {
  guardDepth: number;
  /** Set by the memory manager when a call fails part-way exactly as Linux's does (see remapMove). */
  partialFailure: boolean;
  readonly validating: boolean;
  validate(call?: string): void;
  snapshot(): string;
}

/** Calls Linux makes all-or-nothing: a failure leaves everything unchanged. */
const ATOMIC = new Set(['mmap', 'munmap', 'mremap', 'brk', 'mseal', 'mmapAsync', 'munmapAsync', 'mremapAsync', 'brkAsync']);

/** Whether the environment asks for validation (MEMSIM_VALIDATE=1 or true). */
export function validateFromEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.MEMSIM_VALIDATE;
  return v === '1' || v === 'true';
}

function describeArg(a: unknown): string {
  if (typeof a === 'number') return Number.isInteger(a) && a >= 4096 ? `0x${a.toString(16)}` : String(a);
  if (typeof a === 'bigint') return `${a >= 4096n ? `0x${a.toString(16)}` : a.toString()}n`;
  if (typeof a === 'string') return JSON.stringify(a);
  if (a instanceof Uint8Array) return `<${a.length} bytes>`;
  if (a === null || a === undefined) return String(a);
  return typeof a === 'object' ? '{…}' : typeof a;
}

/** `name(arg, …)` as a failure message shows the call. */
export function describeCall(name: string, args: readonly unknown[]): string {
  return `${name}(${args.map(describeArg).join(', ')})`;
}

const translate = lowerToErrno;

/** The rejection handler of an unchecked async call: made once, since it needs nothing of the call. */
function rethrowLowered(e: unknown): never {
  throw translate(e);
}

/** The check after a finished call: invariants, and atomicity when an all-or-nothing call failed. */
function after(t: GuardTarget, call: string, before: string | undefined, failed: unknown): void {
  t.validate(call);
  if (before !== undefined && failed instanceof ErrnoError && !t.partialFailure) {
    const now = t.snapshot();
    if (now !== before) throw new MmInvariantError('failed-call-changes-nothing', call, `${failed.code}, yet ${snapshotDiff(before, now)}`);
  }
}

/** Wraps the named methods of `proto` (sync or async) with the boundary above; `targetOf` finds a receiver's state. */
export function installSyscallGuard(proto: object, targetOf: (self: object) => GuardTarget, names: readonly string[]): void {
  const p = proto as Record<string, unknown>;
  for (const name of names) {
    const original = p[name];
    if (typeof original !== 'function') throw new Error(`syscall guard: no method ${name}`);
    const guarded = function (this: object, ...args: unknown[]): unknown {
      const t = targetOf(this);
      if (t.guardDepth > 0) return (original as (...a: unknown[]) => unknown).apply(this, args);
      const check = t.validating;
      const before = check && ATOMIC.has(name) ? t.snapshot() : undefined;
      t.guardDepth++;
      t.partialFailure = false;
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (e) {
        t.guardDepth--;
        const err = translate(e);
        if (check && !(err instanceof MmInvariantError)) after(t, describeCall(name, args), before, err);
        throw err;
      }
      t.guardDepth--;
      if (result instanceof Promise) {
        // Unchecked (the usual case): only errors need lowering, with no closure per call.
        if (!check) return result.then(undefined, rethrowLowered);
        // Async calls: nested calls made while this one waits are checked on their own; this one when it settles.
        return result.then(
          (v: unknown) => {
            if (check) after(t, describeCall(name, args), undefined, undefined);
            return v;
          },
          (e: unknown) => {
            const err = translate(e);
            if (check && !(err instanceof MmInvariantError)) after(t, describeCall(name, args), undefined, err);
            throw err;
          },
        );
      }
      if (check) after(t, describeCall(name, args), undefined, undefined);
      return result;
    };
    Object.defineProperty(guarded, 'name', { value: name });
    p[name] = guarded;
  }
}
