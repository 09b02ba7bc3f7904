import { ZxStatus } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError, FDIO_STATUS_TO_ERRNO, fromStatusLikeFdio } from '../index.js';

describe('fromStatusLikeFdio', () => {
  it('maps the statuses the model returns as fdio does', () => {
    expect(fromStatusLikeFdio(ZxStatus.NO_MEMORY)).toBe('ENOMEM');
    expect(fromStatusLikeFdio(ZxStatus.NO_RESOURCES)).toBe('ENOMEM');
    expect(fromStatusLikeFdio(ZxStatus.INVALID_ARGS)).toBe('EINVAL');
    expect(fromStatusLikeFdio(ZxStatus.OUT_OF_RANGE)).toBe('EINVAL');
    expect(fromStatusLikeFdio(ZxStatus.BUFFER_TOO_SMALL)).toBe('EINVAL');
    expect(fromStatusLikeFdio(ZxStatus.ACCESS_DENIED)).toBe('EACCES');
    expect(fromStatusLikeFdio(ZxStatus.BAD_HANDLE)).toBe('EBADF');
    expect(fromStatusLikeFdio(ZxStatus.CANCELED)).toBe('EBADF');
    expect(fromStatusLikeFdio(ZxStatus.WRONG_TYPE)).toBe('EOPNOTSUPP');
    expect(fromStatusLikeFdio(ZxStatus.NOT_SUPPORTED)).toBe('EOPNOTSUPP');
    expect(fromStatusLikeFdio(ZxStatus.BAD_STATE)).toBe('EPIPE');
    expect(fromStatusLikeFdio(ZxStatus.PEER_CLOSED)).toBe('EPIPE');
    expect(fromStatusLikeFdio(ZxStatus.NOT_FOUND)).toBe('ENOENT');
    expect(fromStatusLikeFdio(ZxStatus.TIMED_OUT)).toBe('ETIMEDOUT');
    expect(fromStatusLikeFdio(ZxStatus.SHOULD_WAIT)).toBe('EAGAIN');
    expect(fromStatusLikeFdio(ZxStatus.UNAVAILABLE)).toBe('EBUSY');
    expect(fromStatusLikeFdio(ZxStatus.ALREADY_EXISTS)).toBe('EEXIST');
    expect(fromStatusLikeFdio(ZxStatus.IO_REFUSED)).toBe('ECONNREFUSED');
    // Not in the table: EIO.
    expect(fromStatusLikeFdio(ZxStatus.INTERNAL)).toBe('EIO');
    expect(fromStatusLikeFdio(ZxStatus.IO_DATA_INTEGRITY)).toBe('EIO');
    expect(fromStatusLikeFdio(ZxStatus.ALREADY_BOUND)).toBe('EIO');
  });

  it('always gives a known errno (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200, max: 10 }), (s) => {
        const name = fromStatusLikeFdio(s);
        expect(Errno[name]).toBeGreaterThan(0);
        expect(name).toBe(FDIO_STATUS_TO_ERRNO.get(s) ?? 'EIO');
      }),
      { numRuns: 100 },
    );
  });

  it('ErrnoError carries the name, number and status', () => {
    const e = new ErrnoError('ENOMEM', ZxStatus.NO_RESOURCES);
    expect(e).toMatchObject({ code: 'ENOMEM', errno: 12, status: ZxStatus.NO_RESOURCES, name: 'ErrnoError' });
    expect(e.message).toBe('ENOMEM (from ZX_ERR_NO_RESOURCES)');
  });
});
