import { describeValue } from '../errors/describe.js';
import { SwapError } from '../errors/swap-error.js';
import type { RendererSnapshot, SwapContext, SwapRegion } from './swap-policy.js';

/**
 * Shape checks of what a caller hands a policy (a snapshot, a context, candidate regions): a missing field, a wrong
 * type, NaN or a negative size is a SwapError `INVALID_ARGUMENT` naming the field, never a TypeError from inside
 * the policy or a verdict computed from NaN.
 */

const bad = (what: string, v: unknown, want: string): SwapError => new SwapError('INVALID_ARGUMENT', `${what} must be ${want}, got ${describeValue(v)}`);

function record(what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(what, v, 'an object');
  return v as Record<string, unknown>;
}

/** A time in microseconds: a finite number (clocks may give fractions). */
function time(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(what, v, 'a finite number of microseconds');
}

function timeOrNull(what: string, v: unknown): void {
  if (v !== null) time(what, v);
}

/** A byte count: a non-negative safe integer. */
function bytes(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(what, v, 'a non-negative safe integer');
}

function bool(what: string, v: unknown): void {
  if (typeof v !== 'boolean') throw bad(what, v, 'a boolean');
}

/** Checks a {@link SwapContext}. */
export function checkContext(v: unknown): SwapContext {
  const c = record('context', v);
  time('context.nowMicros', c.nowMicros);
  if (c.pressure !== 'none' && c.pressure !== 'moderate' && c.pressure !== 'critical') throw bad('context.pressure', c.pressure, "'none', 'moderate' or 'critical'");
  timeOrNull('context.lastWalkMicros', c.lastWalkMicros);
  bytes('context.freeDiskBytes', c.freeDiskBytes);
  bytes('context.totalSwappedBytes', c.totalSwappedBytes);
  return v as SwapContext;
}

/** Checks a {@link RendererSnapshot}. */
export function checkRenderer(v: unknown): RendererSnapshot {
  const r = record('renderer', v);
  if (typeof r.id !== 'string') throw bad('renderer.id', r.id, 'a string');
  timeOrNull('renderer.frozenSinceMicros', r.frozenSinceMicros);
  timeOrNull('renderer.invisibleSinceMicros', r.invisibleSinceMicros);
  bool('renderer.audible', r.audible);
  bool('renderer.loading', r.loading);
  timeOrNull('renderer.lastSwappedAtMicros', r.lastSwappedAtMicros);
  bytes('renderer.swappedBytes', r.swappedBytes);
  return v as RendererSnapshot;
}

/** Checks a page size: a positive safe integer. */
export function checkPageSize(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw bad('pageSize', v, 'a positive safe integer');
  return v;
}

/** Checks candidate regions (an array of `{ start, length }`, non-negative safe integers, length positive). */
export function checkRegions(v: unknown): readonly SwapRegion[] {
  if (!Array.isArray(v)) throw bad('candidates', v, 'an array of regions');
  (v as unknown[]).forEach((x, i) => {
    const r = record(`candidates[${i}]`, x);
    bytes(`candidates[${i}].start`, r.start);
    bytes(`candidates[${i}].length`, r.length);
    if (r.length === 0) throw bad(`candidates[${i}].length`, r.length, 'positive');
  });
  return v as readonly SwapRegion[];
}

/** Checks a byte budget: a non-negative integer, or Infinity for no limit. */
export function checkBudget(v: unknown): number {
  if (typeof v !== 'number' || !(Number.isSafeInteger(v) || v === Infinity) || v < 0) throw bad('budgetBytes', v, 'a non-negative integer or Infinity');
  return v;
}

/** Wraps a caller's generator so each draw is checked to lie in [0, 1). */
export function checkedRandom(v: unknown): () => number {
  if (typeof v !== 'function') throw bad('random', v, 'a function');
  const f = v as () => unknown;
  return () => {
    const x = f();
    if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw bad('random()', x, 'a number in [0, 1)');
    return x;
  };
}

/** Checks a renderer state update (`setState`): an object whose given fields have the snapshot's types. */
export function checkRendererState(v: unknown): void {
  const r = record('state', v);
  if (r.frozenSinceMicros !== undefined) timeOrNull('state.frozenSinceMicros', r.frozenSinceMicros);
  if (r.invisibleSinceMicros !== undefined) timeOrNull('state.invisibleSinceMicros', r.invisibleSinceMicros);
  if (r.audible !== undefined) bool('state.audible', r.audible);
  if (r.loading !== undefined) bool('state.loading', r.loading);
}
