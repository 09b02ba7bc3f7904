import { describe, expect, it } from 'vitest';
import { ANON_FIXED, PAGE, R, anon, available, errnoOf, run, skipReason, valueOf } from './test-support/probe.js';

describe(`mmap, munmap, mprotect on the live kernel ${skipReason}`, () => {
  it.skipIf(!available)('mmap errnos: len 0, PRIVATE|SHARED rules, alignment, NOREPLACE, huge length', async () => {
    const r = await run([
      { op: 'mmap', addr: 0, length: 0, prot: R, flags: ['PRIVATE', 'ANONYMOUS'] },
      { op: 'mmap', addr: 0, length: PAGE, prot: R, flags: ['ANONYMOUS'] },
      { op: 'mmap', addr: 1, length: PAGE, prot: R, flags: ANON_FIXED },
      anon(0, 2),
      { op: 'mmap', addr: PAGE, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS', 'FIXED_NOREPLACE'] },
      { op: 'mmap', addr: 2 * PAGE, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS', 'FIXED_NOREPLACE'] },
      { op: 'mmap', addr: 1, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS', 'FIXED_NOREPLACE'] },
      { op: 'mmap', addr: 0, length: -1, prot: R, flags: ['PRIVATE', 'ANONYMOUS'] },
      { op: 'memfd_create', name: 'f', size: PAGE },
      { op: 'mmap', addr: 0, length: PAGE, prot: R, flags: ['SHARED_VALIDATE', 0x200], fd: 'f' },
      // The kernel checks SHARED_VALIDATE's unknown bits only for file mappings; anonymous ones get EINVAL.
      { op: 'mmap', addr: 0, length: PAGE, prot: R, flags: ['SHARED_VALIDATE', 'ANONYMOUS', 0x200] },
      { op: 'mmap', addr: 0, length: PAGE, prot: R, flags: ['PRIVATE'], fd: 999 },
      { op: 'mmap', addr: 0, length: PAGE, prot: R, flags: ['PRIVATE'], fd: 'f', offset: -PAGE },
    ]);
    expect(r.map(errnoOf)).toEqual([
      'EINVAL',
      'EINVAL',
      'EINVAL',
      undefined,
      'EEXIST',
      undefined,
      'EINVAL',
      'ENOMEM',
      undefined,
      'EOPNOTSUPP',
      'EINVAL',
      'EBADF',
      'EOVERFLOW',
    ]);
    expect(valueOf(r[5])).toBe(2 * PAGE);
  });

  it.skipIf(!available)('a hint outside any mapping is used; results outside the window are marked absolute', async () => {
    const r = await run([
      { op: 'mmap', addr: 0x10_0000, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS'] },
      { op: 'mmap', addr: null, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS'] },
    ]);
    expect(valueOf(r[0])).toBe(0x10_0000);
    expect(valueOf(r[1])).toMatchObject({ abs: expect.stringMatching(/^0x[0-9a-f]+$/) as unknown });
  });

  it.skipIf(!available)('munmap: unaligned EINVAL, len 0 EINVAL, nothing mapped is fine', async () => {
    const r = await run([
      { op: 'munmap', addr: 1, length: PAGE },
      { op: 'munmap', addr: 0, length: 0 },
      { op: 'munmap', addr: 0x20_0000, length: PAGE },
      { op: 'munmap', addr: 0, length: -PAGE },
    ]);
    expect(r.map(errnoOf)).toEqual(['EINVAL', 'EINVAL', undefined, 'EINVAL']);
  });

  it.skipIf(!available)('mprotect over a hole fails with ENOMEM but has changed the VMA before it', async () => {
    const r = await run([
      anon(0, 2),
      anon(3 * PAGE, 1),
      { op: 'mprotect', addr: 0, length: 4 * PAGE, prot: R },
      { op: 'maps' },
      { op: 'mprotect', addr: 1, length: PAGE, prot: R },
      { op: 'mprotect', addr: 0, length: 0, prot: R },
    ]);
    expect(errnoOf(r[2])).toBe('ENOMEM');
    expect(valueOf(r[3])).toEqual(['00000000-00002000 r--p 00000000 00:00 0 ', '00003000-00004000 rw-p 00000000 00:00 0 ']);
    expect(errnoOf(r[4])).toBe('EINVAL');
    expect(valueOf(r[5])).toBe(0);
  });

  it.skipIf(!available)('mremap rules: EINVAL, EFAULT, ENOMEM in place, MAYMOVE, FIXED overlap', async () => {
    const r = await run([
      anon(0, 2),
      anon(2 * PAGE, 1, R),
      { op: 'mremap', old_address: 1, old_size: PAGE, new_size: PAGE },
      { op: 'mremap', old_address: 0, old_size: PAGE, new_size: 0 },
      { op: 'mremap', old_address: 0, old_size: PAGE, new_size: PAGE, flags: ['FIXED'], new_address: 0x10_0000 },
      { op: 'mremap', old_address: 0x40_0000, old_size: PAGE, new_size: PAGE },
      { op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 4 * PAGE },
      { op: 'mremap', old_address: 0, old_size: 3 * PAGE, new_size: 4 * PAGE, flags: ['MAYMOVE'] },
      { op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 2 * PAGE, flags: ['MAYMOVE', 'FIXED'], new_address: PAGE },
      { op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 3 * PAGE, flags: ['MAYMOVE', 'DONTUNMAP'] },
      { op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 4 * PAGE, flags: ['MAYMOVE', 'FIXED'], new_address: 0x10_0000 },
      { op: 'mremap', old_address: 0, old_size: PAGE, new_size: PAGE, flags: [8] },
      { op: 'maps' },
    ]);
    expect(r.slice(2, 12).map(errnoOf)).toEqual([
      'EINVAL',
      'EINVAL',
      'EINVAL',
      'EFAULT',
      'ENOMEM',
      'EFAULT',
      'EINVAL',
      'EINVAL',
      undefined,
      'EINVAL',
    ]);
    expect(valueOf(r[10])).toBe(0x10_0000);
    expect(valueOf(r[12])).toEqual([
      '00002000-00003000 r--p 00000000 00:00 0 ',
      '00100000-00104000 rw-p 00000000 00:00 0 ',
    ]);
  });

  it.skipIf(!available)('madvise DONTNEED zeroes private anonymous pages; unknown advice and holes', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'write', addr: 0, fill: 0xab, length: 2 * PAGE },
      { op: 'madvise', addr: 0, length: PAGE, advice: 'DONTNEED' },
      { op: 'read', addr: PAGE - 2, length: 4 },
      { op: 'madvise', addr: 0, length: PAGE, advice: 9999 },
      { op: 'madvise', addr: 0, length: 4 * PAGE, advice: 'DONTNEED' },
      { op: 'read', addr: PAGE, length: 2 },
      { op: 'madvise', addr: 1, length: PAGE, advice: 'NORMAL' },
      { op: 'madvise', addr: 0, length: 0, advice: 'DONTNEED' },
    ]);
    expect(valueOf(r[3])).toBe('0000abab');
    expect(errnoOf(r[4])).toBe('EINVAL');
    expect(errnoOf(r[5])).toBe('ENOMEM');
    expect(valueOf(r[6])).toBe('0000'); // the advice still applied to the mapped part
    expect(errnoOf(r[7])).toBe('EINVAL');
    expect(valueOf(r[8])).toBe(0);
  });

  it.skipIf(!available)('mincore reports residency; unaligned EINVAL, unmapped ENOMEM', async () => {
    const r = await run([
      anon(0, 3),
      { op: 'write', addr: PAGE, fill: 1, length: 1 },
      { op: 'mincore', addr: 0, length: 3 * PAGE },
      { op: 'mincore', addr: 1, length: PAGE },
      { op: 'mincore', addr: 0, length: 5 * PAGE },
      { op: 'mincore', addr: 0, length: 0 },
      { op: 'mincore', addr: 0, length: -1 },
    ]);
    expect(valueOf(r[2])).toEqual([0, 1, 0]);
    expect(r.slice(3).map(errnoOf)).toEqual(['EINVAL', 'ENOMEM', undefined, 'ENOMEM']);
  });

  it.skipIf(!available)('brk grows from the initial break, never below it, and reports the break on failure', async () => {
    const r = await run([
      { op: 'brk' },
      { op: 'brk', addr: 3 * PAGE },
      { op: 'write', addr: { abs: 0 }, fill: 0, length: 0 },
      { op: 'brk', addr: -PAGE },
      { op: 'brk', addr: PAGE },
      { op: 'setrlimit', resource: 'DATA', cur: 0 },
      { op: 'brk', addr: 64 * PAGE },
      { op: 'heap_maps' },
    ]);
    expect([0, 1, 3, 4, 6].map((k) => valueOf(r[k]))).toEqual([0, 3 * PAGE, 3 * PAGE, PAGE, PAGE]);
    expect(valueOf(r[7])).toEqual([`${'00000000-00001000 rw-p 00000000 00:00 0 '.padEnd(73)}[heap]`]);
  });

  it.skipIf(!available)('mlock, msync and mlockall errnos', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'mlock', addr: 0, length: 3 * PAGE },
      { op: 'mlock2', addr: 0, length: PAGE, flags: [2] },
      { op: 'mlock', addr: 0, length: PAGE },
      { op: 'madvise', addr: 0, length: PAGE, advice: 'DONTNEED' },
      { op: 'msync', addr: 0, length: PAGE, flags: ['INVALIDATE'] },
      { op: 'msync', addr: 0, length: PAGE, flags: ['SYNC', 'ASYNC'] },
      { op: 'msync', addr: 0, length: 4 * PAGE, flags: ['ASYNC'] },
      { op: 'mlockall', flags: 0 },
      { op: 'munlock', addr: 0, length: 2 * PAGE },
    ]);
    expect(r.slice(1).map(errnoOf)).toEqual(['ENOMEM', 'EINVAL', undefined, 'EINVAL', 'EBUSY', 'EINVAL', 'ENOMEM', 'EINVAL', undefined]);
  });

  it.skipIf(!available)('PR_SET_VMA_ANON_NAME follows the kernel (EINVAL everywhere without CONFIG_ANON_VMA_NAME)', async () => {
    const { probeInfo } = await import('./index.js');
    const info = await probeInfo();
    const r = await run([
      anon(0, 2),
      { op: 'prctl_set_vma_anon_name', addr: 0, length: PAGE, name: 'heap-1' },
      { op: 'prctl_set_vma_anon_name', addr: 0, length: PAGE, name: 'x'.repeat(80) },
      { op: 'prctl_set_vma_anon_name', addr: 0, length: PAGE, name: 'bad$' },
      { op: 'prctl_set_vma_anon_name', addr: 0, length: 4 * PAGE, name: 'gap' },
      { op: 'maps' },
    ]);
    if (info.anon_vma_name) {
      expect(r.slice(1, 5).map(errnoOf)).toEqual([undefined, 'EINVAL', 'EINVAL', 'ENOMEM']);
      expect((valueOf(r[5]) as string[])[0]).toMatch(/\[anon:heap-1\]$/);
    } else {
      expect(r.slice(1, 5).map(errnoOf)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
    }
  });
});
