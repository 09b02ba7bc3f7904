import { describe, expect, it } from 'vitest';
import { UFFD_API, UffdError, UffdFeature, UffdIoctl, UffdMoveMode, UffdRegisterMode, UserfaultFD, VirtualClock } from '../index.js';
import { ReferenceSpace } from '../test-support/reference-space.js';

const P = 4096;
const DST = 0x10_0000;
const SRC = 0x20_0000;

function errOf(f: () => unknown): UffdError {
  try {
    f();
  } catch (e) {
    if (e instanceof UffdError) return e;
    throw e;
  }
  throw new Error('expected a UffdError');
}

function setup(): { space: ReferenceSpace; fd: UserfaultFD } {
  const space = new ReferenceSpace();
  space.mmap(DST, 8 * P);
  space.mmap(SRC, 8 * P);
  const fd = UserfaultFD.open(space, 0, { clock: new VirtualClock() });
  fd.registerRange(DST, 8 * P, UffdRegisterMode.MISSING);
  return { space, fd };
}

describe('UFFDIO_MOVE (as Linux 6.18 answers it)', () => {
  it('moves a page without copying it: the source becomes missing, the destination present', async () => {
    const { space, fd } = setup();
    space.populate(SRC, new Uint8Array(P).fill(0x78));
    expect(fd.move(DST, SRC, P)).toBe(P);
    expect(space.isPagePresent(SRC)).toBe(false);
    expect((await space.read(space.task(), DST, 2))[1]).toBe(0x78);
  });

  it('EEXIST on a present destination page, ENOENT on a source hole unless ALLOW_SRC_HOLES (which counts it)', () => {
    const { space, fd } = setup();
    space.populate(SRC, new Uint8Array(2 * P).fill(1));
    space.populate(DST + P, new Uint8Array(P));
    const exists = errOf(() => fd.move(DST + P, SRC, P));
    expect([exists.code, exists.field]).toEqual(['EEXIST', -17]);
    const hole = errOf(() => fd.move(DST + 2 * P, SRC + 4 * P, P));
    expect([hole.code, hole.field]).toEqual(['ENOENT', -2]);
    expect(fd.move(DST + 2 * P, SRC + 4 * P, P, UffdMoveMode.ALLOW_SRC_HOLES)).toBe(P);
    expect(space.isPagePresent(DST + 2 * P)).toBe(false);
    // Partial progress: one page moved, then the present destination page stops it (EAGAIN, field = bytes).
    const partial = errOf(() => fd.move(DST, SRC, 2 * P));
    expect([partial.code, partial.field]).toEqual(['EAGAIN', P]);
  });

  it('EBUSY on a page shared with a fork child; EINVAL (no field) for bad modes and ranges; ENOENT with no VMA', () => {
    const { space, fd } = setup();
    space.populate(SRC, new Uint8Array(P).fill(1));
    space.sharedPages.add(SRC);
    expect(errOf(() => fd.move(DST, SRC, P)).field).toBe(-16);
    for (const [d, s, l, m] of [[DST, SRC, P, 4], [DST + 1, SRC, P, 0], [DST, SRC, 0, 0]] as const) {
      const e = errOf(() => fd.move(d, s, l, m));
      expect([e.code, e.field]).toEqual(['EINVAL', undefined]);
    }
    expect(errOf(() => fd.move(0x90_0000, SRC, P)).field).toBe(-2);
    expect(errOf(() => fd.move(DST, 0x90_0000, P)).field).toBe(-2);
    // The destination must be registered with this fd; a range may not leave its VMA.
    expect(errOf(() => fd.move(SRC + P, SRC, P)).field).toBe(-22);
    expect(errOf(() => fd.move(DST + 7 * P, SRC, 2 * P)).field).toBe(-22);
  });

  it('shared memory cannot move (EINVAL); a kernel without MOVE has no ioctl and does not offer the feature', () => {
    const { space, fd } = setup();
    space.mmap(0x30_0000, 4 * P, 'shmem');
    fd.registerRange(0x30_0000, 4 * P, UffdRegisterMode.MISSING);
    space.populate(SRC, new Uint8Array(P));
    expect(errOf(() => fd.move(0x30_0000, SRC, P)).field).toBe(-22);

    const old = Object.assign(new ReferenceSpace(), { supportedFeatures: 0x1ffff & ~UffdFeature.MOVE });
    old.mmap(DST, 4 * P);
    const ofd = UserfaultFD.create(old);
    expect(errOf(() => ofd.api(UFFD_API, UffdFeature.MOVE)).code).toBe('EINVAL');
    expect(ofd.api(UFFD_API, 0).features).toBe(0xffff);
    expect(ofd.registerRange(DST, 4 * P, UffdRegisterMode.MISSING) & (1n << BigInt(UffdIoctl.MOVE))).toBe(0n);
    const e = errOf(() => ofd.move(DST, DST + P, P));
    expect([e.code, e.field]).toEqual(['EINVAL', undefined]);
  });

  it('reading an fd whose handshake failed or never ran is EINVAL (Linux 6.18)', () => {
    const space = new ReferenceSpace();
    const fd = UserfaultFD.create(space);
    expect(errOf(() => fd.read()).code).toBe('EINVAL');
    expect(errOf(() => fd.api(0xab, 0)).code).toBe('EINVAL');
    expect(errOf(() => fd.read()).code).toBe('EINVAL');
    fd.api(UFFD_API, 0);
    expect(fd.read()).toBeNull();
  });

  it('WP_ASYNC lets a WP-only registration cover a private file mapping, which Linux otherwise refuses', () => {
    const space = new ReferenceSpace();
    space.mmap(DST, 4 * P, 'file');
    const plain = UserfaultFD.open(space, 0);
    expect(errOf(() => plain.registerRange(DST, 4 * P, UffdRegisterMode.WP)).code).toBe('EINVAL');
    plain.close();
    const fd = UserfaultFD.open(space, UffdFeature.WP_ASYNC);
    expect(errOf(() => fd.registerRange(DST, 4 * P, UffdRegisterMode.WP | UffdRegisterMode.MISSING)).code).toBe('EINVAL');
    expect(fd.registerRange(DST, 4 * P, UffdRegisterMode.WP) & (1n << BigInt(UffdIoctl.WRITEPROTECT))).not.toBe(0n);
  });
});
