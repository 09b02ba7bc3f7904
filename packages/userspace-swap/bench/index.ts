// Benchmarks for @memsim/userspace-swap (`pnpm bench`). Timing targets live here, never in unit tests.
// Reference (spec, native C on the project's machines): a MISSING fault resolved by a handler thread with
// UFFDIO_COPY costs about 40 us; UFFDIO_COPY alone about 10 us per page. The model should be no slower.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench, type Task } from 'tinybench';
import { SwapFile, SwapManager, UffdFeature, UffdRegisterMode, UserfaultFD, VirtualClock } from '../src/index.js';
import { ReferenceSpace } from '../src/test-support/reference-space.js';

const P = 4096;
const BASE = 0x10_0000;

function meanUs(task: Task | undefined): number {
  const r = task?.result as { latency?: { mean: number } } | undefined;
  return (r?.latency?.mean ?? Number.NaN) * 1000;
}

function check(label: string, us: number, limitUs: number): boolean {
  const ok = us <= limitUs;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${label}: ${us.toFixed(2)} us (limit ${limitUs} us)`);
  return ok;
}

const dir = mkdtempSync(join(tmpdir(), 'usw-bench-'));
const bench = new Bench({ time: 400, warmupTime: 50 });

// A fault round trip: a task faults, the handler zero-fills, the task resumes; then the page is zapped again.
{
  const space = new ReferenceSpace();
  space.mmap(BASE, P);
  const fd = UserfaultFD.open(space, 0, { clock: new VirtualClock() });
  fd.registerRange(BASE, P, UffdRegisterMode.MISSING);
  fd.startWaitingForEvents({ pagefault: (a) => (fd.zeroRange(a, P), true), closed: () => undefined });
  const task = space.task();
  bench.add('fault + ZEROPAGE round trip', async () => {
    await space.read(task, BASE, 1);
    space.takePages(BASE, P);
  });
}

// UFFDIO_COPY of one page with no waiter.
{
  const space = new ReferenceSpace();
  space.mmap(BASE, P);
  const fd = UserfaultFD.open(space, 0);
  fd.registerRange(BASE, P, UffdRegisterMode.MISSING);
  const src = new Uint8Array(P).fill(1);
  bench.add('UFFDIO_COPY one page', () => {
    fd.copyToRange(BASE, P, src);
    space.takePages(BASE, P);
  });
}

// Swap file: one 16-page region written and read back (compress + encrypt + fsync-free write; read + verify).
{
  const file = SwapFile.create({ directory: dir, compactionMinBytes: 1 << 20 });
  const region = new Uint8Array(16 * P).map((_, i) => (i * 31) & 0xff);
  bench.add('SwapFile write + read + drop, 64 KiB', () => {
    const id = file.write(region);
    file.read(id);
    file.drop(id);
  });
}

// A fault served from swap: swap one page out, fault it back in through the manager.
{
  const clock = new VirtualClock();
  const space = new ReferenceSpace();
  space.mmap(BASE, P);
  space.populate(BASE, new Uint8Array(P).fill(3));
  const fd = UserfaultFD.open(space, UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP, { clock });
  fd.registerRange(BASE, P, UffdRegisterMode.MISSING);
  const manager = new SwapManager({ directory: dir, clock, freeDiskBytes: () => 2 ** 40 });
  const renderer = manager.addRenderer('bench', fd);
  const task = space.task();
  bench.add('swap out + fault back in, one page', async () => {
    renderer.swapOut([{ start: BASE, length: P }]);
    await space.read(task, BASE, 1);
  });
}

await bench.run();
console.log('\n## userspace-swap');
console.table(bench.table());
const t = (name: string): Task | undefined => bench.tasks.find((x) => x.name === name);
const results = [
  check('fault + ZEROPAGE round trip', meanUs(t('fault + ZEROPAGE round trip')), 40),
  check('UFFDIO_COPY one page', meanUs(t('UFFDIO_COPY one page')), 10),
];
rmSync(dir, { recursive: true, force: true });
console.log(results.every(Boolean) ? '\nall benchmark targets met' : '\nsome benchmark targets missed');
