import { Bench } from 'tinybench';
import type { MemsimSampler } from '../rows/row.js';
import { summarize } from '../stats/summary.js';
import type { Measurement } from './measurement.js';

/**
 * Times a memsim sampler with tinybench: warm-up samples (at least 2 and 250 ms, so V8 has optimized the path),
 * then exactly `samples` timed samples. Each sample times only its measured section (returned as tinybench's
 * overriddenDuration), so per-sample set-up is excluded. A full GC runs first when `gc` is given, so one cell's
 * garbage is not collected during the next cell's samples.
 */
export async function measureMemsim(name: string, sampler: MemsimSampler, samples: number, gc?: () => void): Promise<Measurement> {
  gc?.();
  const bench = new Bench({ iterations: samples, time: 0, warmupIterations: 2, warmupTime: 250, throws: true });
  // tinybench drives warm-up and sampling on whole-sample durations; the per-unit time of each sample is kept
  // here in order, since samples may differ in size (tinybench sorts its own copy).
  const record: { perUnit: number; units: number }[] = [];
  bench.add(name, async () => {
    const r = await sampler.sample();
    const s = typeof r === 'number' ? { ns: r, units: sampler.units } : r;
    record.push({ perUnit: s.ns / s.units, units: s.units });
    return { overriddenDuration: s.ns / 1e6 };
  });
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result?.error) throw result.error;
  if (!result || result.latency.samples.length === 0) throw new Error(`${name}: no samples`);
  // The last `samples` records are the timed run; the ones before are warm-up.
  const timed = record.slice(-result.latency.samples.length);
  const perUnit = timed.map((t) => t.perUnit);
  const summary = summarize(perUnit);
  return { nsPerUnit: summary.median, summary, samplesNsPerUnit: perUnit, unitsPerSample: Math.round(timed.reduce((a, t) => a + t.units, 0) / timed.length) };
}
