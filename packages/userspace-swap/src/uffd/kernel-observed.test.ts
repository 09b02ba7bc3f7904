import { describe, expect, it } from 'vitest';
import {
  UFFD_API,
  UffdError,
  UffdFeature,
  UffdIoctl,
  UffdRegisterMode,
  UserfaultFD,
  VirtualClock,
} from '../index.js';
import type { UffdMessage } from '../index.js';
import { ReferenceSpace } from '../test-support/reference-space.js';

// Replays, on the model, the userfaultfd event sequences that packages/linux-probe observed on the live kernel
// (Linux 6.18; packages/linux-probe/src/uffd.test.ts runs the same sequences natively). The expected values below are
// the kernel's. A live side-by-side run needs @memsim/linux-probe as a devDependency, which the layer table does not
// yet allow for this package.
const P = 4096;
const W = 0x10_0000; // the probe's window base, relocated
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function outcome(f: () => number): { ok: true; value: number } | { ok: false; errno: string; done: number | undefined } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof UffdError) return { ok: false, errno: e.code, done: e.field };
    throw e;
  }
}

function events(fd: UserfaultFD): UffdMessage[] {
  const out: UffdMessage[] = [];
  for (let m = fd.read(); m !== null; m = fd.read()) out.push(m);
  return out;
}

describe('event sequences observed on Linux 6.18', () => {
  it('missing fault from a thread resolved by COPY; EEXIST; EAGAIN during madvise; REMOVE keeps the range; UNMAP', async () => {
    const space = new ReferenceSpace();
    space.mmap(W, 4 * P);
    const fd = UserfaultFD.create(space, { clock: new VirtualClock() });
    const api = fd.api(UFFD_API, UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.THREAD_ID);
    expect(api.ioctls & (1n << BigInt(UffdIoctl.REGISTER))).not.toBe(0n);
    expect(() => fd.api(UFFD_API, 0)).toThrow(/EINVAL/);
    const ioctls = fd.registerRange(W, 4 * P, UffdRegisterMode.MISSING);
    for (const n of [UffdIoctl.WAKE, UffdIoctl.COPY, UffdIoctl.ZEROPAGE]) expect(ioctls & (1n << BigInt(n))).not.toBe(0n);

    const t1 = space.task(1);
    const read1 = space.read(t1, W + P + 8, 4);
    await tick();
    // Without EXACT_ADDRESS the kernel reports the page address.
    expect(events(fd)).toEqual([{ event: 'PAGEFAULT', flags: 0, address: W + P, ptid: 1, raisedAtMicros: 0 }]);
    expect(outcome(() => fd.copyToRange(W + P, P, new Uint8Array(P).fill(0xab)))).toEqual({ ok: true, value: P });
    expect(await read1).toEqual(new Uint8Array(4).fill(0xab));
    expect(outcome(() => fd.copyToRange(W + P, P, new Uint8Array(P).fill(0xab)))).toEqual({ ok: false, errno: 'EEXIST', done: -17 });

    let t2done = false;
    const madv = space.madvise(space.task(2), W, 2 * P).then(() => (t2done = true));
    await tick();
    expect(fd.readable).toBe(true);
    expect(outcome(() => fd.copyToRange(W + 3 * P, P, new Uint8Array(P).fill(1)))).toEqual({ ok: false, errno: 'EAGAIN', done: -11 });
    expect(t2done).toBe(false);
    expect(events(fd)).toEqual([{ event: 'REMOVE', start: W, end: W + 2 * P }]);
    await madv;

    const write3 = space.write(space.task(3), W + P, new Uint8Array([7]));
    await tick();
    expect(events(fd)).toEqual([{ event: 'PAGEFAULT', flags: 1, address: W + P, ptid: 3, raisedAtMicros: 0 }]);
    expect(outcome(() => fd.zeroRange(W + P, P))).toEqual({ ok: true, value: P });
    await write3;
    expect(await space.read(space.task(), W + P, 2)).toEqual(new Uint8Array([7, 0]));

    let t4done = false;
    const unmap = space.munmap(space.task(4), W + 3 * P, P).then(() => (t4done = true));
    await tick();
    expect(t4done).toBe(false);
    expect(events(fd)).toEqual([{ event: 'UNMAP', start: W + 3 * P, end: W + 4 * P }]);
    await unmap;
  });

  it('mremap raises REMAP then UNMAP of the old range, in that order', async () => {
    const space = new ReferenceSpace();
    space.mmap(W, 2 * P);
    const fd = UserfaultFD.open(space, UffdFeature.EVENT_REMAP | UffdFeature.EVENT_UNMAP, { clock: new VirtualClock() });
    fd.registerRange(W, 2 * P, UffdRegisterMode.MISSING);
    let done = false;
    const mover = space.mremap(space.task(), W, 2 * P, 2 * P, { mayMove: true, fixed: W + 0x10_0000 }).then((v) => ((done = true), v));
    await tick();
    expect(events(fd)).toEqual([{ event: 'REMAP', from: W, to: W + 0x10_0000, len: 2 * P }]);
    await tick();
    expect(done).toBe(false);
    expect(events(fd)).toEqual([{ event: 'UNMAP', start: W, end: W + 2 * P }]);
    expect(await mover).toBe(W + 0x10_0000);
    expect(space.vmasIn(0, space.taskSize).map((v) => [v.start, v.end])).toEqual([[W + 0x10_0000, W + 0x10_0000 + 2 * P]]);
  });

  it('registration errors: hole-only range EINVAL, holes between VMAs allowed, WP without the WP feature allowed', () => {
    const space = new ReferenceSpace();
    space.mmap(W, 2 * P);
    space.mmap(W + 4 * P, 2 * P);
    const fd = UserfaultFD.open(space, 0);
    expect(() => fd.registerRange(W + 2 * P, P, UffdRegisterMode.MISSING)).toThrow(/EINVAL/);
    expect(() => fd.unregisterRange(W + 2 * P, P)).toThrow(/EINVAL/);
    fd.registerRange(W, 6 * P, UffdRegisterMode.MISSING);
    const ioctls = fd.registerRange(W, 2 * P, UffdRegisterMode.WP);
    expect(ioctls & (1n << BigInt(UffdIoctl.WRITEPROTECT))).not.toBe(0n);
    // A copy straddling the end of a VMA: ENOENT with -2 in the field.
    expect(outcome(() => fd.copyToRange(W, 3 * P, new Uint8Array(3 * P)))).toEqual({ ok: false, errno: 'ENOENT', done: -2 });
  });

  it('a fault raised after a REMOVE is read first; fork holds mmap_changing (EAGAIN) until FORK is read', async () => {
    const space = new ReferenceSpace();
    space.mmap(W, 4 * P);
    const fd = UserfaultFD.open(space, UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_FORK | UffdFeature.THREAD_ID, {
      clock: new VirtualClock(),
    });
    fd.registerRange(W, 4 * P, UffdRegisterMode.MISSING);
    const madv = space.madvise(space.task(1), W, P);
    await tick();
    const reader = space.read(space.task(2), W + 2 * P, 1);
    await tick();
    expect(events(fd)).toEqual([
      { event: 'PAGEFAULT', flags: 0, address: W + 2 * P, ptid: 2, raisedAtMicros: 0 },
      { event: 'REMOVE', start: W, end: W + P },
    ]);
    await madv;
    expect(outcome(() => fd.zeroRange(W + 2 * P, P))).toEqual({ ok: true, value: P });
    expect(await reader).toEqual(new Uint8Array([0]));
    const forker = space.fork(space.task(3));
    await tick();
    expect(outcome(() => fd.zeroRange(W + 3 * P, P))).toEqual({ ok: false, errno: 'EAGAIN', done: -11 });
    expect(events(fd).map((m) => m.event)).toEqual(['FORK']);
    await forker;
    expect(outcome(() => fd.zeroRange(W + 3 * P, P))).toEqual({ ok: true, value: P });
  });
});
