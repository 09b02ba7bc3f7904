/**
 * Issue 17 regression: mremap(MAYMOVE|DONTUNMAP|FIXED) of part of a VMA looped forever. The repro runs in a
 * worker with a one-second budget, so if the loop comes back this test fails in a second instead of hanging.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LinuxOp } from '@memsim/linux-probe';
import { BoundedModel } from '../test-support/bounded.js';

const model = new BoundedModel(false);
afterAll(() => model.close());

const repro = (A: number, B: number, oldSize: number, newSize: number): LinuxOp[] => [
  { op: 'mmap', addr: A, length: 0x2000, prot: ['READ', 'WRITE'], flags: ['PRIVATE', 'ANONYMOUS', 'FIXED'] },
  { op: 'write', addr: A, data: '5a' },
  { op: 'mremap', old_address: A, old_size: oldSize, new_size: newSize, flags: ['MAYMOVE', 'DONTUNMAP', 'FIXED'], new_address: B },
  { op: 'maps' },
  { op: 'read', addr: B, length: 1 },
];

describe('mremap(DONTUNMAP|FIXED) of part of a VMA (issue 17)', () => {
  // [A, B, old_len, new_len]: the last one spun forever before the fix, the others left dozens of stray VMAs.
  it.each([
    [0x10000, 0x40000, 0x1000, 0x1000],
    [0x10000, 0x40000, 0x1000, 1],
    [0x10000, 0x40000, 1, 1],
    [0, 0x10000, 1, 1],
  ])('mremap(A=%i -> B=%i, old_len %i, new_len %i) returns B at once and keeps the old VMA whole', async (A, B, oldSize, newSize) => {
    const out = await model.run(`repro ${A}/${B}/${oldSize}/${newSize}`, repro(A, B, oldSize, newSize), 1000);
    if ('failure' in out) throw new Error(out.failure);
    const [, , remap, maps, read] = out.results;
    expect(remap).toEqual({ ok: true, value: B });
    const line = (s: number, e: number): string => `${s.toString(16).padStart(8, '0')}-${e.toString(16).padStart(8, '0')} rw-p 00000000 00:00 0 `;
    expect(maps).toEqual({ ok: true, value: [line(A, A + 0x2000), line(B, B + 0x1000)] });
    expect(read).toEqual({ ok: true, value: '5a' });
  }, 30_000);
});
