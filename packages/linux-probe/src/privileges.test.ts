import { describe, expect, it } from 'vitest';
import { probeInfo } from './index.js';
import { PAGE, R, anon, available, errnoOf, run, skipReason } from './test-support/probe.js';

describe(`privilege-dependent rules, after dropping capabilities ${skipReason}`, () => {
  it.skipIf(!available)('RLIMIT_MEMLOCK applies without CAP_IPC_LOCK: ENOMEM over it, EPERM at 0, EAGAIN for growth', async () => {
    const r = await run([
      anon(0, 4),
      { op: 'setrlimit', resource: 'MEMLOCK', cur: 2 * PAGE },
      { op: 'mlock', addr: 0, length: 3 * PAGE }, // as root: allowed despite the limit
      { op: 'munlock', addr: 0, length: 4 * PAGE },
      { op: 'drop_caps', caps: ['IPC_LOCK'] },
      { op: 'mlock', addr: 0, length: 3 * PAGE },
      { op: 'mlock', addr: 0, length: PAGE },
      { op: 'mremap', old_address: 0, old_size: PAGE, new_size: 3 * PAGE },
      { op: 'setrlimit', resource: 'MEMLOCK', cur: 0 },
      { op: 'mlock', addr: 2 * PAGE, length: PAGE },
      { op: 'mmap', addr: 0x10_0000, length: PAGE, prot: R, flags: ['PRIVATE', 'ANONYMOUS', 'LOCKED'] },
    ]);
    expect(r.slice(2).map(errnoOf)).toEqual([undefined, undefined, undefined, 'ENOMEM', undefined, 'EAGAIN', undefined, 'EPERM', 'EPERM']);
  });

  it.skipIf(!available)('userfaultfd without CAP_SYS_PTRACE: USER_MODE_ONLY required, EVENT_FORK refused', async () => {
    const r = await run([
      { op: 'drop_caps', caps: ['SYS_PTRACE'] },
      { op: 'uffd_create', name: 'a' },
      { op: 'uffd_create', name: 'b', flags: ['CLOEXEC', 'USER_MODE_ONLY'] },
      { op: 'uffd_api', uffd: 'b', features: ['EVENT_FORK'] },
      { op: 'uffd_api', uffd: 'b', features: ['EVENT_REMOVE'] },
    ]);
    // With vm.unprivileged_userfaultfd = 1 the kernel lets any process create one.
    const open = (await probeInfo()).unprivileged_userfaultfd === 1;
    expect(r.map(errnoOf)).toEqual([undefined, open ? undefined : 'EPERM', undefined, 'EPERM', undefined]);
  });
});
