import { describe, expect, it } from 'vitest';
import { MapFlags, Prot } from '../index.js';
import { newMm, P, PA, RW, testDesign } from '../test-support/setup.js';

describe('MAP_STACK', () => {
  it('marks the VMA nohugepage, so it does not merge with a plain anonymous neighbour (Linux 6.7+)', () => {
    const mm = newMm();
    const base = mm.mmap(0, 16 * P, Prot.NONE, PA);
    mm.munmap(base, 16 * P);
    mm.mmap(base + 9 * P, 2 * P, RW, PA | MapFlags.FIXED);
    mm.mmap(base, 9 * P, Prot.NONE, PA | MapFlags.FIXED | MapFlags.STACK);
    mm.mprotect(base + P, 8 * P, RW);
    const lines = mm.maps().trim().split('\n').filter((l) => parseInt(l, 16) >= base && parseInt(l, 16) < base + 11 * P);
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      `${base.toString(16)}-${(base + P).toString(16)} ---p`,
      `${(base + P).toString(16)}-${(base + 9 * P).toString(16)} rw-p`,
      `${(base + 9 * P).toString(16)}-${(base + 11 * P).toString(16)} rw-p`,
    ]);
    expect(mm.smaps()).toMatch(/VmFlags: rd wr mr mw me ac nh \n/);
  });
  it('merges two stack mappings with each other', () => {
    const mm = newMm();
    const a = mm.mmap(0, 4 * P, RW, PA | MapFlags.STACK);
    mm.munmap(a + 2 * P, 2 * P);
    mm.mmap(a + 2 * P, 2 * P, RW, PA | MapFlags.FIXED | MapFlags.STACK);
    // The stack VMA and the initial [stack]; 'per-mapping' keeps the two halves apart, as each has its own VMO
    // (Starnix difference unmerged-anon-neighbours).
    expect(mm.vmaCount).toBe(testDesign() === 'single' ? 2 : 3);
  });
});
