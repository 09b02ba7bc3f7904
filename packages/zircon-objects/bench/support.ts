import { Bench, type Task } from 'tinybench';

/** Mean latency of a finished task in microseconds. */
export function meanUs(task: Task | undefined): number {
  const r = task?.result as { latency?: { mean: number } } | undefined;
  return (r?.latency?.mean ?? Number.NaN) * 1000;
}

export async function runBench(title: string, setup: (bench: Bench) => void): Promise<Bench> {
  const bench = new Bench({ time: 300, warmupTime: 50 });
  setup(bench);
  await bench.run();
  console.log(`\n## ${title}`);
  console.table(bench.table());
  return bench;
}

export function ratioLine(label: string, small: number, large: number, limit: number): boolean {
  const ratio = large / small;
  const ok = ratio <= limit;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${label}: ${small.toFixed(2)} us vs ${large.toFixed(2)} us (x${ratio.toFixed(2)}, limit x${limit})`);
  return ok;
}

/** A measured ratio printed for information, with no target attached. */
export function infoLine(label: string, small: number, large: number, why: string): void {
  console.log(`INFO ${label}: ${small.toFixed(2)} us vs ${large.toFixed(2)} us (x${(large / small).toFixed(2)}; ${why})`);
}
