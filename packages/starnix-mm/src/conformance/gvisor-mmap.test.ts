/** gVisor test/syscalls/linux/mmap.cc cases, re-expressed against the model (same names). */
import { describe, expect, it } from 'vitest';
import { MapFlags, Prot } from '../abi/constants.js';
import { bytes, errno, FIX, newMm, P, PA, peek, poke, RW, W } from '../test-support/setup.js';

describe('gVisor mmap.cc', () => {
  it('InvalidLength', () => {
    const mm = newMm();
    expect(errno(() => mm.mmap(0, 0, Prot.READ, PA))).toBe('EINVAL');
  });
  it('NotPrivateOrShared', () => {
    expect(errno(() => newMm().mmap(0, P, Prot.READ, MapFlags.ANONYMOUS))).toBe('EINVAL');
  });
  it('PrivateAndShared', () => {
    expect(errno(() => newMm().mmap(0, P, Prot.READ, MapFlags.ANONYMOUS | MapFlags.PRIVATE | MapFlags.SHARED))).toBe('EINVAL');
  });
  it('FixedAlignment', () => {
    expect(errno(() => newMm().mmap(W + 1, P, Prot.READ, PA | FIX))).toBe('EINVAL');
  });
  it('NonFixedAlignment', () => {
    const mm = newMm();
    const a = mm.mmap(W + 1, P, Prot.READ, PA);
    expect(a).toBe(W);
  });
  it('HugeLength', () => {
    const mm = newMm();
    expect(errno(() => mm.mmap(0, 2n ** 64n - 1n, Prot.READ, PA))).toBe('ENOMEM');
    expect(errno(() => mm.mmap(0, 2n ** 62n, Prot.READ, PA))).toBe('ENOMEM');
  });
  it('MapFixedNoreplaceEmpty', () => {
    expect(newMm().mmap(W, P, Prot.READ, PA | MapFlags.FIXED_NOREPLACE)).toBe(W);
  });
  it('MapFixedNoreplaceExisting', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, Prot.READ, PA | FIX);
    expect(errno(() => mm.mmap(W, 2 * P, Prot.READ, PA | MapFlags.FIXED_NOREPLACE))).toBe('EEXIST');
  });
  it('MapFixedNoreplacePartialOverlap', () => {
    const mm = newMm();
    mm.mmap(W + P, P, Prot.READ, PA | FIX);
    expect(errno(() => mm.mmap(W, 2 * P, Prot.READ, PA | MapFlags.FIXED_NOREPLACE))).toBe('EEXIST');
  });
  it('MapFixedNoreplaceWithMapFixed', () => {
    const mm = newMm();
    mm.mmap(W, P, Prot.READ, PA | FIX);
    expect(errno(() => mm.mmap(W, P, Prot.READ, PA | FIX | MapFlags.FIXED_NOREPLACE))).toBe('EEXIST');
  });
  it('MapFixedNoreplaceAlignment', () => {
    expect(errno(() => newMm().mmap(W + 1, P, Prot.READ, PA | MapFlags.FIXED_NOREPLACE))).toBe('EINVAL');
  });
  it('ProtWriteOnlyReadable', () => {
    const mm = newMm();
    mm.mmap(W, P, Prot.WRITE, PA | FIX);
    poke(mm, W, bytes(4, 7));
    expect([...peek(mm, W, 4)]).toEqual([7, 7, 7, 7]);
  });
  it('MprotectNotPageAligned', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mprotect(W + 1, P, Prot.READ))).toBe('EINVAL');
  });
  it('MprotectProtNone (SEGV_ACCERR)', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    mm.mprotect(W, P, Prot.NONE);
    const r = mm.read(W, 1);
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', address: W });
  });
  it('UnmappedIsMapErr', () => {
    const r = newMm().read(W, 1);
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
  });
  it('WriteReadOnlyIsAccErr', () => {
    const mm = newMm();
    mm.mmap(W, P, Prot.READ, PA | FIX);
    const r = mm.write(W, bytes(1, 1));
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
  });
  it('MprotectHugeLength', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mprotect(W, 2n ** 64n - 4096n, Prot.READ))).toBe('ENOMEM');
  });
  it('SettingProtNoneDoesntFreeMemory', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W, bytes(8, 0x42));
    mm.mprotect(W, P, Prot.NONE);
    mm.mprotect(W, P, Prot.READ);
    expect([...peek(mm, W, 2)]).toEqual([0x42, 0x42]);
  });
  it('MapOffsetBeyondEnd (SIGBUS)', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', P);
    mm.mmap(W, 2 * P, Prot.READ, MapFlags.SHARED | FIX, fd, P);
    const r = mm.read(W, 1);
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR', address: W });
  });
  it('NoSigBusOnPageContainingEOF', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', 100);
    mm.mmap(W, P, RW, MapFlags.SHARED | FIX, fd, 0);
    expect([...peek(mm, W + 200, 2)]).toEqual([0, 0]);
    poke(mm, W + 200, bytes(2, 9));
    // Bytes past EOF never reach the file.
    expect(mm.fd(fd).file.pread(P, 0).length).toBe(100);
  });
  it('WritePrivateOnReadOnlyFd', () => {
    const mm = newMm();
    const rw = mm.memfdCreate('f', P);
    const ro = mm.open(mm.fd(rw).file, 'RDONLY');
    mm.mmap(W, P, RW, MapFlags.PRIVATE | FIX, ro, 0);
    poke(mm, W, bytes(4, 1));
    expect([...mm.fd(rw).file.pread(4, 0)]).toEqual([0, 0, 0, 0]);
  });
  it('WriteSharedOnReadOnlyFd', () => {
    const mm = newMm();
    const rw = mm.memfdCreate('f', P);
    const ro = mm.open(mm.fd(rw).file, 'RDONLY');
    expect(errno(() => mm.mmap(W, P, RW, MapFlags.SHARED | FIX, ro, 0))).toBe('EACCES');
    const wo = mm.open(mm.fd(rw).file, 'WRONLY');
    expect(errno(() => mm.mmap(W, P, Prot.READ, MapFlags.PRIVATE | FIX, wo, 0))).toBe('EACCES');
    // PROT_READ shared on a read-only fd is fine, but mprotect to PROT_WRITE is then EACCES.
    mm.mmap(W, P, Prot.READ, MapFlags.SHARED | FIX, ro, 0);
    expect(errno(() => mm.mprotect(W, P, RW))).toBe('EACCES');
  });
  it('TruncateZeroes (Truncate* zeroing)', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', 2 * P);
    mm.mmap(W, 2 * P, RW, MapFlags.SHARED | FIX, fd, 0);
    poke(mm, W + P - 4, bytes(8, 5));
    mm.ftruncate(fd, P - 2);
    mm.ftruncate(fd, 2 * P);
    expect([...peek(mm, W + P - 4, 4)]).toEqual([5, 5, 0, 0]);
    expect([...peek(mm, W + P, 4)]).toEqual([0, 0, 0, 0]);
  });
  it('TruncateSigBus (Truncate* SIGBUS)', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', 2 * P);
    mm.mmap(W, 2 * P, RW, MapFlags.SHARED | FIX, fd, 0);
    mm.ftruncate(fd, P);
    const r = mm.read(W + P, 1);
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGBUS', address: W + P });
  });
  it('AccessCOWInvalidatesCachedSegments', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', P);
    mm.fd(fd).file.pwrite(bytes(4, 1), 0);
    mm.mmap(W, P, RW, MapFlags.PRIVATE | FIX, fd, 0);
    expect(peek(mm, W, 1)[0]).toBe(1);
    mm.fd(fd).file.pwrite(bytes(4, 2), 0);
    expect(peek(mm, W, 1)[0]).toBe(2); // not yet copied: the file shows through
    poke(mm, W + 1, bytes(1, 3)); // COW break
    mm.fd(fd).file.pwrite(bytes(4, 4), 0);
    expect([...peek(mm, W, 2)]).toEqual([2, 3]);
  });
  it('TruncateAfterCOWBreak', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', P);
    mm.mmap(W, P, RW, MapFlags.PRIVATE | FIX, fd, 0);
    poke(mm, W, bytes(1, 9));
    mm.ftruncate(fd, 0);
    const r = mm.read(W, 1);
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGBUS' });
    mm.ftruncate(fd, P);
    expect(peek(mm, W, 1)[0]).toBe(0); // the private copy went with the truncation
  });
});
