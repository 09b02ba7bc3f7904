import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Kernel, Process, Vmo, VmoOp, VmOptions } from '../src/index.js';
import { meanUs, ratioLine, runBench } from './support.js';

const PAGE = 4096;

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

function used(): number {
  const m = process.memoryUsage();
  // arrayBuffers is already part of external.
  return m.heapUsed + m.external;
}

/** Heap bytes per committed page (target <= 4.3 KiB per 4 KiB page). */
export function memoryBench(): boolean {
  const pages = 32768;
  gc();
  const before = used();
  const kernel = new Kernel();
  const vmos: Vmo[] = [];
  // Many small VMOs and one big one, so both per-VMO and per-page overheads show.
  const big = Vmo.create(kernel, (pages / 2) * PAGE);
  big.opRange(VmoOp.COMMIT, 0, (pages / 2) * PAGE);
  for (let i = 0; i < pages / 2 / 16; i++) {
    const v = Vmo.create(kernel, 16 * PAGE);
    v.opRange(VmoOp.COMMIT, 0, 16 * PAGE);
    vmos.push(v);
  }
  gc();
  const perPage = (used() - before) / kernel.memory.pageCount();
  const ok = perPage <= 4.3 * 1024;
  console.log(`\n## memory\n${ok ? 'PASS' : 'FAIL'} heap per committed page: ${(perPage / 1024).toFixed(3)} KiB (target <= 4.3 KiB) over ${kernel.memory.pageCount()} pages`);
  big.close();
  for (const v of vmos) v.close();
  return ok;
}

/** Bulk accesses of many pages through an address space run near memcpy speed. */
export async function bulkBench(): Promise<boolean> {
  const kernel = new Kernel();
  const { process: proc, rootVmar } = Process.create(kernel.rootJob, 'bulk');
  const size = 1024 * PAGE;
  const vmo = Vmo.create(kernel, size);
  const a = rootVmar.map(VmOptions.PERM_READ | VmOptions.PERM_WRITE, 0, vmo, 0, size);
  const src = new Uint8Array(size).fill(7);
  const dst = new Uint8Array(size);
  proc.addressSpace.write(a, src);
  const bench = await runBench('bulk access, 4 MiB', (b) => {
    b.add('memcpy (Uint8Array.set)', () => dst.set(src));
    b.add('address-space write', () => void proc.addressSpace.write(a, src));
    b.add('address-space read', () => void proc.addressSpace.read(a, dst));
  });
  const base = meanUs(bench.tasks[0]);
  const w = ratioLine('bulk write vs memcpy', base, meanUs(bench.tasks[1]), 3);
  const r = ratioLine('bulk read vs memcpy', base, meanUs(bench.tasks[2]), 3);
  return w && r;
}
