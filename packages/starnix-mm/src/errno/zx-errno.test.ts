import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ZxError, ZxStatus, statusName } from '@memsim/zircon-objects';
import { UffdError } from '@memsim/userspace-swap';
import { ErrnoError as PinningErrnoError } from '@memsim/memory-pinning';
import { ErrnoError } from './errno.js';
import { errnoForStatus, lowerToErrno } from './zx-errno.js';

describe('Zircon status to errno', () => {
  it('follows Starnix: get_errno_for_map_err for VMAR calls, from_status_like_fdio for the rest', () => {
    expect(errnoForStatus(ZxStatus.OUT_OF_RANGE, 'map')).toBe('ENOMEM');
    expect(errnoForStatus(ZxStatus.OUT_OF_RANGE, 'vmo')).toBe('EINVAL');
    expect(errnoForStatus(ZxStatus.ACCESS_DENIED, 'map')).toBe('EPERM');
    expect(errnoForStatus(ZxStatus.ACCESS_DENIED)).toBe('EACCES');
    expect(errnoForStatus(ZxStatus.INTERNAL)).toBe('EIO');
  });

  it('the table in docs/errors.md is the module', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url)), 'utf8');
    const rows = new Map<string, [string, string]>();
    for (const m of doc.matchAll(/^\| `(ZX_ERR_\w+)` \| -?\d+ \| (\w+) \| (\w+) \|$/gm)) rows.set(m[1], [m[2], m[3]]);
    const statuses = Object.values(ZxStatus).filter((v): v is ZxStatus => typeof v === 'number' && v !== ZxStatus.OK);
    expect(rows.size).toBe(statuses.length);
    for (const s of statuses) expect(rows.get(statusName(s)), statusName(s)).toEqual([errnoForStatus(s, 'map'), errnoForStatus(s, 'vmo')]);
  });

  it('lower layers’ errors become starnix-mm ErrnoErrors; others pass through', () => {
    const z = lowerToErrno(new ZxError(ZxStatus.NO_MEMORY));
    expect(z).toBeInstanceOf(ErrnoError);
    expect((z as ErrnoError).code).toBe('ENOMEM');
    expect((lowerToErrno(new UffdError('EEXIST', 'x')) as ErrnoError).code).toBe('EEXIST');
    expect((lowerToErrno(new PinningErrnoError('ENOMEM')) as ErrnoError).code).toBe('ENOMEM');
    const t = new TypeError('x');
    expect(lowerToErrno(t)).toBe(t);
  });
});
