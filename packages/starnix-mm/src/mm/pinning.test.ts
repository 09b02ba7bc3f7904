import { describe, expect, it } from 'vitest';
import { MapFlags } from '../abi/constants.js';
import { FIX, newMm, P, PA, poke, bytes, RW, W } from '../test-support/setup.js';

describe('mlock pins through the memory-pinning shadow process', () => {
  it('pins locked ranges and releases them on munlock, munmap and for fork children', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 64 * P, max: 64 * P } } });
    mm.mmap(W, 8 * P, RW, PA | FIX);
    expect(mm.pinnedPages).toBe(0);
    mm.mlock(W, 4 * P);
    expect(mm.pinnedPages).toBe(4);
    poke(mm, W, bytes(1, 1));
    const child = mm.fork();
    expect(child.pinnedPages).toBe(0);
    mm.munlock(W, P);
    expect(mm.pinnedPages).toBe(3);
    mm.munmap(W + 2 * P, 8 * P);
    expect(mm.pinnedPages).toBe(1);
    mm.mmap(W + 16 * P, 2 * P, RW, PA | FIX | MapFlags.LOCKED);
    expect(mm.pinnedPages).toBe(3);
    mm.mlockall(2);
    mm.mmap(W + 32 * P, P, RW, PA | FIX);
    expect(mm.pinnedPages).toBe(4);
    mm.munlockall();
    expect(mm.pinnedPages).toBe(0);
  });
  it('a failed mlock keeps the partial lock pinned (PROT_NONE still marked locked)', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 64 * P, max: 64 * P } } });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    expect(() => mm.mlock(W, 4 * P)).toThrow();
    expect(mm.pinnedPages).toBe(2);
  });
});
