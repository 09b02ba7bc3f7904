import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { SwapManager, UffdFeature, UffdRegisterMode, VirtualClock } from '@memsim/userspace-swap';
import { Advice, MapFlags, MemoryManager, Prot } from '../index.js';

const P = 4096;
const PAGES = 16;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'starnix-uffd-swap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const content = (i: number): Uint8Array => new Uint8Array(P).map((_, j) => (i * 13 + j) & 0xff);

describe('userspace swap on a starnix-mm address space', () => {
  it('swaps a region out of the sparse VMO and back in on fault, dropping it on MADV_DONTNEED', async () => {
    const clock = new VirtualClock();
    const mm = MemoryManager.create(new Kernel({ seed: 3 }), { stack: false });
    const a = mm.mmap(0, PAGES * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    for (let i = 0; i < PAGES; i++) mm.write(a + i * P, content(i));
    const uffd = mm.userfaultfd({ features: UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP, clock });
    uffd.registerRange(a, PAGES * P, UffdRegisterMode.MISSING);
    const manager = new SwapManager({ directory: dir, clock, freeDiskBytes: () => 2 ** 30 });
    try {
      const renderer = manager.addRenderer('r', uffd);
      expect(renderer.swapOut([{ start: a, length: 8 * P }])).toBe(8);
      expect(Array.from(mm.mincore(a, PAGES * P)).slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
      const task = { tid: 1 };
      expect(await mm.readAsync(task, a + 5 * P, P)).toEqual({ ok: true, data: content(5) });
      expect(manager.metrics().pagesSwappedIn).toBeGreaterThan(0);
      // Dropped pages read back as zero after REMOVE, not as stale swapped bytes.
      renderer.swapOut([{ start: a + 8 * P, length: 4 * P }]);
      expect(await mm.madviseAsync(task, a + 8 * P, 4 * P, Advice.DONTNEED)).toBe(0);
      expect(await mm.readAsync(task, a + 9 * P, 2)).toEqual({ ok: true, data: new Uint8Array(2) });
      expect(manager.errors()).toEqual([]);
    } finally {
      manager.close();
    }
  });
});
