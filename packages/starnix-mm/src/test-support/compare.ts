/** Compares probe results with model results, op by op. */
import type { LinuxCallResult, LinuxOp, LinuxOpResult } from '@memsim/linux-probe';

export interface Disagreement {
  readonly index: number;
  readonly op: LinuxOp;
  readonly linux: unknown;
  readonly model: unknown;
}

function norm(r: LinuxCallResult | LinuxOpResult): unknown {
  const x = { ...(r as unknown as Record<string, unknown>) };
  delete x.i;
  delete x.op;
  delete x.in;
  delete x.thread;
  // Addresses outside the window are placed by each side's own allocator: compare only that they are outside.
  const abs = (v: unknown): unknown => (v && typeof v === 'object' && 'abs' in v ? { abs: '*' } : v);
  x.value = abs(x.value);
  x.fault_addr = abs(x.fault_addr);
  // smaps: compare the fields the model keeps exactly (sharing-dependent ones such as Pss, Locked and Shared_* are
  // not: Linux divides them between the processes that share a page).
  if (Array.isArray(x.value) && x.value.length > 0 && typeof x.value[0] === 'object') {
    const keep = ['Size', 'KernelPageSize', 'MMUPageSize', 'Rss', 'Anonymous', 'Swap', 'VmFlags'];
    x.value = (x.value as { line: string; fields: Record<string, unknown> }[]).map((e) => ({
      line: e.line.startsWith('!') ? '!outside' : e.line,
      fields: e.line.startsWith('!') ? {} : Object.fromEntries(keep.map((k) => [k, e.fields[k]])),
    }));
  }
  if (Array.isArray(x.value)) x.value = (x.value as unknown[]).map((l): unknown => (typeof l === "string" && l.startsWith("!") ? "!outside" : l));
  for (const k of Object.keys(x)) if (x[k] === undefined) delete x[k];
  return x;
}

export function compareResults(ops: readonly LinuxOp[], linux: readonly LinuxOpResult[], model: readonly LinuxCallResult[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (let i = 0; i < ops.length; i++) {
    const a = linux[i] ? norm(linux[i]) : undefined;
    const b = model[i] ? norm(model[i]) : undefined;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ index: i, op: ops[i], linux: a, model: b });
  }
  return out;
}
