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
  bench.add(name, async () => ({ overriddenDuration: (await sampler.sample()) / 1e6 }));
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result?.error) throw result.error;
  if (!result || result.latency.samples.length === 0) throw new Error(`${name}: no samples`);
  const perUnit = result.latency.samples.map((ms) => (ms * 1e6) / sampler.units);
  const summary = summarize(perUnit);
  return { nsPerUnit: summary.median, summary, samplesNsPerUnit: perUnit, unitsPerSample: sampler.units };
}
