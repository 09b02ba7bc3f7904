import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { UffdFeature, UffdRegisterMode } from '@memsim/userspace-swap';
import { Advice, MemoryManager, MremapFlags } from '../index.js';
import { LINUX_6_18_V669 } from '../profile/kernel-profile.js';
import type { AnonBackingDesign } from './anon-backing/design.js';
import { P, PA, RW } from '../test-support/setup.js';

// Pagemap bit 56 (PM_MMAP_EXCLUSIVE) of each page of [a, a + n pages), as 0/1.
const exclusive = (mm: MemoryManager, a: number, n: number): number[] => Array.from(mm.pagemap(a, n), (e) => Number((e >> 56n) & 1n));

describe.each(['single', 'per-mapping'] as AnonBackingDesign[])('pages fork leaves shared (%s)', (design) => {
  const create = (profile = LINUX_6_18_V669): MemoryManager => MemoryManager.create(new Kernel({ seed: 3 }), { stack: false, anonymousBacking: design, profile, validate: true });

  it('are the pages present at the fork, in parent and child, until each writes its own', () => {
    using mm = create();
    const a = mm.mmap(0, 6 * P, RW, PA);
    for (const i of [0, 1, 2, 4]) mm.write(a + i * P, new Uint8Array([i + 1]));
    using child = mm.fork();
    expect(exclusive(mm, a, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    // A page missing at the fork and written after it is the writer's own.
    mm.write(a + 3 * P, new Uint8Array([9]));
    mm.write(a + P, new Uint8Array([9]));
    child.write(a + 2 * P, new Uint8Array([9]));
    expect(exclusive(mm, a, 6)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(exclusive(child, a, 6)).toEqual([0, 0, 1, 0, 0, 0]);
    // Freed and written again: own. A second fork shares every present page again, the parent's own ones too.
    mm.madvise(a, P, Advice.DONTNEED);
    mm.write(a, new Uint8Array([5]));
    expect(exclusive(mm, a, 6)).toEqual([1, 1, 0, 1, 0, 0]);
    using second = mm.fork();
    expect(exclusive(mm, a, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(exclusive(second, a, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(exclusive(child, a, 6)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it('do not include pages committed later by a read fault where the zero page is not used', () => {
    using mm = create({ ...LINUX_6_18_V669, name: 'no-zero-page', zeroPageOnReadFault: false });
    const a = mm.mmap(0, 2 * P, RW, PA);
    mm.write(a, new Uint8Array([1]));
    using child = mm.fork();
    expect(mm.read(a + P, 1).ok).toBe(true);
    expect(child.read(a + P, 1).ok).toBe(true);
    expect(exclusive(mm, a, 2)).toEqual([0, 1]);
    expect(exclusive(child, a, 2)).toEqual([0, 1]);
  });

  it('refuse UFFDIO_MOVE (EBUSY), while a page moved into a forked range is the mover\'s own', () => {
    using mm = create();
    const a = mm.mmap(0, 4 * P, RW, PA);
    mm.write(a, new Uint8Array([1]));
    mm.write(a + 2 * P, new Uint8Array([2]));
    const fd = mm.userfaultfd({ features: UffdFeature.MOVE });
    fd.registerRange(a, 4 * P, UffdRegisterMode.MISSING);
    using child = mm.fork();
    expect(() => fd.move(a + P, a, P)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    // A page of the parent's own (written again after the fork) moves into a page that was missing at the fork...
    mm.write(a + 2 * P, new Uint8Array([7]));
    expect(fd.move(a + 3 * P, a + 2 * P, P)).toBe(P);
    expect(exclusive(mm, a, 4)).toEqual([0, 0, 0, 1]);
    // ...and can move again from there.
    expect(fd.move(a + P, a + 3 * P, P)).toBe(P);
    expect(mm.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([7]) });
    expect(child.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([0]) });
  });

  it('end where the range is unmapped: a new mapping there holds none', () => {
    using mm = create();
    const a = mm.mmap(0, 4 * P, RW, PA);
    mm.write(a, new Uint8Array(4 * P).fill(1));
    using child = mm.fork();
    mm.munmap(a + P, 2 * P);
    expect(mm.mmap(a + P, 2 * P, RW, PA | 0x10 /* MAP_FIXED */)).toBe(a + P);
    mm.write(a + P, new Uint8Array(2 * P).fill(2));
    expect(exclusive(mm, a, 4)).toEqual([0, 1, 1, 0]);
    expect(exclusive(child, a, 4)).toEqual([0, 0, 0, 0]);
  });

  it('move with mremap: a shared page stays shared at its new address, a page written since stays own', () => {
    using mm = create();
    const a = mm.mmap(0, 4 * P, RW, PA);
    mm.write(a, new Uint8Array(4 * P).fill(1));
    using child = mm.fork();
    mm.write(a + P, new Uint8Array([2]));
    const to = mm.mmap(0, 4 * P, RW, PA);
    expect(mm.mremap(a, 2 * P, 2 * P, MremapFlags.MAYMOVE | MremapFlags.FIXED, to)).toBe(to);
    expect(exclusive(mm, to, 2)).toEqual([0, 1]);
    mm.write(to, new Uint8Array([3]));
    expect(exclusive(mm, to, 2)).toEqual([1, 1]);
    expect(exclusive(child, a, 2)).toEqual([0, 0]);
  });
});
