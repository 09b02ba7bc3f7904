import { ZxError, ZxStatus } from '@memsim/zircon-objects';

/**
 * A thread scheduling profile, as `zx_profile_create` builds them: a fair-share priority (0..31, 16 the default)
 * or a deadline reservation (capacity ≤ deadline ≤ period, in ns).
 * @public
 */
export type SchedulerProfile =
  | { readonly kind: 'priority'; readonly priority: number }
  | { readonly kind: 'deadline'; readonly capacityNs: number; readonly deadlineNs: number; readonly periodNs: number };

/** Validates a profile (INVALID_ARGS with what is wrong) and returns a frozen copy. */
export function checkSchedulerProfile(p: unknown): SchedulerProfile {
  if (typeof p !== 'object' || p === null) throw new ZxError(ZxStatus.INVALID_ARGS, 'profile must be an object');
  const o = p as Record<string, unknown>;
  const posInt = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ZxError(ZxStatus.INVALID_ARGS, `${k} must be a positive safe integer`);
    return v;
  };
  if (o.kind === 'priority') {
    const v = o.priority;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 31) throw new ZxError(ZxStatus.INVALID_ARGS, 'priority must be an integer in 0..31');
    return Object.freeze({ kind: 'priority', priority: v });
  }
  if (o.kind === 'deadline') {
    const capacityNs = posInt('capacityNs');
    const deadlineNs = posInt('deadlineNs');
    const periodNs = posInt('periodNs');
    if (!(capacityNs <= deadlineNs && deadlineNs <= periodNs))
      throw new ZxError(ZxStatus.INVALID_ARGS, 'deadline profile needs capacity <= deadline <= period');
    return Object.freeze({ kind: 'deadline', capacityNs, deadlineNs, periodNs });
  }
  throw new ZxError(ZxStatus.INVALID_ARGS, "profile kind must be 'priority' or 'deadline'");
}
