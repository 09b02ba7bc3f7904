// Benchmarks for @memsim/starnix-mm (`pnpm bench`), issue 6 point 10: per-operation costs at 1k, 10k, 100k and
// 1M VMAs (target: at most 2x growth from 1k to 1M), and fork with 256 MiB touched. Timing targets live here only.
import { Bench, type Task } from 'tinybench';
import { Kernel } from '@memsim/zircon-objects';
import { DEFAULT_KERNEL_PROFILE, MapFlags, MemoryManager, Prot, type KernelProfile } from '../src/index.js';

/** The default kernel with vm.max_map_count raised (as the native side raises the sysctl): fields reach 1M VMAs. */
const BENCH_PROFILE: KernelProfile = Object.freeze({ ...DEFAULT_KERNEL_PROFILE, name: `${DEFAULT_KERNEL_PROFILE.name}+max_map_count`, maxMapCount: 0x7fffffff });

const P = 4096;
const BASE = 0x2000_0000_0000;
const RW = Prot.READ | Prot.WRITE;
const PA = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);

/** Median latency in microseconds (the mean is dominated by garbage-collection pauses). */
function medianUs(task: Task | undefined): number {
  const r = task?.result as { latency?: { p50?: number } } | undefined;
  return (r?.latency?.p50 ?? Number.NaN) * 1000;
}

/** An address space with `n` VMAs that cannot merge (alternating protections, one page each, packed). */
function field(n: number): MemoryManager {
  const mm = MemoryManager.create(new Kernel({ seed: 1, physicalMemoryBytes: 8 * 2 ** 30 }), { stack: false, profile: BENCH_PROFILE });
  for (let i = 0; i < n; i++) mm.mmap(BASE + i * P, P, i % 2 ? Prot.READ : RW, PA | MapFlags.FIXED);
  return mm;
}

const rows: Record<string, Record<string, number>> = {};
for (const n of sizes) {
  const t0 = performance.now();
  const mm = field(n);
  const buildMs = performance.now() - t0;
  const mid = BASE + Math.floor(n / 2) * P;
  const free = BASE + (n + 16) * P;
  let touch = 0;
  const bench = new Bench({ time: 250, warmupTime: 50 });
  bench
    .add('mmap+munmap 1 page (hint-less, top-down)', () => {
      const a = mm.mmap(0, P, RW, PA);
      mm.munmap(a, P);
    })
    .add('MAP_FIXED over one page', () => {
      mm.mmap(mid, P, (Math.floor(n / 2) % 2 ? Prot.READ : RW), PA | MapFlags.FIXED);
    })
    .add('mprotect whole VMA', () => {
      mm.mprotect(mid, P, Math.floor(n / 2) % 2 ? Prot.READ : RW);
    })
    .add('mprotect split + merge pair', () => {
      mm.mmap(free, 4 * P, RW, PA | MapFlags.FIXED);
      mm.mprotect(free + P, P, Prot.READ);
      mm.mprotect(free + P, P, RW);
      mm.munmap(free, 4 * P);
    })
    .add('mremap grow + shrink pair', () => {
      mm.mmap(free, P, RW, PA | MapFlags.FIXED);
      mm.mremap(free, P, 2 * P, 0);
      mm.mremap(free, 2 * P, P, 0);
      mm.munmap(free, P);
    })
    .add('first-touch write fault (per page)', () => {
      if (touch === 0) mm.mmap(free + 64 * P, 1024 * P, RW, PA | MapFlags.FIXED);
      mm.write(free + 64 * P + touch * P, new Uint8Array(8));
      touch = (touch + 1) % 1024;
      if (touch === 0) mm.munmap(free + 64 * P, 1024 * P);
    });
  await bench.run();
  const r: Record<string, number> = { 'build (ms)': Math.round(buildMs) };
  for (const t of bench.tasks) r[t.name] = Number(medianUs(t).toFixed(2));
  rows[`${n} VMAs`] = r;
  console.log(`\n## ${n} VMAs (built in ${buildMs.toFixed(0)} ms), median us per op below`);
  console.table(bench.table());
  mm[Symbol.dispose]();
}

// fork with 256 MiB touched (fork cost follows mappings, not pages: one snapshot of the private VMO).
{
  const mm = MemoryManager.create(new Kernel({ seed: 1, physicalMemoryBytes: 8 * 2 ** 30 }), { stack: false });
  const len = 256 << 20;
  mm.mmap(BASE, len, RW, PA | MapFlags.FIXED);
  const page = new Uint8Array(P).fill(1);
  for (let off = 0; off < len; off += P) mm.write(BASE + off, page);
  const bench = new Bench({ time: 500, warmupTime: 50 });
  bench.add('fork with 256 MiB touched (+ child exit)', () => {
    const child = mm.fork();
    child[Symbol.dispose]();
  });
  await bench.run();
  console.log('\n## fork');
  console.table(bench.table());
}

const first = rows[`${sizes[0]} VMAs`];
const last = rows[`${sizes[sizes.length - 1]} VMAs`];
let ok = true;
if (first && last && sizes.length > 1) {
  console.log(`\n## growth ${sizes[0]} -> ${sizes[sizes.length - 1]} VMAs (limit x2)`);
  for (const k of Object.keys(first)) {
    if (k.startsWith('build')) continue;
    const ratio = (last[k] ?? NaN) / (first[k] ?? NaN);
    const pass = ratio <= 2;
    ok &&= pass;
    console.log(`${pass ? 'PASS' : 'FAIL'} ${k}: ${first[k]} us -> ${last[k]} us (x${ratio.toFixed(2)})`);
  }
}
console.log(ok ? '\nall per-op growth targets met' : '\nsome per-op growth targets missed');
