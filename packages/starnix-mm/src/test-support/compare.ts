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

/**
 * What differs in one disagreement: `smaps.<Field>` for each smaps field that differs in an entry both sides have,
 * `smaps.layout` / `maps.layout` when the VMA lines themselves differ (boundaries, merges), else `<op>` (the whole
 * result of any other call).
 */
export function differingFields(d: Disagreement): string[] {
  const value = (x: unknown): unknown => (x && typeof x === 'object' && 'value' in x ? (x).value : undefined);
  const a = value(d.linux);
  const b = value(d.model);
  if (d.op.op === 'maps') return ['maps.layout'];
  if (d.op.op !== 'smaps' || !Array.isArray(a) || !Array.isArray(b)) return [d.op.op];
  type E = { line: string; fields: Record<string, unknown> };
  const out = new Set<string>();
  const ea = a as E[];
  const eb = b as E[];
  if (ea.length !== eb.length || ea.some((e, k) => e.line !== eb[k].line)) out.add('smaps.layout');
  else {
    ea.forEach((e, k) => {
      for (const f of new Set([...Object.keys(e.fields), ...Object.keys(eb[k].fields)])) {
        if (JSON.stringify(e.fields[f]) !== JSON.stringify(eb[k].fields[f])) out.add(`smaps.${f}`);
      }
    });
  }
  return [...out].sort();
}

/** One disagreement as a failure line: the scenario, the call, both outputs, the kernel release and the profile. */
export function formatDisagreement(d: Disagreement & { seed?: number }, kernel: string, profile: string): string {
  const seed = d.seed === undefined ? '' : `seed ${d.seed} `;
  return `${seed}op #${d.index} ${JSON.stringify(d.op)}\n  linux: ${JSON.stringify(d.linux)}\n  model: ${JSON.stringify(d.model)}\n  kernel ${kernel}, profile ${profile}, differs in ${differingFields(d).join(', ')}`;
}
