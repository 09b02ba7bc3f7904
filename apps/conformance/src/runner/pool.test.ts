import { describe, expect, it } from 'vitest';
import { parseScenarios, runSuites, type CaseResult } from '../index.js';
import { runInWorkers, workerSpec, type CaseJob } from './pool.js';

const SCENARIOS = `name: passes
suite: demo
source: test
steps:
  - zx: vmo_create
    args: {size: 4096}
---
name: crashes its worker
suite: demo
source: runner self-test
steps:
  - debug: crash
---
name: spins forever
suite: demo
source: runner self-test
timeout_ms: 1500
steps:
  - debug: hang
---
name: passes too
suite: demo
source: test
steps:
  - zx: vmo_create
    args: {size: 8192}
`;

describe('worker pool', () => {
  it('isolates a case that kills its worker or spins: each fails alone and the others pass', async () => {
    const r = await runSuites({ scenarios: parseScenarios(SCENARIOS, 'w.yaml'), jobs: 2, backend: 'model' });
    const byName = Object.fromEntries(r.cases.map((c) => [c.name, [c.status, c.message]]));
    expect(byName['passes']).toEqual(['passed', undefined]);
    expect(byName['passes too']).toEqual(['passed', undefined]);
    expect(byName['crashes its worker']).toEqual(['failed', 'crashed: worker exited with code 70']);
    expect(byName['spins forever']).toEqual(['failed', 'case demo/spins forever did not return in 1500 ms: last op none recorded']);
  }, 60_000);

  it('fails exactly the one case whose model op never returns, naming its last op, and runs every other case', async () => {
    const mk = (name: string, extra: string): string => `name: ${name}
suite: hang
source: runner self-test
steps:
  - linux: mmap
    args: {addr: 0, length: 8192, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
${extra}  - linux: maps
`;
    const hang = '  - linux: mremap\n    args: {old_address: 0, old_size: 4096, new_size: 4096, flags: [MAYMOVE, DONTUNMAP, FIXED], new_address: 0x10000}\n';
    const docs = [mk('first', ''), mk('loops in mremap', hang), mk('third', ''), mk('fourth', '  - linux: munmap\n    args: {addr: 0, length: 4096}\n')];
    const scenarios = parseScenarios(docs.join('---\n'), 'hang.yaml');
    const spec = workerSpec();
    expect(spec).toBeDefined();
    const jobs: CaseJob[] = scenarios.map((scenario) => ({ scenario, backend: 'model' }));
    const results: CaseResult[] = [];
    const hook = new URL('../test-support/hang-op.ts', import.meta.url).href;
    await runInWorkers(jobs, 2, 1000, spec!, (r) => results.push(r), hook);
    const failed = results.filter((r) => r.status === 'failed');
    expect(results).toHaveLength(4);
    expect(failed.map((r) => [r.name, r.message])).toEqual([
      ['loops in mremap', 'case hang/loops in mremap did not return in 1000 ms: last op step 2 (linux mremap, line 15)'],
    ]);
    expect(results.filter((r) => r.status === 'passed').map((r) => r.name).sort()).toEqual(['first', 'fourth', 'third']);
  }, 60_000);
});
