import { describe, expect, it } from 'vitest';
import { PAGE, anon, available, errnoOf, outcome, run, skipReason, valueOf } from './test-support/probe.js';

describe(`userfaultfd on the live kernel ${skipReason}`, () => {
  it.skipIf(!available)('a missing fault from a second thread is resolved by COPY; REMOVE keeps the range registered', async () => {
    const r = await run([
      anon(0, 4),
      { op: 'uffd_create', flags: ['CLOEXEC', 'NONBLOCK'] },
      { op: 'uffd_api', features: ['EVENT_REMOVE', 'EVENT_UNMAP', 'THREAD_ID'] },
      { op: 'uffd_api', features: [] },
      { op: 'uffd_register', addr: 0, length: 4 * PAGE, mode: ['MISSING'] },
      { op: 'read', addr: PAGE + 8, length: 4, thread: 't1' },
      { op: 'uffd_read', count: 1 },
      { op: 'uffd_copy', addr: PAGE, fill: 0xab, length: PAGE },
      { op: 'join', thread: 't1' },
      { op: 'uffd_copy', addr: PAGE, fill: 0xab, length: PAGE },
      // madvise(DONTNEED) on the registered range blocks until its REMOVE event is read; fills get EAGAIN meanwhile.
      { op: 'madvise', addr: 0, length: 2 * PAGE, advice: 'DONTNEED', thread: 't2' },
      { op: 'poll', timeout_ms: 2000 },
      { op: 'uffd_copy', addr: 3 * PAGE, fill: 1, length: PAGE },
      { op: 'join', thread: 't2', timeout_ms: 20 },
      { op: 'uffd_read', count: 1 },
      { op: 'join', thread: 't2' },
      // Still registered: the next access faults again and ZEROPAGE resolves it.
      { op: 'write', addr: PAGE, data: '07', thread: 't3' },
      { op: 'uffd_read', count: 1 },
      { op: 'uffd_zeropage', addr: PAGE, length: PAGE },
      { op: 'join', thread: 't3' },
      { op: 'read', addr: PAGE, length: 2 },
      { op: 'munmap', addr: 3 * PAGE, length: PAGE, thread: 't4' },
      { op: 'uffd_read', count: 1 },
      { op: 'join', thread: 't4' },
    ]);
    expect(valueOf(r[2])).toMatchObject({ ioctls: expect.arrayContaining(['REGISTER', 'UNREGISTER', 'API']) as unknown });
    expect(errnoOf(r[3])).toBe('EINVAL');
    expect(valueOf(r[4])).toMatchObject({ ioctls: expect.arrayContaining(['WAKE', 'COPY', 'ZEROPAGE']) as unknown });
    // Without EXACT_ADDRESS the kernel reports the page address.
    expect(valueOf(r[6])).toEqual([{ event: 'PAGEFAULT', flags: [], address: PAGE, ptid: 't1' }]);
    expect(valueOf(r[7])).toBe(PAGE);
    expect(valueOf(r[8])).toEqual({ done: true, result: { ok: true, value: 'abababab' } });
    expect(outcome(r[9])).toEqual({ ok: false, errno: 'EEXIST', done: -17 });
    expect(valueOf(r[11])).toEqual(['POLLIN']);
    expect(outcome(r[12])).toEqual({ ok: false, errno: 'EAGAIN', done: -11 });
    expect(valueOf(r[13])).toEqual({ done: false });
    expect(valueOf(r[14])).toEqual([{ event: 'REMOVE', start: 0, end: 2 * PAGE }]);
    expect(valueOf(r[15])).toEqual({ done: true, result: { ok: true, value: 0 } });
    expect(valueOf(r[17])).toEqual([{ event: 'PAGEFAULT', flags: ['WRITE'], address: PAGE, ptid: 't3' }]);
    expect(valueOf(r[19])).toEqual({ done: true, result: { ok: true, value: 1 } });
    expect(valueOf(r[20])).toBe('0700');
    expect(valueOf(r[22])).toEqual([{ event: 'UNMAP', start: 3 * PAGE, end: 4 * PAGE }]);
    expect(valueOf(r[23])).toEqual({ done: true, result: { ok: true, value: 0 } });
  });

  it.skipIf(!available)('mremap raises REMAP then UNMAP of the old range, in that order', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'uffd_create' },
      { op: 'uffd_api', features: ['EVENT_REMAP', 'EVENT_UNMAP'] },
      { op: 'uffd_register', addr: 0, length: 2 * PAGE, mode: ['MISSING'] },
      {
        op: 'mremap', old_address: 0, old_size: 2 * PAGE, new_size: 2 * PAGE,
        flags: ['MAYMOVE', 'FIXED'], new_address: 0x10_0000, thread: 'mover',
      },
      { op: 'uffd_read', count: 1 },
      { op: 'join', thread: 'mover', timeout_ms: 20 },
      { op: 'uffd_read', count: 1 },
      { op: 'join', thread: 'mover' },
      { op: 'maps' },
    ]);
    expect(valueOf(r[5])).toEqual([{ event: 'REMAP', from: 0, to: 0x10_0000, len: 2 * PAGE }]);
    expect(valueOf(r[7])).toEqual([{ event: 'UNMAP', start: 0, end: 2 * PAGE }]);
    expect(valueOf(r[8])).toEqual({ done: true, result: { ok: true, value: 0x10_0000 } });
    expect(valueOf(r[9])).toEqual(['00100000-00102000 rw-p 00000000 00:00 0 ']);
    void r[6];
  });

  it.skipIf(!available)('fork with EVENT_FORK waits for its event; the child\'s faults arrive on the new uffd', async () => {
    const r = await run([
      anon(0, 2),
      { op: 'uffd_create', flags: ['NONBLOCK'] },
      { op: 'uffd_api', features: ['EVENT_FORK', 'THREAD_ID'] },
      { op: 'uffd_register', addr: 0, length: 2 * PAGE, mode: 'MISSING' },
      { op: 'fork', thread: 'forker' },
      { op: 'join', thread: 'forker', timeout_ms: 20 },
      { op: 'uffd_read', count: 1 },
      { op: 'join', thread: 'forker' },
      { op: 'read', in: 'child', addr: PAGE, length: 1, thread: 'ct' },
      { op: 'uffd_read', uffd: 'uffd.fork1', count: 1 },
      { op: 'uffd_zeropage', uffd: 'uffd.fork1', addr: PAGE, length: PAGE },
      { op: 'join', in: 'child', thread: 'ct' },
    ]);
    expect(valueOf(r[5])).toEqual({ done: false });
    expect(valueOf(r[6])).toEqual([{ event: 'FORK', ufd: 'uffd.fork1' }]);
    expect(valueOf(r[7])).toEqual({ done: true, result: { ok: true, value: 'child' } });
    expect(valueOf(r[9])).toEqual([{ event: 'PAGEFAULT', flags: [], address: PAGE, ptid: 'child/ct' }]);
    expect(valueOf(r[11])).toEqual({ done: true, result: { ok: true, value: '00' } });
  });

  it.skipIf(!available)('write-protect faults carry WRITE|WP and unprotecting wakes the writer', async () => {
    const r = await run([
      anon(0, 1),
      { op: 'write', addr: 0, fill: 3, length: PAGE },
      { op: 'uffd_create', flags: ['NONBLOCK'] },
      { op: 'uffd_api', features: ['PAGEFAULT_FLAG_WP', 'THREAD_ID'] },
      { op: 'uffd_register', addr: 0, length: PAGE, mode: ['MISSING', 'WP'] },
      { op: 'uffd_writeprotect', addr: 0, length: PAGE, mode: 'WP' },
      { op: 'write', addr: 8, data: '09', thread: 'w' },
      { op: 'uffd_read', count: 1 },
      { op: 'uffd_writeprotect', addr: 0, length: PAGE, mode: [] },
      { op: 'join', thread: 'w' },
      { op: 'read', addr: 7, length: 3 },
      { op: 'uffd_register', addr: 0, length: 0, mode: 'MISSING' },
      { op: 'uffd_register', addr: 0, length: PAGE, mode: 0 },
    ]);
    expect(valueOf(r[4])).toMatchObject({ ioctls: expect.arrayContaining(['WRITEPROTECT']) as unknown });
    expect(valueOf(r[7])).toEqual([{ event: 'PAGEFAULT', flags: ['WRITE', 'WP'], address: 0, ptid: 'w' }]);
    expect(valueOf(r[9])).toEqual({ done: true, result: { ok: true, value: 1 } });
    expect(valueOf(r[10])).toBe('030903');
    expect([errnoOf(r[11]), errnoOf(r[12])]).toEqual(['EINVAL', 'EINVAL']);
  });

  it.skipIf(!available)('read() returns a pending page fault before an earlier queued REMOVE', async () => {
    const r = await run([
      anon(0, 4),
      { op: 'uffd_create', name: 'u', flags: ['NONBLOCK'] },
      { op: 'uffd_api', uffd: 'u', features: ['EVENT_REMOVE', 'THREAD_ID'] },
      { op: 'uffd_register', uffd: 'u', addr: 0, length: 4 * PAGE, mode: 'MISSING' },
      { op: 'madvise', addr: 3 * PAGE, length: PAGE, advice: 'DONTNEED', thread: 'remover' },
      { op: 'wait_blocked', thread: 'remover' },
      { op: 'read', addr: PAGE, length: 1, thread: 'faulter' },
      { op: 'wait_blocked', thread: 'faulter' },
      { op: 'uffd_read', uffd: 'u', count: 2 },
      // A copy right here races with the remover resuming (EAGAIN or success): mmap_changing drops only when
      // the remover runs again, so wait for it first.
      { op: 'join', thread: 'remover' },
      { op: 'uffd_copy', uffd: 'u', addr: PAGE, fill: 5, length: PAGE },
      { op: 'join', thread: 'faulter' },
    ]);
    expect([valueOf(r[5]), valueOf(r[7])]).toEqual(['userfaultfd_event_wait_completion', 'handle_userfault']);
    expect(valueOf(r[8])).toEqual([
      { event: 'PAGEFAULT', flags: [], address: PAGE, ptid: 'faulter' },
      { event: 'REMOVE', start: 3 * PAGE, end: 4 * PAGE },
    ]);
    expect(valueOf(r[9])).toEqual({ done: true, result: { ok: true, value: 0 } });
    expect(valueOf(r[10])).toBe(PAGE);
    expect(valueOf(r[11])).toEqual({ done: true, result: { ok: true, value: '05' } });
  });

  it.skipIf(!available)('a probe error inside a thread\'s op is reported when the thread is joined', async () => {
    const { runScenario, ProbeScenarioError } = await import('./index.js');
    const p = runScenario([
      { op: 'uffd_read', uffd: 'missing', thread: 't' },
      { op: 'join', thread: 't' },
    ]);
    await expect(p).rejects.toBeInstanceOf(ProbeScenarioError);
    await expect(p).rejects.toThrow(/no fd named "missing"/);
  });
});
