/** gVisor munmap.cc, madvise.cc, mlock.cc, msync.cc, mincore.cc, brk.cc and fork.cc cases, same names. */
import { describe, expect, it } from 'vitest';
import { Advice, MapFlags, MsyncFlags, Prot } from '../abi/constants.js';
import { bytes, errno, FIX, newMm, P, PA, peek, poke, RW, SA, W } from '../test-support/setup.js';

describe('gVisor munmap.cc', () => {
  it('ZeroLength', () => {
    expect(errno(() => newMm().munmap(W, 0))).toBe('EINVAL');
  });
  it('LastPageRoundUp', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    mm.munmap(W, P + 1); // rounds up to two pages
    expect(mm.read(W + P, 1).ok).toBe(false);
  });
  it('UnmappedRangeIsNotAnError', () => {
    expect(newMm().munmap(W, 16 * P)).toBe(0);
  });
});

describe('gVisor madvise.cc', () => {
  it('DontneedZerosPrivateAnonPage', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(8, 1));
    mm.madvise(W, P, Advice.DONTNEED);
    expect([...peek(mm, W, 2)]).toEqual([0, 0]);
  });
  it('ZerosCOWAnonPageInCallerOnly', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(8, 1));
    const child = mm.fork();
    child.madvise(W, P, Advice.DONTNEED);
    expect(peek(child, W, 1)[0]).toBe(0);
    expect(peek(mm, W, 1)[0]).toBe(1);
  });
  it('DoesNotModifySharedAnon', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, SA | FIX);
    poke(mm, W, bytes(8, 1));
    mm.madvise(W, P, Advice.DONTNEED);
    expect(peek(mm, W, 1)[0]).toBe(1);
  });
  it('DoesNotModifySharedFile', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', P);
    mm.mmap(W, P, RW, MapFlags.SHARED | FIX, fd, 0);
    poke(mm, W, bytes(8, 1));
    mm.madvise(W, P, Advice.DONTNEED);
    expect(peek(mm, W, 1)[0]).toBe(1);
  });
  it('CleansPrivateFilePage', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', P);
    mm.fd(fd).file.pwrite(bytes(4, 5), 0);
    mm.mmap(W, P, RW, MapFlags.PRIVATE | FIX, fd, 0);
    poke(mm, W, bytes(4, 9));
    mm.madvise(W, P, Advice.DONTNEED);
    expect(peek(mm, W, 1)[0]).toBe(5);
  });
  it('IgnoresPermissions', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(1, 1));
    mm.mprotect(W, P, Prot.NONE);
    expect(mm.madvise(W, P, Advice.DONTNEED)).toBe(0);
    mm.mprotect(W, P, Prot.READ);
    expect(peek(mm, W, 1)[0]).toBe(0);
  });
  it('DontforkShared', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, SA | FIX);
    mm.madvise(W, P, Advice.DONTFORK);
    const child = mm.fork();
    expect(child.read(W, 1).ok).toBe(false);
  });
  it('DontforkAnonPrivate', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    poke(mm, W, bytes(1, 3));
    mm.madvise(W + P, P, Advice.DONTFORK);
    const child = mm.fork();
    expect(peek(child, W, 1)[0]).toBe(3);
    expect(child.read(W + P, 1).ok).toBe(false);
  });
  it('WipeOnFork zeroes the child only; not allowed on shared memory', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(1, 3));
    mm.madvise(W, P, Advice.WIPEONFORK);
    const child = mm.fork();
    expect(peek(child, W, 1)[0]).toBe(0);
    expect(peek(mm, W, 1)[0]).toBe(3);
    mm.mmap(W + 4 * P, P, RW, SA | FIX);
    expect(errno(() => mm.madvise(W + 4 * P, P, Advice.WIPEONFORK))).toBe('EINVAL');
  });
  it('UnmappedPartsAreENOMEMButAdviceApplies', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(1, 3));
    expect(errno(() => mm.madvise(W, 2 * P, Advice.DONTNEED))).toBe('ENOMEM');
    expect(peek(mm, W, 1)[0]).toBe(0);
  });
});

describe('gVisor mlock.cc', () => {
  const locked = (): ReturnType<typeof newMm> => newMm({ rlimits: { MEMLOCK: { cur: 16 * P, max: 16 * P } } });
  it('Basic', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    expect(mm.mlock(W, P)).toBe(0);
    expect(mm.mincore(W, P)[0]).toBe(1);
    expect(mm.stats.lockedVm).toBe(1);
  });
  it('ProtNone', () => {
    const mm = locked();
    mm.mmap(W, P, Prot.NONE, PA | FIX);
    expect(errno(() => mm.mlock(W, P))).toBe('ENOMEM');
    expect(mm.vmas().find((v) => v.start === W)?.locked).toBe(true);
  });
  it('MadviseDontneed', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    mm.mlock(W, P);
    expect(errno(() => mm.madvise(W, P, Advice.DONTNEED))).toBe('EINVAL');
  });
  it('MsyncInvalidate', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    mm.mlock(W, P);
    expect(errno(() => mm.msync(W, P, MsyncFlags.INVALIDATE))).toBe('EBUSY');
  });
  it('Fork', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    mm.mlock(W, P);
    expect(mm.fork().vmas().find((v) => v.start === W)?.locked).toBe(false);
  });
  it('RlimitMemlockZero', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 0, max: 0 } } });
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mlock(W, P))).toBe('EPERM');
    expect(errno(() => mm.mmap(W + P, P, RW, PA | FIX | MapFlags.LOCKED))).toBe('EPERM');
  });
  it('RlimitMemlockInsufficient', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: P, max: P } } });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    expect(errno(() => mm.mlock(W, 2 * P))).toBe('ENOMEM');
    expect(errno(() => mm.mmap(W + 4 * P, 2 * P, RW, PA | FIX | MapFlags.LOCKED))).toBe('EAGAIN');
  });
  it('RlimitMemlockIgnoredWithCapIpcLock', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 0, max: 0 } }, capIpcLock: true });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    expect(mm.mlock(W, 2 * P)).toBe(0);
  });
  it('Munlock', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    mm.mlock(W, P);
    expect(mm.munlock(W, P)).toBe(0);
    expect(mm.stats.lockedVm).toBe(0);
    expect(errno(() => mm.munlock(W, 2 * P))).toBe('ENOMEM');
  });
  it('MlockallFuture', () => {
    const mm = locked();
    expect(mm.mlockall(2)).toBe(0);
    mm.mmap(W, P, RW, PA | FIX);
    expect(mm.vmas().find((v) => v.start === W)?.locked).toBe(true);
    mm.munlockall();
    mm.mmap(W + 4 * P, P, RW, PA | FIX);
    expect(mm.vmas().find((v) => v.start === W + 4 * P)?.locked).toBe(false);
    expect(errno(() => mm.mlockall(0))).toBe('EINVAL');
    expect(errno(() => mm.mlockall(4))).toBe('EINVAL');
  });
  it('Mlock2NoFlags', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    expect(mm.mlock2(W, P, 0)).toBe(0);
    expect(mm.mincore(W, P)[0]).toBe(1);
  });
  it('Mlock2MlockOnfault', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    expect(mm.mlock2(W, P, 1)).toBe(0);
    expect(mm.mincore(W, P)[0]).toBe(0);
  });
  it('Mlock2UnknownFlags', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mlock2(W, P, 2))).toBe('EINVAL');
  });
  it('MapLocked', () => {
    const mm = locked();
    mm.mmap(W, P, RW, PA | FIX | MapFlags.LOCKED);
    expect(mm.mincore(W, P)[0]).toBe(1);
    expect(mm.stats.lockedVm).toBe(1);
  });
  it('MremapLocked (EAGAIN)', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 2 * P, max: 2 * P } } });
    mm.mmap(W, 2 * P, RW, PA | FIX | MapFlags.LOCKED);
    expect(errno(() => mm.mremap(W, 2 * P, 4 * P, 1))).toBe('EAGAIN');
  });
});

describe('gVisor msync.cc', () => {
  it('flag and range rules', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.msync(W + 1, P, 0))).toBe('EINVAL');
    expect(errno(() => mm.msync(W, P, MsyncFlags.SYNC | MsyncFlags.ASYNC))).toBe('EINVAL');
    expect(errno(() => mm.msync(W, P, 8))).toBe('EINVAL');
    expect(mm.msync(W, P, 0)).toBe(0);
    expect(mm.msync(0, 0, 0)).toBe(0);
    expect(errno(() => mm.msync(W, 2 * P, MsyncFlags.SYNC))).toBe('ENOMEM');
  });
});

describe('gVisor mincore.cc', () => {
  it('alignment, length and holes', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    expect(errno(() => mm.mincore(W + 1, P))).toBe('EINVAL');
    expect(mm.mincore(W, 0)).toHaveLength(0);
    expect(errno(() => mm.mincore(W, -1))).toBe('ENOMEM');
    expect(errno(() => mm.mincore(W, 3 * P))).toBe('ENOMEM');
    poke(mm, W + P, bytes(1, 1));
    expect([...mm.mincore(W, 2 * P)]).toEqual([0, 1]);
  });
});

describe('gVisor brk.cc', () => {
  it('returns the old brk on failure and ignores requests below the start', () => {
    const mm = newMm();
    const b0 = mm.brk(0);
    expect(mm.brk(b0 + 3 * P + 5)).toBe(b0 + 3 * P + 5);
    poke(mm, b0 + 3 * P, bytes(1, 1));
    expect(mm.brk(b0 - P)).toBe(b0 + 3 * P + 5);
    mm.mmap(b0 + 8 * P, P, RW, PA | FIX);
    expect(mm.brk(b0 + 16 * P)).toBe(b0 + 3 * P + 5); // blocked by a mapping
    expect(mm.maps()).toContain('[heap]');
  });
});

describe('gVisor fork.cc', () => {
  it('SharedMapping', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, SA | FIX);
    const child = mm.fork();
    poke(child, W, bytes(1, 7));
    expect(peek(mm, W, 1)[0]).toBe(7);
  });
  it('PrivateMapping', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(1, 1));
    const child = mm.fork();
    poke(child, W, bytes(1, 2));
    expect([peek(mm, W, 1)[0], peek(child, W, 1)[0]]).toEqual([1, 2]);
  });
  it('PrivateMemory (nested forks)', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(1, 1));
    const c1 = mm.fork();
    poke(c1, W, bytes(1, 2));
    const c2 = c1.fork();
    poke(c2, W, bytes(1, 3));
    expect([peek(mm, W, 1)[0], peek(c1, W, 1)[0], peek(c2, W, 1)[0]]).toEqual([1, 2, 3]);
  });
  it('COWSegment', () => {
    const mm = newMm();
    mm.mmap(W, 4 * P, RW, PA | FIX);
    poke(mm, W, bytes(4 * P, 1));
    const child = mm.fork();
    poke(mm, W + P, bytes(P, 9));
    expect(peek(child, W + P, 1)[0]).toBe(1);
    expect(peek(child, W + 2 * P, 1)[0]).toBe(1);
  });
});
