import { describe, expect, it } from 'vitest';
import { isProbeAvailable } from '@memsim/linux-probe';
import { parseScenarios, runScenario, runSuites } from '../index.js';

const LINUX = `name: fixed mapping
suite: demo
source: test
steps:
  - linux: mmap
    args: {addr: 0x10000, length: 0x2000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
    bind: a
  - access: write
    args: {addr: "\${a + 0x1000}", data: "0102"}
  - linux: mprotect
    args: {addr: "\${a}", length: 0x1000, prot: [READ]}
  - access: write
    args: {addr: "\${a}", data: "00"}
    expect: {signal: SIGSEGV, code: SEGV_ACCERR}
  - linux: maps
    expect: {maps: ["00010000-00011000 r--p 00000000 00:00 0", "00011000-00012000 rw-p 00000000 00:00 0"]}
`;

describe('runScenario', () => {
  it('binds results for later steps and checks every expectation on the model', async () => {
    const [sc] = parseScenarios(LINUX, 'l.yaml');
    const r = await runScenario(sc, { backend: 'model' });
    expect(r.status).toBe('passed');
    expect(r.steps.map((s) => s.outcome.kind)).toEqual(['ok', 'ok', 'ok', 'fault', 'ok']);
  });

  it('never throws: a mistyped argument becomes a failed case with the reason', async () => {
    const [sc] = parseScenarios('name: x\nsuite: demo\nsource: s\nsteps:\n  - zx: vmo_create\n    args: {size: 1}\n    bind: v\n  - zx: vmar_map\n    args: {handle: "${v}", options: 1, vmo: "${v}", len: 4096}\n', 'x.yaml');
    const r = await runScenario(sc, { backend: 'model' });
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/scenario error: vmar_map: argument 'handle' must be a Vmar handle/);
  });

  it.skipIf(!isProbeAvailable())('agrees with the live kernel in differential mode', async () => {
    const scenarios = parseScenarios(LINUX, 'l.yaml');
    const r = await runSuites({ scenarios, inProcess: true, differential: true });
    expect(r.cases.map((c) => [c.backend, c.status])).toEqual([
      ['linux', 'passed'],
      ['model', 'passed'],
    ]);
    expect(r.comparisons).toEqual([{ id: 'demo/fixed mapping', suite: 'demo', compared: true, agree: true }]);
    expect(r.suites[0]).toMatchObject({ agreementRate: 1 });
  });
});
