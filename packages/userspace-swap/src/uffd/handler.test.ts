import { describe, expect, it } from 'vitest';
import { UffdFeature, UffdRegisterMode, UserfaultFD, VirtualClock } from '../index.js';
import type { PagefaultFlags, UserfaultFDHandler , UffdError} from '../index.js';
import { ReferenceSpace } from '../test-support/reference-space.js';

// Chromium's userfaultfd unit-test behaviours, re-expressed on the model.
const P = 4096;
const BASE = 0x10_0000;
const MISSING = UffdRegisterMode.MISSING;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Recorded {
  faults: { address: number; flags: PagefaultFlags; tid: number }[];
  events: string[];
  closes: number[];
}

function recorder(onFault: (address: number, flags: PagefaultFlags, tid: number) => boolean): UserfaultFDHandler & Recorded {
  const rec: Recorded = { faults: [], events: [], closes: [] };
  return Object.assign(rec, {
    pagefault(address: number, flags: PagefaultFlags, tid: number): boolean {
      rec.faults.push({ address, flags, tid });
      return onFault(address, flags, tid);
    },
    removed: (s: number, e: number) => void rec.events.push(`REMOVE ${s - BASE}-${e - BASE}`),
    unmapped: (s: number, e: number) => void rec.events.push(`UNMAP ${s - BASE}-${e - BASE}`),
    remapped: (o: number, n: number, l: number) => void rec.events.push(`REMAP ${o - BASE}->${n} ${l}`),
    closed: (err: number) => void rec.closes.push(err),
  });
}

function setup(features: number, pages = 20): { space: ReferenceSpace; fd: UserfaultFD; clock: VirtualClock } {
  const space = new ReferenceSpace();
  space.mmap(BASE, pages * P);
  const clock = new VirtualClock();
  const fd = UserfaultFD.open(space, features, { clock });
  return { space, fd, clock };
}

describe('Chromium UserfaultFD behaviours', () => {
  it('a read fault resolved with a zero page; tid is 0 without THREAD_ID', async () => {
    const { space, fd } = setup(0, 1);
    fd.registerRange(BASE, P, MISSING);
    const h = recorder((a) => (fd.zeroRange(a, P), true));
    fd.startWaitingForEvents(h);
    expect(await space.read(space.task(55), BASE + 10, 2)).toEqual(new Uint8Array(2));
    expect(h.faults).toEqual([{ address: BASE, flags: { write: false, wp: false, minor: false }, tid: 0 }]);
  });

  it('a declined fault is retried on the timer (the seed\'s hang, fixed) and then resolved', async () => {
    const { space, fd, clock } = setup(0, 1);
    fd.registerRange(BASE, P, MISSING);
    let calls = 0;
    const h = recorder((a) => {
      calls++;
      if (calls === 1) return false;
      fd.zeroRange(a, P);
      return true;
    });
    fd.startWaitingForEvents(h, { retryDelayMicros: 500 });
    let done = false;
    const t = space.read(space.task(), BASE, 1).then(() => (done = true));
    await tick();
    expect(calls).toBe(1);
    // No further event arrives: only the timer can redeliver.
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(1);
    await t;
    expect(calls).toBe(2);
  });

  it('a declined fault is also redelivered when the next event arrives (and EAGAIN then defers it to the timer)', async () => {
    const { space, fd, clock } = setup(UffdFeature.EVENT_REMOVE, 2);
    fd.registerRange(BASE, 2 * P, MISSING);
    let allow = false;
    const results: string[] = [];
    const h = recorder((a) => {
      if (!allow) return false;
      try {
        fd.zeroRange(a, P);
        results.push('ok');
        return true;
      } catch (e) {
        results.push((e as UffdError).code);
        return false;
      }
    });
    fd.startWaitingForEvents(h, { retryDelayMicros: 1_000_000 });
    const t = space.read(space.task(), BASE, 1);
    await tick();
    allow = true;
    await space.madvise(space.task(), BASE + P, P);
    await tick();
    // Redelivered right after the REMOVE was read, while the madvise task had not resumed: EAGAIN.
    expect(h.faults.length).toBe(2);
    expect(results).toEqual(['EAGAIN']);
    await clock.advance(1_000_000);
    await t;
    expect(results).toEqual(['EAGAIN', 'ok']);
  });

  it('THREAD_ID reports the faulting thread', async () => {
    const { space, fd } = setup(UffdFeature.THREAD_ID, 1);
    fd.registerRange(BASE, P, MISSING);
    const h = recorder((a) => (fd.zeroRange(a, P), true));
    fd.startWaitingForEvents(h);
    await space.read(space.task(4242), BASE, 1);
    expect(h.faults[0].tid).toBe(4242);
  });

  it('a write fault carries the write flag; COPY resolves it with the given bytes', async () => {
    const { space, fd } = setup(0, 1);
    fd.registerRange(BASE, P, MISSING);
    const h = recorder((a) => (fd.copyToRange(a, P, new Uint8Array(P).fill(0x61)), true));
    fd.startWaitingForEvents(h);
    await space.write(space.task(), BASE + 1, new Uint8Array([0x62]));
    expect(h.faults[0].flags.write).toBe(true);
    expect(await space.read(space.task(), BASE, 3)).toEqual(new Uint8Array([0x61, 0x62, 0x61]));
  });

  it('one COPY of 20 pages resolves 20 faulting tasks', async () => {
    const { space, fd } = setup(0);
    fd.registerRange(BASE, 20 * P, MISSING);
    const src = new Uint8Array(20 * P);
    for (let i = 0; i < 20; i++) src.fill(i + 1, i * P, (i + 1) * P);
    let copies = 0;
    const h = recorder(() => {
      if (copies++ === 0) fd.copyToRange(BASE, 20 * P, src);
      return true;
    });
    fd.startWaitingForEvents(h);
    const reads = Array.from({ length: 20 }, (_, i) => space.read(space.task(), BASE + i * P, 1));
    const got = await Promise.all(reads);
    expect(got.map((b) => b[0])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(space.presentPages(BASE, 20 * P)).toBe(20);
  });

  it('20 separate faults, each resolved by its own COPY', async () => {
    const { space, fd } = setup(0);
    fd.registerRange(BASE, 20 * P, MISSING);
    const h = recorder((a) => (fd.copyToRange(a, P, new Uint8Array(P).fill((a - BASE) / P)), true));
    fd.startWaitingForEvents(h);
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => space.read(space.task(), BASE + i * P, 1)));
    expect(got.map((b) => b[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(h.faults.map((f) => f.address)).toEqual(Array.from({ length: 20 }, (_, i) => BASE + i * P));
  });

  it('only the registered sub-range faults', async () => {
    const { space, fd } = setup(0, 6);
    fd.registerRange(BASE + 2 * P, 2 * P, MISSING);
    const h = recorder((a) => (fd.zeroRange(a, P), true));
    fd.startWaitingForEvents(h);
    for (let i = 0; i < 6; i++) await space.read(space.task(), BASE + i * P, 1);
    expect(h.faults.map((f) => (f.address - BASE) / P)).toEqual([2, 3]);
  });

  it('REMOVE of one page and of several pages reports only the registered part', async () => {
    const { space, fd } = setup(UffdFeature.EVENT_REMOVE, 8);
    fd.registerRange(BASE + 2 * P, 4 * P, MISSING);
    const h = recorder(() => true);
    fd.startWaitingForEvents(h);
    await space.madvise(space.task(), BASE + 2 * P, P);
    await space.madvise(space.task(), BASE, 8 * P);
    expect(h.events).toEqual([`REMOVE ${2 * P}-${3 * P}`, `REMOVE ${2 * P}-${6 * P}`]);
  });

  it('UNMAP of one page, of several pages, and a partial UNMAP (the rest stays registered)', async () => {
    const { space, fd } = setup(UffdFeature.EVENT_UNMAP, 8);
    fd.registerRange(BASE, 8 * P, MISSING);
    const h = recorder((a) => (fd.zeroRange(a, P), true));
    fd.startWaitingForEvents(h);
    await space.munmap(space.task(), BASE, P);
    await space.munmap(space.task(), BASE + P, 3 * P);
    await space.munmap(space.task(), BASE + 6 * P, 4 * P);
    expect(h.events).toEqual([`UNMAP 0-${P}`, `UNMAP ${P}-${4 * P}`, `UNMAP ${6 * P}-${10 * P}`]);
    await space.read(space.task(), BASE + 5 * P, 1);
    expect(h.faults.map((f) => f.address)).toEqual([BASE + 5 * P]);
  });

  it('REMAP on mremap growth, then faults at the new address', async () => {
    const { space, fd } = setup(UffdFeature.EVENT_REMAP | UffdFeature.EVENT_UNMAP, 2);
    space.mmap(BASE + 2 * P, P);
    fd.registerRange(BASE, 2 * P, MISSING);
    const h = recorder((a) => (fd.zeroRange(a, P), true));
    fd.startWaitingForEvents(h);
    const to = await space.mremap(space.task(), BASE, 2 * P, 4 * P, { mayMove: true });
    expect(to).not.toBe(BASE);
    expect(h.events).toEqual([`REMAP 0->${to} ${2 * P}`, `UNMAP 0-${2 * P}`]);
    await space.read(space.task(), to + P, 1);
    await space.read(space.task(), to + 3 * P, 1);
    expect(h.faults.map((f) => f.address)).toEqual([to + P, to + 3 * P]);
  });

  it('closeAndStopWaitingForEvents ends with closed(0) exactly once and releases blocked tasks', async () => {
    const { space, fd } = setup(0, 1);
    fd.registerRange(BASE, P, MISSING);
    const h = recorder(() => false);
    fd.startWaitingForEvents(h);
    const t = space.read(space.task(), BASE, 1);
    await tick();
    fd.closeAndStopWaitingForEvents();
    fd.closeAndStopWaitingForEvents();
    expect(await t).toEqual(new Uint8Array([0]));
    expect(h.closes).toEqual([0]);
  });

  it('a second handler is EBUSY', () => {
    const { fd } = setup(0, 1);
    fd.startWaitingForEvents(recorder(() => true));
    expect(() => fd.startWaitingForEvents(recorder(() => true))).toThrow(/EBUSY/);
  });
});

describe('blocking tasks', () => {
  it('a task faulting in a registered missing range is suspended while other tasks and the handler keep running', async () => {
    const { space, fd } = setup(UffdFeature.THREAD_ID, 4);
    fd.registerRange(BASE, P, MISSING);
    const seen: number[] = [];
    // The handler resolves only faults from thread 2; thread 1 stays blocked until the fd closes.
    const h = recorder((a, _f, tid) => {
      seen.push(tid);
      if (tid !== 2) return true;
      fd.copyToRange(a, P, new Uint8Array(P).fill(2));
      return true;
    });
    fd.startWaitingForEvents(h);
    let blockedDone = false;
    const blocked = space.read(space.task(1), BASE, 1).then((v) => ((blockedDone = true), v));
    await tick();
    // Another task works on unregistered memory meanwhile.
    await space.write(space.task(3), BASE + 2 * P, new Uint8Array([8]));
    expect(await space.read(space.task(3), BASE + 2 * P, 1)).toEqual(new Uint8Array([8]));
    // And a second fault on the same page is handled; its COPY wakes both waiters.
    expect(await space.read(space.task(2), BASE, 1)).toEqual(new Uint8Array([2]));
    expect(await blocked).toEqual(new Uint8Array([2]));
    expect(blockedDone).toBe(true);
    expect(seen).toEqual([1, 2]);
  });
});
