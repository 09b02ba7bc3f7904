/** LTP testcases/kernel/syscalls cases named in the spec, re-expressed against the model. */
import { describe, expect, it } from 'vitest';
import { Advice, MapFlags, MremapFlags, Prot } from '../abi/constants.js';
import { bytes, errno, FIX, testDesign, newMm, P, PA, peek, poke, RW, W, windowMaps } from '../test-support/setup.js';

const GAP = 256 * P;

describe('LTP', () => {
  it('mmap18 (GROWSDOWN growth and guard gap)', () => {
    const mm = newMm();
    const top = W + 64 * P + GAP;
    mm.mmap(top - 2 * P, 2 * P, RW, PA | FIX | MapFlags.GROWSDOWN);
    // A fault just below grows the stack.
    poke(mm, top - 3 * P, bytes(1, 1));
    if (testDesign() === 'per-mapping') {
      // Expected Starnix difference 'unmerged-anon-neighbours': the grown page is a VMA (and VMO) of its own.
      expect(mm.vmas().find((v) => v.end === top - 2 * P)?.start).toBe(top - 3 * P);
    } else expect(mm.vmas().find((v) => v.end === top)?.start).toBe(top - 3 * P);
    // A mapping inside the guard gap stops further growth (SIGSEGV).
    mm.mmap(top - 3 * P - GAP + P, P, RW, PA | FIX);
    const r = mm.write(top - 4 * P, bytes(1, 1));
    expect(r.ok ? null : r.fault).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
    // Hints that would land in the guard gap are not used.
    const hint = top - 3 * P - 4 * P;
    expect(mm.mmap(hint, P, RW, PA)).not.toBe(hint);
  });
  it('mremap06 (vma_merge keeps pgoff: a file VMA moved back merges again)', () => {
    const mm = newMm();
    const fd = mm.memfdCreate('f', 4 * P);
    mm.mmap(W, 4 * P, RW, MapFlags.SHARED | FIX, fd, 0);
    expect(mm.mremap(W + P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 16 * P)).toBe(W + 16 * P);
    expect(windowMaps(mm)).toHaveLength(3);
    mm.mremap(W + 16 * P, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + P);
    const lines = windowMaps(mm);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^0-4000 rw-s 00000000 00:01 \d+ +\/memfd:f \(deleted\)$/);
  });
  it('mremap07 (DONTUNMAP keeps the old range mapped and empty)', () => {
    const mm = newMm();
    mm.mmap(W, 2 * P, RW, PA | FIX);
    poke(mm, W, bytes(1, 5));
    const to = mm.mremap(W, 2 * P, 2 * P, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP);
    expect(peek(mm, to, 1)[0]).toBe(5);
    expect(peek(mm, W, 1)[0]).toBe(0);
    expect(errno(() => mm.mremap(W, 2 * P, 3 * P, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP))).toBe('EINVAL');
  });
  it('mremap08 (MREMAP_FIXED needs an aligned new address)', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mremap(W, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 4 * P + 1))).toBe('EINVAL');
  });
  it('mremap09 (MREMAP_FIXED without MAYMOVE is EINVAL)', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(errno(() => mm.mremap(W, P, P, MremapFlags.FIXED, W + 4 * P))).toBe('EINVAL');
    expect(errno(() => mm.mremap(W, P, P, 8))).toBe('EINVAL');
  });
  it('brk02 (growing brk into a mapping fails, returning the old break)', () => {
    const mm = newMm();
    const b = mm.brk(0);
    mm.mmap(b + 2 * P, P, Prot.READ, PA | FIX);
    expect(mm.brk(b + P)).toBe(b + P);
    expect(mm.brk(b + 4 * P)).toBe(b + P);
  });
  it('mlock202 (RLIMIT_MEMLOCK applies without CAP_IPC_LOCK)', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: P, max: P } } });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    expect(mm.mlock(W, P)).toBe(0);
    // Pages already locked do not count twice.
    expect(mm.mlock(W, P)).toBe(0);
    expect(errno(() => mm.mlock(W, 2 * P))).toBe('ENOMEM');
    mm.capIpcLock = true;
    expect(mm.mlock(W, 4 * P)).toBe(0);
  });
  it('madvise02 (error cases)', () => {
    const mm = newMm({ rlimits: { MEMLOCK: { cur: 16 * P, max: 16 * P } } });
    mm.mmap(W, 4 * P, RW, PA | FIX);
    expect(errno(() => mm.madvise(W + 1, P, Advice.NORMAL))).toBe('EINVAL');
    expect(errno(() => mm.madvise(W, P, 1234))).toBe('EINVAL');
    expect(errno(() => mm.madvise(W + 8 * P, P, Advice.NORMAL))).toBe('ENOMEM');
    expect(errno(() => mm.madvise(W, -1, Advice.NORMAL))).toBe('EINVAL');
    mm.mlock(W, P);
    expect(errno(() => mm.madvise(W, P, Advice.DONTNEED))).toBe('EINVAL');
    expect(errno(() => mm.madvise(W, P, Advice.REMOVE))).toBe('EINVAL');
    expect(mm.madvise(W, 0, Advice.DONTNEED)).toBe(0);
  });
});
