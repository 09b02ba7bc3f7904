import { describe, expect, it } from 'vitest';
import { PAGE, RW, anon, available, run, skipReason, valueOf } from './test-support/probe.js';

describe(`fork on the live kernel ${skipReason}`, () => {
  it.skipIf(!available)('private memory is copy-on-write, shared memory is shared, DONTNEED stays in the child', async () => {
    const r = await run([
      anon(0, 1),
      { op: 'mmap', addr: PAGE, length: PAGE, prot: RW, flags: ['SHARED', 'ANONYMOUS', 'FIXED'] },
      { op: 'write', addr: 0, fill: 1, length: 2 * PAGE },
      { op: 'fork', child: 'kid' },
      { op: 'write', in: 'kid', addr: 0, data: '0909' },
      { op: 'write', in: 'kid', addr: PAGE, data: '0808' },
      { op: 'read', addr: 0, length: 2 },
      { op: 'read', addr: PAGE, length: 2 },
      { op: 'madvise', in: 'kid', addr: 0, length: PAGE, advice: 'DONTNEED' },
      { op: 'read', in: 'kid', addr: 0, length: 2 },
      { op: 'read', addr: 0, length: 2 },
      { op: 'fork', in: 'kid', child: 'grandkid' },
      { op: 'read', in: 'grandkid', addr: PAGE, length: 2 },
      { op: 'maps', in: 'grandkid' },
    ]);
    expect(r.map((x) => x.in ?? 'parent')).toEqual([
      'parent', 'parent', 'parent', 'parent', 'kid', 'kid', 'parent', 'parent', 'kid', 'kid', 'parent', 'kid', 'grandkid', 'grandkid',
    ]);
    expect(valueOf(r[3])).toBe('kid');
    expect(valueOf(r[6])).toBe('0101');
    expect(valueOf(r[7])).toBe('0808');
    expect(valueOf(r[9])).toBe('0000');
    expect(valueOf(r[10])).toBe('0101');
    expect(valueOf(r[12])).toBe('0808');
    expect((valueOf(r[13]) as string[]).length).toBe(2);
  });
});
