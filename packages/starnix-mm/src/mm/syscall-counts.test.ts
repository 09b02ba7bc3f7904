import { Kernel } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { MapFlags, MemoryManager, Prot } from '../index.js';

/** The Zircon calls `fn` made on `kernel`, by name (only those it made). */
function callsOf(kernel: Kernel, fn: () => unknown): Record<string, number> {
  const before = kernel.syscallCounts();
  fn();
  const after = kernel.syscallCounts();
  return Object.fromEntries(Object.entries(after).filter(([k, n]) => n !== before[k as keyof typeof before]).map(([k, n]) => [k, n - before[k as keyof typeof before]]));
}

describe('the Zircon calls a Linux call makes', () => {
  it("counts Starnix's calls only: validate(), its snapshots and anonVmos() are the model's own and uncounted", () => {
    for (const validate of [false, true]) {
      const kernel = new Kernel({ seed: 1 });
      using mm = MemoryManager.create(kernel, { validate });
      const flags = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
      let addr = 0;
      expect(callsOf(kernel, () => (addr = mm.mmap(0, 3 * 4096, Prot.READ | Prot.WRITE, flags)))).toEqual({ zx_vmar_map: 1 });
      expect(callsOf(kernel, () => mm.munmap(addr + 4096, 4096))).toEqual({ zx_vmo_op_range: 1, zx_vmar_unmap: 1 });
      expect(callsOf(kernel, () => mm.anonVmos())).toEqual({});
      expect(callsOf(kernel, () => mm.validate())).toEqual({});
    }
  });

  it("'per-mapping' makes a VMO per mmap", () => {
    const kernel = new Kernel({ seed: 1 });
    using mm = MemoryManager.create(kernel, { anonymousBacking: 'per-mapping', validate: true });
    const calls = callsOf(kernel, () => mm.mmap(0, 3 * 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS));
    expect(calls).toMatchObject({ zx_vmo_create: 1, zx_vmar_map: 1 });
  });
});
