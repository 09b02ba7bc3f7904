import { describe, expect, it } from 'vitest';
import { PAGE, R, RW, anon, available, run, skipReason, valueOf } from './test-support/probe.js';
import type { SmapsEntry } from './index.js';

describe(`/proc/self/maps relative to the window ${skipReason}`, () => {
  it.skipIf(!available)('lines are window-relative, padded like the kernel, and merging is visible', async () => {
    const r = await run([
      anon(0, 1),
      anon(PAGE, 1),
      { op: 'maps' },
      { op: 'mprotect', addr: PAGE, length: PAGE, prot: R },
      { op: 'maps' },
      { op: 'mprotect', addr: PAGE, length: PAGE, prot: RW },
      { op: 'maps' },
      { op: 'memfd_create', name: 'data', size: 2 * PAGE },
      { op: 'mmap', addr: 0x10_0000, length: PAGE, prot: R, flags: ['SHARED', 'FIXED'], fd: 'data', offset: 0 },
      { op: 'mmap', addr: 0x10_1000, length: PAGE, prot: R, flags: ['SHARED', 'FIXED'], fd: 'data', offset: PAGE },
      { op: 'mmap', addr: 0x20_0000, length: PAGE, prot: RW, flags: ['SHARED', 'ANONYMOUS'] },
      { op: 'maps' },
      { op: 'smaps' },
    ]);
    expect(valueOf(r[2])).toEqual(['00000000-00002000 rw-p 00000000 00:00 0 ']);
    expect(valueOf(r[4])).toEqual(['00000000-00001000 rw-p 00000000 00:00 0 ', '00001000-00002000 r--p 00000000 00:00 0 ']);
    expect(valueOf(r[6])).toEqual(['00000000-00002000 rw-p 00000000 00:00 0 ']);
    const lines = valueOf(r[11]) as string[];
    // The name starts at column 73, as fs/proc/task_mmu.c pads it; memfd inodes become creation ordinals.
    expect(lines[1]).toBe(`${'00100000-00102000 r--s 00000000 00:00 1 '.padEnd(73)}/memfd:data (deleted)`);
    expect(lines[2]).toBe(`${'00200000-00201000 rw-s 00000000 00:00 0 '.padEnd(73)}/dev/zero (deleted)`);
    const smaps = valueOf(r[12]) as SmapsEntry[];
    expect(smaps.map((e) => e.line)).toEqual(lines);
    expect(smaps[0].fields).toMatchObject({ Size: 8, Rss: 0, VmFlags: 'rd wr mr mw me ac' });
  });
});
