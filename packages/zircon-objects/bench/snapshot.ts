import { Kernel, Vmo, VmoChildOptions, VmoOp } from '../src/index.js';
import { meanUs, ratioLine, runBench } from './support.js';

const PAGE = 4096;

/** A snapshot costs the same whatever the number of committed pages (no page is copied at clone time). */
export async function snapshotBench(): Promise<boolean> {
  const kernel = new Kernel();
  const big = Vmo.create(kernel, 65536 * PAGE);
  big.opRange(VmoOp.COMMIT, 0, 65536 * PAGE);
  const small = Vmo.create(kernel, PAGE);
  small.opRange(VmoOp.COMMIT, 0, PAGE);
  const bench = await runBench('snapshot + close (65,536 committed pages vs 1)', (b) => {
    b.add('snapshot 1 page', () => {
      small.createChild(VmoChildOptions.SNAPSHOT, 0, PAGE).close();
    });
    b.add('snapshot 65,536 pages', () => {
      big.createChild(VmoChildOptions.SNAPSHOT, 0, 65536 * PAGE).close();
    });
  });
  const ok1 = ratioLine('snapshot cost, 65,536 vs 1 committed page', meanUs(bench.tasks[0]), meanUs(bench.tasks[1]), 2);

  // 1,000 clone-and-close cycles with writes on both sides: lookups must not slow down, no page may leak.
  const probe = (): number => {
    const buf = new Uint8Array(PAGE);
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) big.readInto(buf, (i * 37 % 65536) * PAGE);
    return ((performance.now() - t0) * 1000) / 2000;
  };
  const before = probe();
  for (let i = 0; i < 1000; i++) {
    const c = big.createChild(VmoChildOptions.SNAPSHOT, 0, 65536 * PAGE);
    c.write(Uint8Array.of(i & 0xff), (i % 65536) * PAGE);
    big.write(Uint8Array.of(i & 0xff), ((i * 7) % 65536) * PAGE);
    c.close();
  }
  const after = probe();
  const ok2 = ratioLine('page lookup before vs after 1,000 clone-and-close cycles', before, after, 2);
  const pages = kernel.memory.pageCount();
  const ok3 = pages === 65537;
  console.log(`${ok3 ? 'PASS' : 'FAIL'} pages held after the cycles: ${pages} (expected 65537)`);
  return ok1 && ok2 && ok3;
}
