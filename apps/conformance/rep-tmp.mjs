import fc from 'fast-check';
const { linuxOpsArbitrary } = await import('./dist/fuzz/generate.js');
const { CaseWorker, workerSpec } = await import('./dist/runner/pool.js');
const { runOnProbe } = await import('./dist/backends/linux-probe.js');
const { normalizeOutcome } = await import('./dist/engine/outcome.js');
const { firstDivergence } = await import('./dist/runner/differential.js');
const { resolveRunKernel } = await import('./dist/runner/host-profile.js');
const run = await resolveRunKernel(undefined);
const worker = new CaseWorker(workerSpec());
let n = 0;
for (let k = 0; k < 6; k++) {
  const prop = fc.asyncProperty(linuxOpsArbitrary(), async (ops) => {
    const steps = ops.map((o, i) => ({ kind: 'linux', call: o.op, args: o.args, ...(o.in ? { in: o.in } : {}), pos: { line: i + 1, column: 1 } }));
    const t0 = performance.now();
    const l = (await runOnProbe(steps, 10000));
    const tl = performance.now() - t0;
    const scenario = { name: `s${++n}`, suite: 'fuzz', source: 'fuzz', differential: true, steps, domain: 'linux', file: 'fuzz', pos: { line: 1, column: 1 } };
    const t = performance.now();
    const r = await worker.run({ scenario, backend: 'model', profile: run.profile }, 10000);
    const tm = performance.now() - t;
    const a = r.steps.map((s) => normalizeOutcome(s.outcome));
    const b = l.outcomes.map((o) => normalizeOutcome(o));
    const d = firstDivergence(a, b);
    if (d >= 0) {
      console.log('DIVERGE', k, n, 'linux', tl.toFixed(0), 'model', tm.toFixed(0), 'stopped', l.stopped, 'msg', r.message, 'lens', a.length, b.length);
      console.log(JSON.stringify(ops[d]), 'model', JSON.stringify(a[d]), 'linux', JSON.stringify(b[d]));
      return true;
    }
    return true;
  });
  await fc.check(prop, { numRuns: 10, seed: 1 });
  console.log('round', k, 'done');
}
worker.close();
