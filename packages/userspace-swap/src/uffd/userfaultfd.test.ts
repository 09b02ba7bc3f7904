import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  UFFD_API,
  UffdCopyMode,
  UffdError,
  UffdFeature,
  UffdIoctl,
  UffdRegisterMode,
  UffdWriteProtectMode,
  UffdZeropageMode,
  UserfaultFD,
  VirtualClock,
} from '../index.js';
import { ReferenceSpace, SignalError } from '../test-support/reference-space.js';

const P = 4096;
const BASE = 0x10_0000;
const MISSING = UffdRegisterMode.MISSING;

function errOf(f: () => unknown): UffdError {
  try {
    f();
  } catch (e) {
    if (e instanceof UffdError) return e;
    throw e;
  }
  throw new Error('expected a UffdError');
}

function setup(features = 0, pages = 4): { space: ReferenceSpace; fd: UserfaultFD } {
  const space = new ReferenceSpace();
  space.mmap(BASE, pages * P);
  const fd = UserfaultFD.open(space, features, { clock: new VirtualClock() });
  return { space, fd };
}

const bit = (n: number): bigint => 1n << BigInt(n);

describe('UFFDIO_API handshake', () => {
  it('reports every feature and the fd ioctls; unknown bits, a bad api and a second handshake are EINVAL', () => {
    const space = new ReferenceSpace();
    const fd = UserfaultFD.create(space);
    expect(errOf(() => fd.api(0xab, 0)).code).toBe('EINVAL');
    expect(errOf(() => fd.api(UFFD_API, 1 << 20)).errno).toBe(22);
    expect(errOf(() => fd.api(UFFD_API, -1)).code).toBe('EINVAL');
    expect(errOf(() => fd.api(UFFD_API, 1.5)).code).toBe('EINVAL');
    // Failed handshakes leave the fd usable for a retry.
    const r = fd.api(UFFD_API, UffdFeature.EVENT_REMOVE | UffdFeature.THREAD_ID);
    expect(r.features).toBe(0x1ffff);
    expect(r.ioctls).toBe(bit(UffdIoctl.REGISTER) | bit(UffdIoctl.UNREGISTER) | bit(UffdIoctl.API));
    expect(fd.features).toBe(UffdFeature.EVENT_REMOVE | UffdFeature.THREAD_ID);
    expect(errOf(() => fd.api(UFFD_API, 0)).code).toBe('EINVAL');
  });

  it('EVENT_FORK needs CAP_SYS_PTRACE (EPERM); WP_ASYNC turns on WP_UNPOPULATED', () => {
    const space = new ReferenceSpace();
    const fd = UserfaultFD.create(space, { capSysPtrace: false });
    expect(errOf(() => fd.api(UFFD_API, UffdFeature.EVENT_FORK)).code).toBe('EPERM');
    fd.api(UFFD_API, UffdFeature.WP_ASYNC);
    expect(fd.features).toBe(UffdFeature.WP_ASYNC | UffdFeature.WP_UNPOPULATED);
  });

  it('range ioctls before the handshake are EINVAL; a closed fd is EBADF; bad creation flags are EINVAL', () => {
    const space = new ReferenceSpace();
    space.mmap(BASE, P);
    const fd = UserfaultFD.create(space);
    expect(errOf(() => fd.registerRange(BASE, P, MISSING)).code).toBe('EINVAL');
    fd.close();
    expect(errOf(() => fd.api(UFFD_API, 0)).code).toBe('EBADF');
    expect(errOf(() => UserfaultFD.create(space, { flags: 0x40 })).code).toBe('EINVAL');
  });
});

describe('UFFDIO_REGISTER / UNREGISTER', () => {
  it('returns the range ioctls Linux 6.18 returns for anonymous memory', () => {
    const { fd } = setup();
    const base = bit(UffdIoctl.WAKE) | bit(UffdIoctl.COPY) | bit(UffdIoctl.ZEROPAGE) | bit(UffdIoctl.MOVE) | bit(UffdIoctl.POISON);
    expect(fd.registerRange(BASE, 2 * P, MISSING)).toBe(base);
    expect(fd.registerRange(BASE, 2 * P, MISSING | UffdRegisterMode.WP)).toBe(base | bit(UffdIoctl.WRITEPROTECT));
  });

  it('EINVAL for mode 0 (no deferred mode), unknown bits, misalignment, empty or out-of-range ranges, no mapping', () => {
    const { fd } = setup();
    expect(errOf(() => fd.registerRange(BASE, P, 0)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE, P, 8)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE + 1, P, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE, P + 1, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE, 0, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(0, P, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(2 ** 53, P, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE + 64 * P, P, MISSING)).code).toBe('EINVAL');
  });

  it('EINVAL for file mappings and MINOR on anonymous memory; EPERM without VM_MAYWRITE; holes are skipped', () => {
    const { space, fd } = setup();
    space.mmap(BASE + 8 * P, P, 'file');
    space.mmap(BASE + 10 * P, P, 'shmem', false);
    expect(errOf(() => fd.registerRange(BASE + 8 * P, P, MISSING)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE, P, UffdRegisterMode.MINOR)).code).toBe('EINVAL');
    expect(errOf(() => fd.registerRange(BASE + 10 * P, P, MISSING)).code).toBe('EPERM');
    space.mmap(BASE + 6 * P, P);
    // [BASE, BASE + 7P) covers a hole at 4P..6P: Linux registers the VMAs around it.
    fd.registerRange(BASE, 7 * P, MISSING);
    expect(space.vmasIn(BASE, BASE + 7 * P).map((v) => v.uffd === fd)).toEqual([true, true]);
  });

  it('EBUSY when another userfaultfd holds the range; unregistering another fd\'s range is EINVAL (Linux 6.18)', () => {
    const { space, fd } = setup();
    const other = UserfaultFD.open(space, 0);
    fd.registerRange(BASE, 2 * P, MISSING);
    expect(errOf(() => other.registerRange(BASE + P, 2 * P, MISSING)).code).toBe('EBUSY');
    expect(errOf(() => other.unregisterRange(BASE, P)).code).toBe('EINVAL');
    other.unregisterRange(BASE + 2 * P, P);
    fd.unregisterRange(BASE, 4 * P);
    other.registerRange(BASE, P, MISSING);
    expect(space.vmasIn(BASE, BASE + P)[0].uffd).toBe(other);
  });

  it('registration splits VMAs; unregister wakes tasks waiting there, which then zero-fill', async () => {
    const { space, fd } = setup();
    fd.registerRange(BASE + P, P, MISSING);
    expect(space.vmaCount).toBe(3);
    const t = space.read(space.task(), BASE + P, 1);
    await new Promise((r) => setImmediate(r));
    expect(fd.blockedFaults).toBe(1);
    fd.unregisterRange(BASE, 4 * P);
    await expect(t).resolves.toEqual(new Uint8Array([0]));
  });
});

describe('fills: COPY, ZEROPAGE, WAKE, WRITEPROTECT, POISON', () => {
  it('COPY installs pages and returns the bytes; EEXIST (-17) on a present first page; partial progress is EAGAIN with the bytes', () => {
    const { space, fd } = setup();
    fd.registerRange(BASE, 4 * P, MISSING);
    const src = new Uint8Array(3 * P).fill(7);
    expect(fd.copyToRange(BASE, P, src)).toBe(P);
    let e = errOf(() => fd.copyToRange(BASE, P, src));
    expect([e.code, e.field, e.bytesDone]).toEqual(['EEXIST', -17, 0]);
    e = errOf(() => fd.copyToRange(BASE + 3 * P, P, src.subarray(0, 10)));
    expect([e.code, e.field]).toEqual(['EFAULT', -14]);
    space.populate(BASE + 2 * P, new Uint8Array(P));
    e = errOf(() => fd.copyToRange(BASE + P, 2 * P, src));
    expect([e.code, e.field, e.bytesDone]).toEqual(['EAGAIN', P, P]);
    expect(space.presentPages(BASE, 4 * P)).toBe(3);
  });

  it('ENOENT (-2) outside one registered VMA; EINVAL (-22) for MODE_WP without WP registration; EINVAL with no field for bad modes', () => {
    const { space, fd } = setup();
    space.mmap(BASE + 4 * P, P);
    fd.registerRange(BASE, 2 * P, MISSING);
    const src = new Uint8Array(4 * P);
    expect(errOf(() => fd.copyToRange(BASE + 2 * P, P, src)).field).toBe(-2);
    expect(errOf(() => fd.copyToRange(BASE + P, 2 * P, src)).code).toBe('ENOENT');
    expect(errOf(() => fd.copyToRange(BASE + 64 * P, P, src)).field).toBe(-2);
    let e = errOf(() => fd.copyToRange(BASE, P, src, UffdCopyMode.WP));
    expect([e.code, e.field]).toEqual(['EINVAL', -22]);
    e = errOf(() => fd.copyToRange(BASE, P, src, 4));
    expect([e.code, e.field]).toEqual(['EINVAL', undefined]);
    e = errOf(() => fd.zeroRange(BASE, 0));
    expect([e.code, e.field]).toEqual(['EINVAL', undefined]);
    expect(errOf(() => fd.zeroRange(BASE, P, 2)).code).toBe('EINVAL');
    expect(errOf(() => fd.wakeRange(BASE + 1, P)).code).toBe('EINVAL');
    expect(fd.zeroRange(BASE, 2 * P, UffdZeropageMode.DONTWAKE)).toBe(2 * P);
    expect(errOf(() => fd.zeroRange(BASE, P)).field).toBe(-17);
  });

  it('ESRCH once the process exited', () => {
    const { space, fd } = setup();
    fd.registerRange(BASE, P, MISSING);
    space.exit();
    const e = errOf(() => fd.zeroRange(BASE, P));
    expect([e.code, e.errno, e.field]).toEqual(['ESRCH', 3, undefined]);
  });

  it('DONTWAKE leaves the task blocked until WAKE', async () => {
    const { space, fd } = setup();
    fd.registerRange(BASE, P, MISSING);
    let done = false;
    const t = space.read(space.task(), BASE, 1).then((v) => ((done = true), v));
    await new Promise((r) => setImmediate(r));
    fd.copyToRange(BASE, P, new Uint8Array(P).fill(9), UffdCopyMode.DONTWAKE);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    fd.wakeRange(BASE, P);
    await expect(t).resolves.toEqual(new Uint8Array([9]));
  });

  it('WRITEPROTECT: writes fault with WP, unprotecting wakes them; WP with DONTWAKE is EINVAL; unregistered VMA is ENOENT', async () => {
    const { space, fd } = setup(UffdFeature.PAGEFAULT_FLAG_WP | UffdFeature.THREAD_ID);
    space.mmap(BASE + 8 * P, P);
    space.populate(BASE, new Uint8Array(P).fill(3));
    fd.registerRange(BASE, 4 * P, MISSING | UffdRegisterMode.WP);
    fd.writeProtect(BASE, P, UffdWriteProtectMode.WP);
    expect(errOf(() => fd.writeProtect(BASE, P, UffdWriteProtectMode.WP | UffdWriteProtectMode.DONTWAKE)).code).toBe('EINVAL');
    expect(errOf(() => fd.writeProtect(BASE, 9 * P, UffdWriteProtectMode.WP)).code).toBe('ENOENT');
    const w = space.write(space.task(7), BASE + 8, new Uint8Array([9]));
    await new Promise((r) => setImmediate(r));
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', flags: 3, address: BASE, ptid: 7 });
    fd.writeProtect(BASE, P, 0);
    await w;
    expect(await space.read(space.task(), BASE + 7, 3)).toEqual(new Uint8Array([3, 9, 3]));
  });

  it('POISON: the woken task gets SIGBUS', async () => {
    const { space, fd } = setup();
    fd.registerRange(BASE, P, MISSING);
    const t = space.read(space.task(), BASE, 1);
    await new Promise((r) => setImmediate(r));
    expect(fd.poisonRange(BASE, P)).toBe(P);
    await expect(t).rejects.toThrow(SignalError);
  });

  it('SIGBUS feature: faults in a registered missing range signal at once', async () => {
    const { space, fd } = setup(UffdFeature.SIGBUS);
    fd.registerRange(BASE, P, MISSING);
    await expect(space.read(space.task(), BASE, 1)).rejects.toMatchObject({ signal: 'SIGBUS' });
  });

  it('EXACT_ADDRESS reports the faulting address; without it the page address', async () => {
    for (const [features, expected] of [[UffdFeature.EXACT_ADDRESS, BASE + 123], [0, BASE]] as const) {
      const { space, fd } = setup(features);
      fd.registerRange(BASE, P, MISSING);
      void space.read(space.task(), BASE + 123, 1);
      await new Promise((r) => setImmediate(r));
      expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: expected, flags: 0, ptid: 0 });
      fd.close();
    }
  });
});

describe('bad input and creation flags', () => {
  it('USER_MODE_ONLY: a kernel-mode fault gets SIGBUS instead of waiting', async () => {
    const space = new ReferenceSpace();
    space.mmap(BASE, P);
    const fd = UserfaultFD.open(space, 0, { flags: 1 });
    fd.registerRange(BASE, P, MISSING);
    await expect(fd.fault(space.task(), BASE, { write: false, user: false })).resolves.toBe('sigbus');
    const pending = fd.fault(space.task(), BASE, { write: false, user: true });
    expect(fd.blockedFaults).toBe(1);
    fd.close();
    await expect(pending).resolves.toBe('retry');
  });

  it('any argument of the wrong type or range gets a UffdError, never a crash', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (a, b, c) => {
        const { fd } = setup();
        const calls: (() => unknown)[] = [
          () => fd.registerRange(a as number, b as number, c as number),
          () => fd.unregisterRange(a as number, b as number),
          () => fd.copyToRange(a as number, b as number, c as Uint8Array),
          () => fd.zeroRange(a as number, b as number, c as number),
          () => fd.wakeRange(a as number, b as number),
          () => fd.writeProtect(a as number, b as number, c as number),
          () => fd.poisonRange(a as number, b as number, c as number),
          () => fd.api(a as number, b as number),
        ];
        for (const call of calls) {
          try {
            call();
          } catch (e) {
            if (!(e instanceof UffdError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('unregistering write protection', () => {
  it('clears the uffd-wp bits and wakes the blocked writer', async () => {
    const { space, fd } = setup(UffdFeature.PAGEFAULT_FLAG_WP);
    space.populate(BASE, new Uint8Array(P).fill(1));
    fd.registerRange(BASE, P, MISSING | UffdRegisterMode.WP);
    fd.writeProtect(BASE, P, UffdWriteProtectMode.WP);
    const w = space.write(space.task(), BASE, new Uint8Array([2]));
    await new Promise((r) => setImmediate(r));
    expect(fd.blockedFaults).toBe(1);
    fd.unregisterRange(BASE, P);
    await w;
    expect(await space.read(space.task(), BASE, 2)).toEqual(new Uint8Array([2, 1]));
  });
});
