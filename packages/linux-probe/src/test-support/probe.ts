import { probeAvailability, runScenario } from '../index.js';
import type { LinuxCallResult, LinuxOp, LinuxOpResult } from '../index.js';

const availability = probeAvailability();

/** Whether the live-kernel tests can run; when not, `skipReason` says why in one line. */
export const available = availability.available;
export const skipReason = availability.available ? '' : `(skipped: ${availability.reason})`;

export const PAGE = 4096;
export const R = ['READ'] as const;
export const RW = ['READ', 'WRITE'] as const;
export const ANON_FIXED = ['PRIVATE', 'ANONYMOUS', 'FIXED'] as const;

/** Runs ops and returns the call results (without positions), one per op. */
export async function run(ops: readonly LinuxOp[]): Promise<LinuxOpResult[]> {
  return runScenario(ops, { timeoutMs: 8000 });
}

/** The outcome without its position fields, for compact assertions. */
export function outcome(r: LinuxOpResult | undefined): LinuxCallResult {
  if (!r) throw new Error('missing result');
  const { i: _i, op: _op, in: _in, thread: _thread, ...rest } = r;
  return rest;
}

export function errnoOf(r: LinuxOpResult | undefined): string | undefined {
  return r && !r.ok && 'errno' in r ? r.errno : undefined;
}

export function valueOf(r: LinuxOpResult | undefined): unknown {
  if (!r || !r.ok) throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r.value;
}

export function anon(addr: number, pages: number, prot: readonly string[] = RW): LinuxOp {
  return { op: 'mmap', addr, length: pages * PAGE, prot: prot as never, flags: ANON_FIXED };
}
