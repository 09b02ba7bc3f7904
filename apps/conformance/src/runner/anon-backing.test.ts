import { describe, expect, it } from 'vitest';
import { runSuites } from './run-suites.js';

describe('--anon-backing', () => {
  it("runs the seeds suite's Linux cases again in the per-mapping design, naming expected Starnix differences", async () => {
    const r = await runSuites({ suites: ['seeds'], backend: 'model', differential: false, inProcess: true, anonBacking: 'both' });
    const pm = r.cases.filter((c) => c.id.endsWith(' [per-mapping]'));
    expect(pm.length).toBeGreaterThan(0);
    expect(pm.every((c) => c.anonBacking === 'per-mapping')).toBe(true);
    // Nothing fails in either design; a per-mapping case either passes or names its expected difference.
    expect(r.cases.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.message ?? ''}`)).toEqual([]);
    for (const c of pm.filter((x) => x.status === 'starnix-difference')) expect(c.message).toMatch(/^expected Starnix difference /);
  });
});
