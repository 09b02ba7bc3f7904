import { describe, expect, it } from 'vitest';
import { UffdFeature, UffdRegisterMode, UserfaultFD, VirtualClock } from '../index.js';
import type { UffdMessage , UffdError} from '../index.js';
import { ReferenceSpace, SignalError } from '../test-support/reference-space.js';

const P = 4096;
const BASE = 0x10_0000;
const MISSING = UffdRegisterMode.MISSING;
const EVENTS = UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(features = EVENTS, pages = 4): { space: ReferenceSpace; fd: UserfaultFD } {
  const space = new ReferenceSpace();
  space.mmap(BASE, pages * P);
  const fd = UserfaultFD.open(space, features, { clock: new VirtualClock() });
  fd.registerRange(BASE, pages * P, MISSING);
  return { space, fd };
}

function tracked<T>(p: Promise<T>): { done: () => boolean; p: Promise<T> } {
  let done = false;
  const q = p.finally(() => (done = true));
  return { done: () => done, p: q };
}

describe('Linux ordering of userfaultfd messages', () => {
  it('read() returns pending page faults before older non-fault events', async () => {
    const { space, fd } = setup();
    const remover = tracked(space.madvise(space.task(), BASE, P));
    await tick();
    const reader = tracked(space.read(space.task(), BASE + 2 * P, 1));
    await tick();
    const order: UffdMessage['event'][] = [];
    for (let m = fd.read(); m !== null; m = fd.read()) order.push(m.event);
    expect(order).toEqual(['PAGEFAULT', 'REMOVE']);
    await remover.p;
    fd.zeroRange(BASE + 2 * P, P);
    await reader.p;
  });

  it('madvise blocks until REMOVE is read; fills get EAGAIN until the task resumes; the range stays registered', async () => {
    const { space, fd } = setup();
    space.populate(BASE, new Uint8Array(2 * P).fill(5));
    const remover = tracked(space.madvise(space.task(), BASE, 2 * P));
    await tick();
    expect(remover.done()).toBe(false);
    expect(fd.mmapChanging).toBe(1);
    const e = (() => {
      try {
        fd.zeroRange(BASE + 3 * P, P);
      } catch (err) {
        return err as UffdError;
      }
      return null;
    })();
    expect([e?.code, e?.field]).toEqual(['EAGAIN', -11]);
    expect(fd.read()).toEqual({ event: 'REMOVE', start: BASE, end: BASE + 2 * P });
    // Read, but the task has not resumed yet: still EAGAIN (mmap_changing outlasts the read).
    expect(() => fd.zeroRange(BASE + 3 * P, P)).toThrow(/EAGAIN/);
    await remover.p;
    expect(fd.mmapChanging).toBe(0);
    expect(space.presentPages(BASE, 2 * P)).toBe(0);
    // Still registered: the next access faults, and a zero fill resolves it.
    const reader = tracked(space.read(space.task(), BASE, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: BASE });
    fd.zeroRange(BASE, P);
    expect(await reader.p).toEqual(new Uint8Array([0]));
  });

  it('munmap blocks until UNMAP is read (the whole munmap range); the registration is gone afterwards', async () => {
    const { space, fd } = setup();
    space.mmap(BASE + 4 * P, 2 * P);
    const unmapper = tracked(space.munmap(space.task(), BASE + 2 * P, 4 * P));
    await tick();
    expect(unmapper.done()).toBe(false);
    expect(fd.read()).toEqual({ event: 'UNMAP', start: BASE + 2 * P, end: BASE + 6 * P });
    await unmapper.p;
    await expect(space.read(space.task(), BASE + 2 * P, 1)).rejects.toThrow(SignalError);
    space.mmap(BASE + 2 * P, P);
    expect(await space.read(space.task(), BASE + 2 * P, 1)).toEqual(new Uint8Array([0]));
  });

  it('mremap that moves raises REMAP then UNMAP of the old range, blocking until both are read', async () => {
    const { space, fd } = setup(EVENTS, 2);
    const mover = tracked(space.mremap(space.task(), BASE, 2 * P, 2 * P, { mayMove: true, fixed: 0x20_0000 }));
    await tick();
    expect(fd.read()).toEqual({ event: 'REMAP', from: BASE, to: 0x20_0000, len: 2 * P });
    await tick();
    expect(mover.done()).toBe(false);
    expect(fd.read()).toEqual({ event: 'UNMAP', start: BASE, end: BASE + 2 * P });
    expect(await mover.p).toBe(0x20_0000);
    expect(space.vmasIn(0x20_0000, 0x20_0000 + 2 * P)[0].uffd).toBe(fd);
  });

  it('without EVENT_REMAP a moved VMA loses its registration', async () => {
    const { space } = setup(0, 2);
    const to = await space.mremap(space.task(), BASE, 2 * P, 2 * P, { mayMove: true, fixed: 0x20_0000 });
    expect(space.vmasIn(to, to + P)[0].uffd).toBeNull();
  });

  it('a fault woken before it was read disappears from the queue', async () => {
    const { space, fd } = setup();
    const reader = tracked(space.read(space.task(), BASE, 1));
    await tick();
    expect(fd.readable).toBe(true);
    fd.zeroRange(BASE, P);
    await reader.p;
    expect(fd.read()).toBeNull();
  });

  it('closing wakes every waiting fault (zero-fill, no SIGBUS) and every task blocked on an event', async () => {
    const { space, fd } = setup();
    space.populate(BASE + 3 * P, new Uint8Array(P).fill(1));
    const readers = [0, 1, 2].map((i) => tracked(space.read(space.task(), BASE + i * P, 1)));
    const remover = tracked(space.madvise(space.task(), BASE + 3 * P, P));
    await tick();
    expect(fd.blockedFaults).toBe(3);
    expect(fd.read()?.event).toBe('PAGEFAULT');
    fd.close();
    for (const r of readers) expect(await r.p).toEqual(new Uint8Array([0]));
    await remover.p;
    expect(space.vmasIn(BASE, BASE + 4 * P).every((v) => v.uffd === null)).toBe(true);
    expect(fd.mmapChanging).toBe(0);
  });

  it('fork with EVENT_FORK blocks until FORK is read; the child\'s faults arrive on the child fd', async () => {
    const { space, fd } = setup(UffdFeature.EVENT_FORK | UffdFeature.THREAD_ID);
    const forker = tracked(space.fork(space.task()));
    await tick();
    expect(forker.done()).toBe(false);
    expect(fd.mmapChanging).toBe(1);
    const msg = fd.read();
    expect(msg?.event).toBe('FORK');
    const child = await forker.p;
    if (msg?.event !== 'FORK') throw new Error('unreachable');
    const cfd = msg.child;
    expect(cfd.features).toBe(fd.features);
    const reader = tracked(child.read(child.task(42), BASE + P, 1));
    await tick();
    expect(fd.read()).toBeNull();
    expect(cfd.read()).toMatchObject({ event: 'PAGEFAULT', address: BASE + P, ptid: 42 });
    cfd.zeroRange(BASE + P, P);
    expect(await reader.p).toEqual(new Uint8Array([0]));
  });

  it('fork without EVENT_FORK: the child\'s VMAs are unregistered and zero-fill', async () => {
    const { space } = setup(0);
    const child = await space.fork(space.task());
    expect(child.vmasIn(BASE, BASE + P)[0].uffd).toBeNull();
    expect(await child.read(child.task(), BASE, 1)).toEqual(new Uint8Array([0]));
  });
});

describe('references', () => {
  it('the context is released only when the last reference closes', async () => {
    const { space, fd } = setup(0, 1);
    const other = fd.dup();
    const reader = tracked(space.read(space.task(), BASE, 1));
    await tick();
    fd.close();
    await tick();
    expect(fd.closed).toBe(false);
    expect(reader.done()).toBe(false);
    expect(space.vmasIn(BASE, BASE + P)[0].uffd).toBe(fd);
    other.close();
    other.close();
    expect(fd.closed).toBe(true);
    expect(await reader.p).toEqual(new Uint8Array([0]));
    expect(() => fd.dup()).toThrow(/EBADF/);
  });
});
