import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { MemoryManager, MapFlags as M, Prot as P } from '../index.js';

describe('smoke', () => {
  it('maps', () => {
    const mm = MemoryManager.create(new Kernel());
    const a = mm.mmap(0, 8192, P.READ | P.WRITE, M.PRIVATE | M.ANONYMOUS);
    expect(mm.write(a, new Uint8Array([1, 2, 3])).ok).toBe(true);
    console.log(a.toString(16), mm.maps());
  });
});
