import { describe, expect, it } from 'vitest';
import { capture } from '../test-support/capture.js';
import { generateTrace, parseTrace } from './trace.js';
import { replayTrace } from './replay.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('memsim swap', () => {
  const trace = parseTrace(generateTrace({ shape: 'working-set', pages: 64, accesses: 600, seed: 5 }));

  it('swaps a frozen renderer out and faults its pages back without losing data', async () => {
    const r = await replayTrace(trace, { policy: 'aggressive' });
    expect(r.integrityErrors).toBe(0);
    expect(r.sigbus).toBe(0);
    expect(r.metrics.pagesSwappedOut).toBeGreaterThan(0);
    expect(r.metrics.faults.fromSwap).toBeGreaterThan(0);
    // First touches of the registered heap are zero-filled by the swap manager.
    expect(r.metrics.faults.zeroFill).toBe(64);
    expect(r.swapOuts).toBe(4);
    expect(r.reads + r.writes).toBe(trace.events.filter((e) => e.op === 'read' || e.op === 'write').length);
  });

  it('the ChromeOS policy waits 120 s between swaps; never does not swap at all', async () => {
    const chromeos = await replayTrace(trace, { policy: 'chromeos' });
    const never = await replayTrace(trace, { policy: 'never' });
    expect(chromeos.swapOuts).toBeGreaterThan(0);
    expect(chromeos.swapOuts).toBeLessThan(4);
    expect(never.metrics.pagesSwappedOut).toBe(0);
    expect(never.residentPages).toBe(64);
    expect(never.userfaults).toBe(64);
  });

  it('reports progress', async () => {
    const seen: number[] = [];
    await replayTrace(trace, { policy: 'never', onProgress: (n) => seen.push(n) });
    expect(seen[seen.length - 1]).toBe(trace.events.length);
  });

  it('prints metrics as JSON and rejects bad input with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memsim-swap-test-'));
    try {
      const file = join(dir, 't.txt');
      // One 16-page region (ChromeOS swaps whole regions of fully present pages).
      const touch = Array.from({ length: 16 }, (_, i) => `w ${i}`).join('\n');
      writeFileSync(file, `pages 16\n${touch}\nfreeze\nwait 61\npressure\nthaw\nr 1\n`);
      const ok = await capture(['swap', file, '--json', '--policy', 'aggressive']);
      expect(ok.code).toBe(0);
      const j = JSON.parse(ok.out) as { integrityErrors: number; metrics: { pagesSwappedOut: number; faults: { fromSwap: number } } };
      expect(j.integrityErrors).toBe(0);
      expect(j.metrics.pagesSwappedOut).toBe(16);
      expect(j.metrics.faults.fromSwap).toBe(1);
      writeFileSync(file, 'pages 8\nr 9\n');
      const bad = await capture(['swap', file]);
      expect(bad.code).toBe(2);
      expect(bad.err).toBe(`error: ${file}:2: page 9 is outside the 8-page mapping\n`);
      const missing = await capture(['swap', join(dir, 'nope.txt')]);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^error: cannot read .*nope\.txt: ENOENT\n$/);
      const policy = await capture(['swap', file, '--policy', 'lru']);
      expect(policy.code).toBe(2);
      expect(policy.err).toContain("Allowed choices are chromeos, aggressive, never");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
