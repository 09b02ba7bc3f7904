import { describe, expect, it } from 'vitest';
import { loadScenario } from '../model/open.js';
import { fixture } from '../test-support/fixtures.js';
import { capture } from '../test-support/capture.js';
import { runCommand } from './run.js';

describe('memsim run', () => {
  it('runs every step on the model through the conformance runner', async () => {
    const r = await runCommand(loadScenario(fixture('clone-space.yaml')));
    expect(r.result.status).toBe('passed');
    expect(r.result.steps).toHaveLength(9);
    expect(r.result.steps[8].outcome).toEqual({ kind: 'ok', value: '07' });
  });

  it('--step N stops after step N', async () => {
    const { code, out } = await capture(['run', fixture('clone-space.yaml'), '--step', '3', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { stepsRun: number; totalSteps: number; steps: { label: string }[]; status: string };
    expect(j.stepsRun).toBe(3);
    expect(j.totalSteps).toBe(9);
    expect(j.steps.map((s) => s.label)).toEqual(['zx process_create', 'zx vmar_allocate', 'zx vmo_create']);
    expect(j.status).toBe('passed');
  });

  it('prints each step and exits 1 when an expectation fails', async () => {
    const { code, out } = await capture(['run', fixture('failing.yaml')]);
    expect(code).toBe(1);
    expect(out).toMatch(/2 FAIL zx vmo_get_size +ok 4096/);
    expect(out).toContain('expected 8192, got 4096');
  });

  it('runs Linux scenarios on starnix-mm', async () => {
    const { code, out } = await capture(['run', fixture('linux-space.yaml'), '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { steps: { outcome: { value: unknown } }[] };
    expect(j.steps[3].outcome.value).toEqual(['00010000-00012000 rw-p 00000000 00:00 0 ', '00012000-00014000 r--p 00000000 00:00 0 ']);
  });

  it('rejects a step past the end and an unknown scenario name with exit 2', async () => {
    const past = await capture(['run', fixture('failing.yaml'), '--step', '3']);
    expect(past.code).toBe(2);
    expect(past.err).toBe("error: --step 3 is past the end: 'wrong expectation' has 2 steps\n");
    const name = await capture(['run', fixture('failing.yaml'), '--name', 'nope']);
    expect(name.code).toBe(2);
    expect(name.err).toContain("no scenario named 'nope' (it has: 'wrong expectation')");
  });
});
