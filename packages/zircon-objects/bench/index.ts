// Benchmarks for @memsim/zircon-objects (`pnpm bench`). Timing targets live here, never in unit tests.
import { bulkBench, memoryBench } from './memory.js';
import { snapshotBench } from './snapshot.js';
import { vmarBench } from './vmar.js';

const results = [memoryBench(), await snapshotBench(), await vmarBench(), await bulkBench()];
console.log(results.every(Boolean) ? '\nall benchmark targets met' : '\nsome benchmark targets missed');
