import { describe, expect, it } from 'vitest';
import { PAGE, R, RW, anon, available, errnoOf, outcome, run, skipReason, valueOf } from './test-support/probe.js';

const MiB = 0x10_0000;

describe(`more rules from the spec, checked on the live kernel ${skipReason}`, () => {
  it.skipIf(!available)('mremap old_size 0, DONTUNMAP size rule, SIGBUS in grown shared anonymous memory', async () => {
    const r = await run([
      { op: 'mmap', addr: 0, length: 2 * PAGE, prot: RW, flags: ['SHARED', 'ANONYMOUS', 'FIXED'] },
      { op: 'mremap', old_address: 0, old_size: 0, new_size: 2 * PAGE, flags: ['MAYMOVE', 'FIXED'], new_address: MiB },
      { op: 'mremap', old_address: 0, old_size: 0, new_size: 2 * PAGE },
      anon(0x1_0000, 2),
      { op: 'mremap', old_address: 0x1_0000, old_size: 0, new_size: 2 * PAGE, flags: ['MAYMOVE'] },
      { op: 'mremap', old_address: 0x1_0000, old_size: PAGE, new_size: 2 * PAGE, flags: ['MAYMOVE', 'DONTUNMAP'] },
      { op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 4 * PAGE, flags: ['MAYMOVE', 'FIXED'], new_address: 2 * MiB },
      { op: 'read', addr: 2 * MiB + PAGE, length: 1 },
      { op: 'read', addr: 2 * MiB + 2 * PAGE, length: 1 },
    ]);
    expect(valueOf(r[1])).toBe(MiB);
    expect([2, 4, 5].map((k) => errnoOf(r[k]))).toEqual(['ENOMEM', 'EINVAL', 'EINVAL']);
    expect(valueOf(r[6])).toBe(2 * MiB);
    expect(valueOf(r[7])).toBe('00');
    expect(outcome(r[8])).toEqual({ ok: false, signal: 'SIGBUS', code: 'BUS_ADRERR', fault_addr: 2 * MiB + 2 * PAGE, done: 0 });
  });

  it.skipIf(!available)('madvise and mprotect refusals; EACCES above a read-only fd\'s maximum protection', async () => {
    const r = await run([
      { op: 'mmap', addr: 0, length: PAGE, prot: RW, flags: ['SHARED', 'ANONYMOUS', 'FIXED'] },
      { op: 'madvise', addr: 0, length: PAGE, advice: 'FREE' },
      { op: 'madvise', addr: 0, length: PAGE, advice: 'WIPEONFORK' },
      anon(0x1_0000, 1),
      { op: 'mprotect', addr: 0x1_0000, length: PAGE, prot: ['READ', 'GROWSDOWN'] },
      { op: 'msync', addr: 0x1_0000, length: PAGE, flags: [8] },
      { op: 'mlock', addr: 0x1_0000, length: PAGE },
      { op: 'madvise', addr: 0x1_0000, length: PAGE, advice: 'REMOVE' },
      { op: 'memfd_create', name: 'g', size: 2 * PAGE },
      { op: 'open', file: 'g', as: 'gro', mode: 'RDONLY' },
      { op: 'mmap', addr: 3 * MiB, length: PAGE, prot: R, flags: ['SHARED'], fd: 'gro' },
      { op: 'mprotect', addr: 3 * MiB, length: PAGE, prot: RW },
      { op: 'mmap', addr: 0x1_0000, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS', 'FIXED', 'FIXED_NOREPLACE'] },
    ]);
    expect(r.map(errnoOf)).toEqual([
      undefined, 'EINVAL', 'EINVAL', undefined, 'EINVAL', 'EINVAL', undefined, 'EINVAL', undefined, undefined, undefined, 'EACCES', 'EEXIST',
    ]);
  });

  it.skipIf(!available)('fork: WIPEONFORK gives the child zeros, DONTFORK leaves the child without the mapping', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'write', addr: 0, fill: 5, length: 2 * PAGE },
      { op: 'madvise', addr: 0, length: PAGE, advice: 'WIPEONFORK' },
      { op: 'madvise', addr: PAGE, length: PAGE, advice: 'DONTFORK' },
      { op: 'maps' },
      { op: 'fork' },
      { op: 'read', in: 'child', addr: 0, length: 1 },
      { op: 'read', in: 'child', addr: PAGE, length: 1 },
      { op: 'maps', in: 'child' },
      { op: 'read', addr: 0, length: 1 },
    ]);
    // The advice splits the VMA (different flags), and the split shows in maps.
    expect(valueOf(r[4])).toEqual(['00000000-00001000 rw-p 00000000 00:00 0 ', '00001000-00002000 rw-p 00000000 00:00 0 ']);
    expect(valueOf(r[6])).toBe('00');
    expect(outcome(r[7])).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', fault_addr: PAGE });
    expect(valueOf(r[8])).toEqual(['00000000-00001000 rw-p 00000000 00:00 0 ']);
    expect(valueOf(r[9])).toBe('05');
  });

  it.skipIf(!available)('a MAP_GROWSDOWN mapping grows on a fault below it; munmap rounds the last page up', async () => {
    const top = 1020 * MiB;
    const r = await run([
      { op: 'mmap', addr: top, length: 4 * PAGE, prot: RW, flags: ['PRIVATE', 'ANONYMOUS', 'FIXED', 'GROWSDOWN'] },
      { op: 'read', addr: top - PAGE, length: 1 },
      { op: 'maps' },
      anon(0, 2),
      { op: 'munmap', addr: 0, length: 1 },
      { op: 'maps' },
    ]);
    expect(valueOf(r[1])).toBe('00');
    expect(valueOf(r[2])).toEqual([`${(top - PAGE).toString(16).padStart(8, '0')}-${(top + 4 * PAGE).toString(16)} rw-p 00000000 00:00 0 `]);
    expect((valueOf(r[5]) as string[])[0]).toBe('00001000-00002000 rw-p 00000000 00:00 0 ');
  });
});
