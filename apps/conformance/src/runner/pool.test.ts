import { describe, expect, it } from 'vitest';
import { parseScenarios, runSuites } from '../index.js';

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
    expect(byName['spins forever']).toEqual(['failed', 'timed out after 1500 ms (worker stopped)']);
  }, 20_000);
});
