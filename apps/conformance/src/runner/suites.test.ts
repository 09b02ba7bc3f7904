import { describe, expect, it } from 'vitest';
import { builtinSuites, runSuites } from '../index.js';

describe('shipped suites', () => {
  it('lists the four suites', () => {
    expect(builtinSuites()).toEqual(['linux-mm', 'seeds', 'userfaultfd', 'zircon']);
  });

  it('passes the whole zircon suite on the model backend', async () => {
    const r = await runSuites({ suites: ['zircon'], backend: 'model', differential: false, inProcess: true });
    expect(r.inputErrors).toEqual([]);
    const failed = r.cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    expect(r.cases.length).toBeGreaterThanOrEqual(87);
    expect(new Set(r.cases.map((c) => c.source.split(';')[0]))).toContain('zircon-vm.md §7 VMAR DestroyTest');
  });

  it('passes the Zircon-level seed behaviours on the model backend', async () => {
    const r = await runSuites({ suites: ['seeds'], backend: 'model', differential: false, inProcess: true });
    const failed = r.cases.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    // Anything the model cannot run is skipped with a one-line reason, never passed.
    for (const c of r.cases.filter((x) => x.status === 'skipped')) expect(c.message).toMatch(/^model: .+/);
  });
});
