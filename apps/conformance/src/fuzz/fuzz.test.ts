import { describe, expect, it } from 'vitest';
import { isProbeAvailable } from '@memsim/linux-probe';
import { fuzzDifferential, parseScenarios, type FuzzBackend } from '../index.js';
import { runOnModel } from '../session/linux-session.js';

const model: FuzzBackend = (steps) => runOnModel(steps).outcomes;

describe('differential fuzzing', () => {
  it('reports the rate and no divergence when both sides agree', async () => {
    const r = await fuzzDifferential({ runs: 20, seed: 5, model, linux: model });
    expect(r.runs).toBe(20);
    expect(r.casesPerSecond).toBeGreaterThan(0);
    expect(r.divergence).toBeUndefined();
  });

  it('shrinks a divergence to a minimal sequence and writes a rerunnable scenario', async () => {
    // A "kernel" that disagrees about mlock: every successful mlock reports EPERM (400 runs: in the generator's mix a
    // successful mlock is rare, about one sequence in a hundred).
    const skewed: FuzzBackend = (steps) =>
      runOnModel(steps).outcomes.map((o, i) => (steps[i].call === 'mlock' && o.kind === 'ok' ? { kind: 'errno', errno: 'EPERM' } : o));
    const r = await fuzzDifferential({ runs: 400, seed: 11, model, linux: skewed });
    expect(r.divergence).toBeDefined();
    const [sc] = parseScenarios(r.divergence!.yaml, 'fuzz.yaml');
    // Shrunk to a handful of calls around the mlock (fast-check may keep an mprotect making the shrunk mapping lockable).
    const all = sc.steps.map((s) => s.call);
    // (A sequence with a userfaultfd call opens with the generator's uffd prologue, up to its uffd_register, which
    // shrinking cannot take apart: the mapping it makes may be what the mlock locks.)
    const calls = all[0] === 'uffd_create' ? all.slice(all.indexOf('uffd_register') + 1) : all;
    // (A shrunk file mapping keeps the memfd prologue, memfd_create and pwrite, which the generator adds with it.)
    expect(calls.filter((c) => c !== 'memfd_create' && c !== 'pwrite').length).toBeLessThanOrEqual(4);
    // (An mlock of a length that wraps to 0 succeeds with no mapping at all, so the mmap may be shrunk away.)
    expect(calls).toContain('mlock');
    expect(calls.at(-1)).toBe('maps');
    expect(sc.steps.find((s) => s.call === 'mlock')!.expect).toEqual({ errno: 'EPERM' });
    expect(r.divergence!.linux).toEqual({ errno: 'EPERM' });
  });

  it.skipIf(!isProbeAvailable())('finds the model in agreement with the live kernel on a few random sequences', async () => {
    const r = await fuzzDifferential({ runs: 10, seed: 1 });
    expect(r.runs).toBe(10);
    expect(r.divergence?.yaml).toBeUndefined();
  });
});
