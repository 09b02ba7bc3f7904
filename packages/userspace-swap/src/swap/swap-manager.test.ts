import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SwapError, SwapManager, UffdFeature, UffdRegisterMode, UserfaultFD, VirtualClock } from '../index.js';
import type { SwapPolicy } from '../index.js';
import { ReferenceSpace, SignalError } from '../test-support/reference-space.js';

const P = 4096;
const BASE = 0x40_0000;
const PAGES = 64;
const REGION = 16 * P;
const FEATURES = UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP | UffdFeature.THREAD_ID;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'usw-mgr-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Page i holds bytes (i * 7 + j) & 0xff, so every page is distinct and checkable. */
function pageContent(i: number): Uint8Array {
  return new Uint8Array(P).map((_, j) => (i * 7 + j) & 0xff);
}

function setup(extraFeatures = 0, policy?: SwapPolicy) {
  const clock = new VirtualClock();
  const space = new ReferenceSpace();
  space.mmap(BASE, PAGES * P);
  for (let i = 0; i < PAGES; i++) space.populate(BASE + i * P, pageContent(i));
  const uffd = UserfaultFD.open(space, FEATURES | extraFeatures, { clock });
  uffd.registerRange(BASE, PAGES * P, UffdRegisterMode.MISSING);
  const manager = new SwapManager({ directory: dir, clock, freeDiskBytes: () => 10 * 2 ** 30, ...(policy ? { policy } : {}) });
  const renderer = manager.addRenderer('r1', uffd);
  return { clock, space, uffd, manager, renderer };
}

async function readPage(space: ReferenceSpace, i: number, base = BASE): Promise<Uint8Array> {
  return space.read(space.task(), base + i * P, P);
}

describe('SwapManager', () => {
  it('swaps regions out to disk and back in on fault, with the exact bytes', async () => {
    const { space, manager, renderer } = setup();
    expect(renderer.swapOut([{ start: BASE, length: REGION }, { start: BASE + 2 * REGION, length: REGION }])).toBe(32);
    expect(space.presentPages(BASE, PAGES * P)).toBe(32);
    expect(renderer.storedPages).toBe(32);
    expect(readdirSync(dir).length).toBe(1);
    let m = manager.metrics();
    expect(m.pagesSwappedOut).toBe(32);
    expect(m.bytesUsed).toBeGreaterThan(0);
    expect(m.compressionRatio).toBeGreaterThan(1);
    expect(await readPage(space, 3)).toEqual(pageContent(3));
    // The whole region came back with the first fault (prefetch of the record).
    expect(space.presentPages(BASE, REGION)).toBe(16);
    expect(await readPage(space, 40)).toEqual(pageContent(40));
    m = manager.metrics();
    expect(m.pagesSwappedIn).toBe(32);
    expect(m.faults).toMatchObject({ fromSwap: 2, zeroFill: 0, sigbus: 0 });
    expect(m.bytesUsed).toBe(0);
    expect(m.faultLatencyUnderOneMicro + m.faultLatency.reduce((s, b) => s + b.count, 0)).toBe(2);
    manager.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('REMOVE drops the stored pages; those pages zero-fill later, the rest still come from swap', async () => {
    const { space, manager, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }]);
    await space.madvise(space.task(), BASE, 4 * P);
    expect(renderer.storedPages).toBe(12);
    expect(await readPage(space, 2)).toEqual(new Uint8Array(P));
    expect(await readPage(space, 5)).toEqual(pageContent(5));
    const m = manager.metrics();
    expect(m.pagesDropped).toBe(4);
    expect(m.faults.zeroFill).toBe(1);
    expect(m.faults.fromSwap).toBe(1);
  });

  it('UNMAP drops the stored pages and the record, shrinking the used bytes', async () => {
    const { space, manager, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }, { start: BASE + REGION, length: REGION }]);
    const before = manager.metrics().bytesUsed;
    await space.munmap(space.task(), BASE, REGION);
    expect(renderer.storedPages).toBe(16);
    expect(manager.metrics().bytesUsed).toBeLessThan(before);
    await expect(readPage(space, 0)).rejects.toThrow(SignalError);
    expect(await readPage(space, 20)).toEqual(pageContent(20));
  });

  it('REMAP moves the stored pages with the mapping', async () => {
    const { space, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }]);
    const to = await space.mremap(space.task(), BASE, PAGES * P, PAGES * P, { mayMove: true, fixed: 0x80_0000 });
    expect(renderer.isStored(0x80_0000 + 3 * P)).toBe(true);
    expect(renderer.isStored(BASE + 3 * P)).toBe(false);
    expect(await readPage(space, 3, to)).toEqual(pageContent(3));
    expect(await readPage(space, 30, to)).toEqual(pageContent(30));
  });

  it('FORK gives the child its own copy of the swapped state', async () => {
    const { space, manager, renderer } = setup(UffdFeature.EVENT_FORK);
    renderer.swapOut([{ start: BASE, length: REGION }]);
    const child = await space.fork(space.task());
    expect(manager.rendererIds()).toEqual(['r1', 'r1/fork1']);
    expect(manager.renderer('r1/fork1').storedPages).toBe(16);
    expect(await readPage(child, 4)).toEqual(pageContent(4));
    await child.write(child.task(), BASE + 5 * P, new Uint8Array([0xee]));
    expect(await readPage(space, 5)).toEqual(pageContent(5));
    expect((await readPage(child, 5))[0]).toBe(0xee);
    // Records are shared: the parent's swap-in did not remove the child's copy, and vice versa.
    expect(manager.metrics().faults.sigbus).toBe(0);
  });

  it('a corrupted record gives the faulting task SIGBUS and is reported; wrong bytes are never installed', async () => {
    const { space, manager, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }, { start: BASE + REGION, length: REGION }]);
    const file = join(dir, readdirSync(dir)[0]);
    const fd = openSync(file, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, 100);
    b[0] = b[0] ^ 1;
    writeSync(fd, b, 0, 1, 100);
    closeSync(fd);
    await expect(readPage(space, 1)).rejects.toMatchObject({ signal: 'SIGBUS' });
    const errors = manager.errors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ rendererId: 'r1', address: BASE + P });
    expect(errors[0].error.code).toBe('CORRUPT_RECORD');
    expect(manager.metrics().faults.sigbus).toBe(1);
    // The other record is intact.
    expect(await readPage(space, 17)).toEqual(pageContent(17));
  });

  it('a page of a record already present again is skipped by the swap-in of the rest, and stays stored', async () => {
    const { space, manager, renderer } = setup();
    expect(renderer.swapOut([{ start: BASE, length: REGION }])).toBe(16);
    // Something else fills page 5 before the fault (UFFDIO_COPY by another handler): the region's one copy stops there.
    space.populate(BASE + 5 * P, new Uint8Array(P).fill(0xee));
    expect(await readPage(space, 0)).toEqual(pageContent(0));
    // One fault brought every other page back: those before page 5 in one copy, those after it one by one.
    expect(space.presentPages(BASE, REGION)).toBe(16);
    expect(manager.metrics().faults.fromSwap).toBe(1);
    for (const i of [1, 4, 6, 15]) expect(await readPage(space, i)).toEqual(pageContent(i));
    expect(await readPage(space, 5)).toEqual(new Uint8Array(P).fill(0xee));
    expect(renderer.isStored(BASE + 5 * P)).toBe(true);
    expect(renderer.storedPages).toBe(1);
    expect(manager.metrics().pagesSwappedIn).toBe(15);
  });

  it('a fault that meets mmap_changing is declined and served by the timed retry; its latency is measured', async () => {
    const { clock, space, uffd, manager, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }]);
    // A madvise elsewhere holds mmap_changing until its REMOVE is read AND the task resumes; the handler reads the
    // fault and the REMOVE together and tries the COPY in between, so it gets EAGAIN and declines.
    const remover = space.madvise(space.task(), BASE + 40 * P, P);
    let resolved = false;
    const reader = readPage(space, 2).then((v) => ((resolved = true), v));
    await remover;
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    expect(manager.metrics().faults.declined).toBe(1);
    expect(uffd.mmapChanging).toBe(0);
    await clock.advance(999);
    expect(resolved).toBe(false);
    await clock.advance(1);
    expect(await reader).toEqual(pageContent(2));
    expect(manager.metrics().faultLatency).toEqual([{ lowMicros: 512, highMicros: 1024, count: 1 }]);
  });

  it('closing the manager wakes blocked tasks, which then zero-fill (no SIGBUS), and deletes the files', async () => {
    const { space, uffd, manager, renderer } = setup();
    renderer.swapOut([{ start: BASE, length: REGION }]);
    manager.close();
    expect(uffd.closed).toBe(true);
    expect(await readPage(space, 0)).toEqual(new Uint8Array(P));
    expect(readdirSync(dir)).toEqual([]);
    expect(() => manager.runPolicy('moderate')).toThrow(/CLOSED/);
  });

  it('skips regions outside the renderer\'s registration and rejects bad regions', () => {
    const { space, renderer } = setup();
    space.mmap(0x90_0000, REGION);
    space.populate(0x90_0000, new Uint8Array(REGION).fill(1));
    expect(renderer.swapOut([{ start: 0x90_0000, length: REGION }])).toBe(0);
    expect(space.presentPages(0x90_0000, REGION)).toBe(16);
    expect(() => renderer.swapOut([{ start: BASE + 1, length: P }])).toThrow(/INVALID_ARGUMENT/);
  });

  it('requires a handshaken fd with REMOVE, UNMAP and REMAP events', () => {
    const { space, manager } = setup();
    expect(() => manager.addRenderer('r2', UserfaultFD.open(space, UffdFeature.EVENT_REMOVE))).toThrow(/INVALID_ARGUMENT/);
    expect(() => manager.addRenderer('r1', UserfaultFD.open(space, FEATURES))).toThrow(/already managed/);
    expect(() => manager.renderer('nope')).toThrow(/NOT_REGISTERED/);
  });

  it('runPolicy with ChromeOS defaults: swaps a renderer frozen for 60 s, then waits 120 s before swapping it again', async () => {
    const { clock, space, manager, renderer } = setup();
    renderer.setState({ frozenSinceMicros: 0 });
    expect(manager.runPolicy('moderate').decisions).toEqual([
      { rendererId: 'r1', pagesSwapped: 0, reason: 'not-frozen-or-invisible-long-enough' },
    ]);
    await clock.advance(60_000_000);
    expect(manager.runPolicy('moderate').decisions).toEqual([{ rendererId: 'r1', pagesSwapped: 64 }]);
    expect(space.presentPages(BASE, PAGES * P)).toBe(0);
    await readPage(space, 0);
    await clock.advance(60_000_000);
    expect(manager.runPolicy('moderate').decisions[0].reason).toBe('swapped-too-recently');
    expect(existsSync(dir)).toBe(true);
  });

  it('policies are pluggable and comparable on the same workload', async () => {
    const swapOneRegion: SwapPolicy = {
      name: 'one-region',
      pagesPerRegion: 16,
      shouldWalk: () => true,
      eligibility: () => ({ eligible: true }),
      byteBudget: () => REGION,
      selectRegions: (c, budget) => c.filter((_, i) => (i + 1) * REGION <= budget),
    };
    const a = setup(0, swapOneRegion);
    const ra = a.manager.runPolicy('none');
    expect(ra.decisions).toEqual([{ rendererId: 'r1', pagesSwapped: 16 }]);
    a.manager.close();
    const b = setup();
    b.renderer.setState({ invisibleSinceMicros: 0 });
    await b.clock.advance(61_000_000);
    expect(b.manager.runPolicy('none').walked).toBe(false);
    expect(b.manager.runPolicy('critical').decisions).toEqual([{ rendererId: 'r1', pagesSwapped: 64 }]);
  });

  it('any bad argument gets a SwapError, never a crash', () => {
    const { manager, renderer } = setup();
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => {
        const calls: (() => unknown)[] = [
          () => renderer.swapOut([a as never]),
          () => renderer.swapOut([{ start: a, length: b } as never]),
          () => manager.runPolicy(a as never),
          () => manager.renderer(a as never),
          () => manager.addRenderer(a as never, b as never),
          () => new SwapManager({ directory: a, clock: b } as never),
        ];
        for (const call of calls) {
          try {
            call();
          } catch (e) {
            if (!(e instanceof SwapError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
    manager.close();
  });
});
