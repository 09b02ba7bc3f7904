import { describe, expect, it } from 'vitest';
import { PAGE, R, RW, anon, available, errnoOf, outcome, run, skipReason, valueOf } from './test-support/probe.js';

describe(`memory access on the live kernel ${skipReason}`, () => {
  it.skipIf(!available)('user-mode faults carry the signal, si_code, relative address and bytes done', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'mprotect', addr: PAGE, length: PAGE, prot: R },
      { op: 'write', addr: PAGE - 4, data: '0102030405060708' },
      { op: 'read', addr: 4 * PAGE, length: 1 },
      { op: 'mprotect', addr: 0, length: PAGE, prot: ['NONE'] },
      { op: 'read', addr: 8, length: 1 },
      { op: 'mprotect', addr: 0, length: PAGE, prot: ['WRITE'] },
      { op: 'read', addr: PAGE - 4, length: 4 }, // a write-only mapping is readable
      { op: 'exec', addr: 0 },
    ]);
    expect(outcome(r[2])).toEqual({ ok: false, signal: 'SIGSEGV', code: 'SEGV_ACCERR', fault_addr: PAGE, done: 4 });
    expect(outcome(r[3])).toEqual({ ok: false, signal: 'SIGSEGV', code: 'SEGV_MAPERR', fault_addr: 4 * PAGE, done: 0 });
    expect(outcome(r[5])).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', fault_addr: 8 });
    expect(valueOf(r[7])).toBe('01020304');
    expect(outcome(r[8])).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', fault_addr: 0 });
  });

  it.skipIf(!available)('a memfd mapping: zeros after EOF on the EOF page, SIGBUS past it, writes there never reach the file', async () => {
    const r = await run([
      { op: 'memfd_create', name: 'f', size: 6000 },
      { op: 'pwrite', fd: 'f', offset: 0, fill: 0x11, length: 6000 },
      { op: 'mmap', addr: 0, length: 3 * PAGE, prot: RW, flags: ['SHARED'], fd: 'f' },
      { op: 'read', addr: 5998, length: 4 },
      { op: 'write', addr: 6100, data: 'ff' },
      { op: 'pread', fd: 'f', offset: 5998, length: 100 },
      { op: 'read', addr: 2 * PAGE - 2, length: 4 },
      { op: 'open', file: 'f', as: 'ro', mode: 'RDONLY' },
      { op: 'open', file: 'f', as: 'wo', mode: 'WRONLY' },
      { op: 'mmap', addr: 0x10_0000, length: PAGE, prot: RW, flags: ['SHARED'], fd: 'ro' },
      { op: 'mmap', addr: 0x10_0000, length: PAGE, prot: RW, flags: ['PRIVATE'], fd: 'ro' },
      { op: 'mmap', addr: 0x20_0000, length: PAGE, prot: R, flags: ['PRIVATE'], fd: 'wo' },
      { op: 'ftruncate', fd: 'f', size: 100 },
      { op: 'read', addr: PAGE, length: 1 },
    ]);
    expect(valueOf(r[3])).toBe('11110000');
    expect(valueOf(r[5])).toBe('1111');
    expect(outcome(r[6])).toEqual({ ok: false, signal: 'SIGBUS', code: 'BUS_ADRERR', fault_addr: 2 * PAGE, done: 2 });
    expect([9, 10, 11].map((k) => errnoOf(r[k]))).toEqual(['EACCES', undefined, 'EACCES']);
    expect(outcome(r[13])).toMatchObject({ signal: 'SIGBUS', fault_addr: PAGE });
  });

  it.skipIf(!available)('kernel-mode access: EFAULT when nothing is readable, partial counts otherwise', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'write', addr: 0, fill: 0x5a, length: 2 * PAGE },
      { op: 'process_vm_readv', addr: 2 * PAGE - 4, length: 64 },
      { op: 'process_vm_readv', addr: 4 * PAGE, length: 64 },
      { op: 'kernel_read', addr: 4 * PAGE, length: 64 },
      { op: 'kernel_write', addr: PAGE - 2, data: 'aabbccdd' },
      { op: 'read', addr: PAGE - 2, length: 4 },
      { op: 'process_vm_writev', addr: 2 * PAGE - 2, data: '01020304' },
      { op: 'hash', addr: 0, length: 2 * PAGE },
      { op: 'hash', addr: 0, length: 3 * PAGE },
    ]);
    expect(outcome(r[2])).toEqual({ ok: true, value: 4, data: '5a5a5a5a' });
    expect(errnoOf(r[3])).toBe('EFAULT');
    expect(errnoOf(r[4])).toBe('EFAULT');
    expect(valueOf(r[5])).toBe(4);
    expect(valueOf(r[6])).toBe('aabbccdd');
    expect(valueOf(r[7])).toBe(2);
    expect(valueOf(r[8])).toMatch(/^[0-9a-f]{16}$/);
    expect(outcome(r[9])).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', done: 2 * PAGE });
  });

  it.skipIf(!available)('hash is standard FNV-1a 64', async () => {
    // Published test vectors: FNV-1a 64 of "a" and of "foobar".
    const r = await run([
      anon(0, 1),
      { op: 'write', addr: 0, data: '61' },
      { op: 'hash', addr: 0, length: 1 },
      { op: 'write', addr: 0, data: '666f6f626172' },
      { op: 'hash', addr: 0, length: 6 },
    ]);
    expect(valueOf(r[2])).toBe('af63dc4c8601ec8c');
    expect(valueOf(r[4])).toBe('85944171f73967e8');
  });

  it.skipIf(!available)('/proc/self/mem (FOLL_FORCE), PAGEMAP_SCAN regions and clear_refs answers', async () => {
    const r = await run([
      anon(0, 3),
      { op: 'write', addr: PAGE, data: 'a5' },
      { op: 'mprotect', addr: PAGE, length: PAGE, prot: ['NONE'] },
      { op: 'proc_mem_read', addr: PAGE, length: 2 },
      { op: 'proc_mem_write', addr: PAGE, data: '0102' },
      { op: 'proc_mem_read', addr: 3 * PAGE - 2, length: 8 },
      { op: 'proc_mem_read', addr: 3 * PAGE, length: 1 },
      { op: 'pagemap_scan', start: 0, end: 4 * PAGE, category_mask: ['PRESENT'], return_mask: ['PRESENT'] },
      { op: 'pagemap_scan', start: 1, end: 4 * PAGE },
      { op: 'clear_refs', value: 5 },
      { op: 'clear_refs', value: 6 },
      { op: 'clear_refs', value: 2 ** 32 },
    ]);
    expect(outcome(r[3])).toEqual({ ok: true, value: 2, data: 'a500' });
    expect(outcome(r[4])).toEqual({ ok: true, value: 2 });
    expect(outcome(r[5])).toEqual({ ok: true, value: 2, data: '0000' });
    expect(errnoOf(r[6])).toBe('EIO');
    // PAGEMAP_SCAN is Linux 6.7+: older kernels answer ENOTTY to both calls.
    if (errnoOf(r[7]) !== 'ENOTTY') {
      // The written page and the zero page the forced read of page 2 mapped are present; the rest is not.
      expect(valueOf(r[7])).toEqual({ regions: [{ start: PAGE, end: 3 * PAGE, categories: 8 }], walk_end: 4 * PAGE });
      expect(errnoOf(r[8])).toBe('EINVAL');
    }
    expect(valueOf(r[9])).toBe(0);
    expect(errnoOf(r[10])).toBe('EINVAL');
    expect(errnoOf(r[11])).toBe('ERANGE');
  });
});
