import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { UffdCopyMode, UffdFeature, UffdMoveMode, UffdOpenFlag, UffdRegisterMode, UffdWriteProtectMode, VirtualClock, type UffdFile, type UserfaultFD } from '@memsim/userspace-swap';
import { Advice, MapFlags, MemoryManager, MremapFlags, Prot, UffdWouldBlockError } from '../index.js';

const P = 4096;
const MISSING = UffdRegisterMode.MISSING;
const EVENTS = UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP | UffdFeature.EVENT_FORK;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const task = { tid: 7 };

function setup(pages = 4, features = EVENTS): { mm: MemoryManager; fd: UserfaultFD; a: number } {
  const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
  const a = mm.mmap(0, pages * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
  const fd = mm.userfaultfd({ features, clock: new VirtualClock() });
  fd.registerRange(a, pages * P, MISSING);
  return { mm, fd, a };
}

function tracked<T>(p: Promise<T>): { done: () => boolean; p: Promise<T> } {
  let done = false;
  const q = p.finally(() => (done = true));
  return { done: () => done, p: q };
}

const page = (byte: number): Uint8Array => new Uint8Array(P).fill(byte);

describe('userfaultfd on a starnix-mm address space', () => {
  it('blocks a user read on a missing page until a handler copies it in', async () => {
    const { mm, fd, a } = setup(4, EVENTS | UffdFeature.THREAD_ID);
    const reader = tracked(mm.readAsync(task, a + P + 10, 2));
    await tick();
    expect(reader.done()).toBe(false);
    const msg = fd.read();
    expect(msg).toMatchObject({ event: 'PAGEFAULT', address: a + P, ptid: 7 });
    expect(fd.copyToRange(a + P, P, page(0x5a))).toBe(P);
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([0x5a, 0x5a]) });
    // The installed page is a normal private page now: sync accesses see it, mincore reports it.
    expect(mm.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([0x5a]) });
    expect(Array.from(mm.mincore(a, 4 * P))).toEqual([0, 1, 0, 0]);
  });

  it('resolves faults through startWaitingForEvents and keeps sync accesses from blocking silently', async () => {
    const { mm, fd, a } = setup();
    const faults: number[] = [];
    fd.startWaitingForEvents({
      pagefault: (address) => {
        faults.push(address);
        fd.copyToRange(address, P, page(address === a ? 1 : 2));
        return true;
      },
      closed: () => undefined,
    });
    expect(() => mm.read(a, 1)).toThrow(UffdWouldBlockError);
    expect(() => mm.kernelRead(a, 1)).toThrow(UffdWouldBlockError);
    const w = await mm.writeAsync(task, a + P - 1, new Uint8Array([9, 9]));
    expect(w).toEqual({ ok: true });
    expect(faults).toEqual([a, a + P]);
    expect(mm.read(a + P - 2, 4)).toEqual({ ok: true, data: new Uint8Array([1, 9, 9, 2]) });
    fd.closeAndStopWaitingForEvents();
    // Closed: the normal anonymous path (zero-fill) takes over.
    expect(mm.read(a + 2 * P, 1)).toEqual({ ok: true, data: new Uint8Array([0]) });
  });

  it('MADV_DONTNEED raises REMOVE before the zap; the range stays registered and zero-fills later', async () => {
    const { mm, fd, a } = setup();
    fd.copyToRange(a, 2 * P, new Uint8Array(2 * P).fill(3));
    expect(() => mm.madvise(a, 2 * P, Advice.DONTNEED)).toThrow(UffdWouldBlockError);
    expect(mm.read(a, 1)).toEqual({ ok: true, data: new Uint8Array([3]) });
    const adv = tracked(mm.madviseAsync(task, a, 2 * P, Advice.DONTNEED));
    await tick();
    expect(adv.done()).toBe(false);
    expect(fd.read()).toEqual({ event: 'REMOVE', start: a, end: a + 2 * P });
    expect(await adv.p).toBe(0);
    const reader = tracked(mm.readAsync(task, a + P, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + P });
    expect(fd.zeroRange(a + P, P)).toBe(P);
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([0]) });
  });

  it('munmap raises UNMAP after unmapping; the range and its registration are gone', async () => {
    const { mm, fd, a } = setup();
    const un = tracked(mm.munmapAsync(task, a + P, 2 * P));
    await tick();
    expect(un.done()).toBe(false);
    expect(mm.read(a + P, 1)).toMatchObject({ ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR' } });
    expect(fd.read()).toEqual({ event: 'UNMAP', start: a + P, end: a + 3 * P });
    expect(await un.p).toBe(0);
    expect(mm.userfaultfdSpace.vmasIn(a, a + 4 * P).map((v) => [v.start - a, v.end - a, v.uffd === fd])).toEqual([
      [0, P, true],
      [3 * P, 4 * P, true],
    ]);
    // A new mapping in the hole is not registered: it zero-fills without userfaultfd.
    mm.mmap(a + P, P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
    expect(mm.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([0]) });
  });

  it('mremap growth that moves raises REMAP then UNMAP, and faults at the new address', async () => {
    const { mm, fd, a } = setup(2);
    fd.copyToRange(a, P, page(4));
    // Block in-place growth.
    mm.mmap(a + 2 * P, P, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
    const mv = tracked(mm.mremapAsync(task, a, 2 * P, 4 * P, MremapFlags.MAYMOVE));
    await tick();
    expect(mv.done()).toBe(false);
    const remap = fd.read();
    expect(remap).toMatchObject({ event: 'REMAP', from: a, len: 2 * P });
    const to = (remap as { to: number }).to;
    expect(to).not.toBe(a);
    expect(fd.read()).toEqual({ event: 'UNMAP', start: a, end: a + 2 * P });
    expect(await mv.p).toBe(to);
    expect(mm.read(to, 1)).toEqual({ ok: true, data: new Uint8Array([4]) });
    // The grown tail is registered too.
    const reader = tracked(mm.readAsync(task, to + 3 * P, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: to + 3 * P });
    fd.copyToRange(to + 3 * P, P, page(8));
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([8]) });
  });

  it('without EVENT_REMAP the moved VMA is unregistered and no event is raised', () => {
    const { mm, fd, a } = setup(2, 0);
    const to = mm.mremap(a, 2 * P, 2 * P, MremapFlags.MAYMOVE | MremapFlags.FIXED, a + 64 * P);
    expect(to).toBe(a + 64 * P);
    expect(mm.read(to, 1)).toEqual({ ok: true, data: new Uint8Array([0]) });
    expect(fd.read()).toBeNull();
  });

  it('keeps the registration through an mprotect split and merges back when equal', () => {
    const { mm, fd, a } = setup();
    const n = mm.vmaCount;
    mm.mprotect(a + P, P, Prot.READ);
    expect(mm.vmaCount).toBe(n + 2);
    expect(mm.userfaultfdSpace.vmasIn(a, a + 4 * P).every((v) => v.uffd === fd && v.uffdMode === MISSING)).toBe(true);
    mm.mprotect(a + P, P, Prot.READ | Prot.WRITE);
    expect(mm.vmaCount).toBe(n);
    // Different registrations never merge; unregistering the middle splits, re-registering merges again.
    fd.unregisterRange(a + P, P);
    expect(mm.vmaCount).toBe(n + 2);
    fd.registerRange(a + P, P, MISSING);
    expect(mm.vmaCount).toBe(n);
    expect(() => mm.read(a + P, 1)).toThrow(UffdWouldBlockError);
  });

  it('fork raises FORK with the child fd, which receives the child task faults', async () => {
    const { mm, fd, a } = setup(2);
    fd.copyToRange(a, P, page(6));
    expect(() => mm.fork()).toThrow(UffdWouldBlockError);
    const f = tracked(mm.forkAsync(task));
    await tick();
    expect(f.done()).toBe(false);
    const msg = fd.read();
    expect(msg?.event).toBe('FORK');
    const child = await f.p;
    const cfd = (msg as { child: UffdFile }).child;
    expect(child.read(a, 1)).toEqual({ ok: true, data: new Uint8Array([6]) });
    const reader = tracked(child.readAsync({ tid: 8 }, a + P, 1));
    await tick();
    expect(fd.read()).toBeNull();
    expect(cfd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + P });
    cfd.copyToRange(a + P, P, page(1));
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([1]) });
    // The parent's page is still missing.
    expect(() => mm.read(a + P, 1)).toThrow(UffdWouldBlockError);
  });

  it('poisoned pages SIGBUS; uffd-wp writes fault with the WP flag', async () => {
    const { mm, fd, a } = setup(2, EVENTS);
    fd.poisonRange(a, P);
    expect(mm.read(a, 1)).toMatchObject({ ok: false, fault: { signal: 'SIGBUS', code: 'BUS_MCEERR_AR', address: a } });
    const wfd = mm.userfaultfd({ features: UffdFeature.PAGEFAULT_FLAG_WP, clock: new VirtualClock() });
    fd.unregisterRange(a + P, P);
    mm.write(a + P, new Uint8Array([1]));
    wfd.registerRange(a + P, P, UffdRegisterMode.WP);
    wfd.writeProtect(a + P, P, UffdWriteProtectMode.WP);
    expect(mm.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([1]) });
    const writer = tracked(mm.writeAsync(task, a + P, new Uint8Array([2])));
    await tick();
    expect(fd.read()).toBeNull();
    expect(wfd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + P });
    wfd.writeProtect(a + P, P, 0);
    expect(await writer.p).toEqual({ ok: true });
    expect(mm.read(a + P, 1)).toEqual({ ok: true, data: new Uint8Array([2]) });
  });

  it('SIGBUS feature: the fault is a SIGBUS instead of a message', async () => {
    const { mm, fd, a } = setup(1, UffdFeature.SIGBUS);
    expect(await mm.readAsync(task, a, 1)).toMatchObject({ ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: a } });
    expect(fd.read()).toBeNull();
  });

  it('registering fewer modes on a range already registered with the fd changes nothing (Linux 6.18)', () => {
    const { mm, fd, a } = setup(2, UffdFeature.SIGBUS);
    fd.registerRange(a, 2 * P, MISSING | UffdRegisterMode.WP);
    const before = mm.maps();
    fd.registerRange(a, P, MISSING);
    expect(mm.maps()).toBe(before);
    // Still registered for WP: write-protecting the first page is allowed.
    expect(() => fd.writeProtect(a, P, UffdWriteProtectMode.WP)).not.toThrow();
  });

  it('SIGBUS feature: mlock stops at a missing registered page (ENOMEM) after populating the pages before it', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false, capIpcLock: true });
    const a = mm.mmap(0, 4 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    const fd = mm.userfaultfd({ features: UffdFeature.SIGBUS });
    fd.registerRange(a + 2 * P, 2 * P, MISSING);
    expect(() => mm.mlock(a, 4 * P)).toThrow(expect.objectContaining({ code: 'ENOMEM' }));
    expect([...mm.mincore(a, 4 * P)]).toEqual([1, 1, 0, 0]);
  });

  it('a populating write fault breaks fork sharing: the page is exclusive again (pagemap bit 56)', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false, capIpcLock: true });
    const a = mm.mmap(0, P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    mm.write(a, new Uint8Array([1]));
    const child = mm.fork();
    const bit56 = (): bigint => (mm.pagemap(BigInt(a), 1n)[0] >> 56n) & 1n;
    expect(bit56()).toBe(0n);
    mm.mlock(a, P);
    expect(bit56()).toBe(1n);
    expect(child.read(a, 1)).toEqual({ ok: true, data: new Uint8Array([1]) });
  });

  it('guard markers: a move from one is EFAULT (holes allowed or not), onto one EEXIST; ZEROPAGE EEXIST; COPY replaces it', () => {
    const { mm, fd, a } = setup(4, UffdFeature.SIGBUS | UffdFeature.MOVE);
    fd.unregisterRange(a, 2 * P);
    mm.madvise(a, P, 102 /* MADV_GUARD_INSTALL */);
    mm.madvise(a + 2 * P, P, 102);
    mm.write(a + P, new Uint8Array([1]));
    expect(() => fd.move(a + 3 * P, a, P, UffdMoveMode.ALLOW_SRC_HOLES)).toThrow(expect.objectContaining({ code: 'EFAULT', field: -14 }));
    expect(() => fd.move(a + 2 * P, a + P, P)).toThrow(expect.objectContaining({ code: 'EEXIST', field: -17 }));
    expect(() => fd.zeroRange(a + 2 * P, P)).toThrow(expect.objectContaining({ code: 'EEXIST', field: -17 }));
    expect(fd.copyToRange(a + 2 * P, P, page(3))).toBe(P);
    expect(mm.read(a + 2 * P, 1)).toEqual({ ok: true, data: new Uint8Array([3]) });
    expect(mm.read(a, 1)).toMatchObject({ ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_MAPERR' } });
  });

  it('a many-page UFFDIO_COPY installs each page its own bytes, over guard markers, and stops at the first present page', () => {
    const { mm, fd, a } = setup(8, UffdFeature.SIGBUS);
    mm.madvise(a + 2 * P, P, 102 /* MADV_GUARD_INSTALL */);
    fd.copyToRange(a + 5 * P, P, page(0xee));
    const src = new Uint8Array(8 * P).map((_, i) => (i >> 12) + 1);
    // Pages 0-4 go in (page 2 over its guard); page 5 is present: EAGAIN, the result field the bytes done.
    expect(() => fd.copyToRange(a, 8 * P, src)).toThrow(expect.objectContaining({ code: 'EAGAIN', field: 5 * P }));
    for (let i = 0; i < 5; i++) expect(mm.read(a + i * P + 100, 1)).toEqual({ ok: true, data: new Uint8Array([i + 1]) });
    expect(mm.read(a + 5 * P, 1)).toEqual({ ok: true, data: new Uint8Array([0xee]) });
    expect(Array.from(mm.mincore(a, 8 * P))).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    // The rest, from its own offset of the source.
    expect(fd.copyToRange(a + 6 * P, 2 * P, src.subarray(6 * P))).toBe(2 * P);
    expect(mm.read(a + 7 * P, 1)).toEqual({ ok: true, data: new Uint8Array([8]) });
    // Every installed page is an ordinary private page: a write changes that page alone.
    mm.write(a + 3 * P, new Uint8Array([0x77]));
    expect(mm.read(a + 3 * P, 1)).toEqual({ ok: true, data: new Uint8Array([0x77]) });
    expect(mm.read(a + 4 * P, 1)).toEqual({ ok: true, data: new Uint8Array([5]) });
  });

  it('a many-page UFFDIO_COPY in WP mode write-protects every page it installs', async () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
    const a = mm.mmap(0, 4 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    const fd = mm.userfaultfd({ features: UffdFeature.PAGEFAULT_FLAG_WP, clock: new VirtualClock() });
    fd.registerRange(a, 4 * P, MISSING | UffdRegisterMode.WP);
    expect(fd.copyToRange(a, 4 * P, new Uint8Array(4 * P).fill(9), UffdCopyMode.WP)).toBe(4 * P);
    const writer = tracked(mm.writeAsync(task, a + 3 * P, new Uint8Array([1])));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + 3 * P });
    fd.writeProtect(a, 4 * P, 0);
    expect(await writer.p).toEqual({ ok: true });
    expect(mm.read(a + 2 * P, 1)).toEqual({ ok: true, data: new Uint8Array([9]) });
  });

  it('a MAP_DROPPABLE mapping cannot be registered, even for WP alone with WP_ASYNC (Linux 6.18: EINVAL)', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
    const a = mm.mmap(0, 2 * P, Prot.READ | Prot.WRITE, MapFlags.DROPPABLE | MapFlags.ANONYMOUS);
    const fd = mm.userfaultfd({ features: UffdFeature.WP_ASYNC });
    expect(() => fd.registerRange(a, 2 * P, MISSING)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => fd.registerRange(a, 2 * P, UffdRegisterMode.WP)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('SIGBUS feature: a synchronous access gets the SIGBUS too (nothing to wait for), after the bytes before it', () => {
    // Linux 6.18 (the probe): a 16-byte write from 8 bytes before a missing registered page reports SIGBUS/BUS_ADRERR
    // at the page, 8 bytes done.
    const { mm, fd, a } = setup(2, UffdFeature.SIGBUS);
    fd.zeroRange(a, P);
    expect(mm.write(a + P - 8, new Uint8Array(16).fill(1))).toEqual({ ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: a + P, done: 8 } });
    expect(mm.read(a + P, 1)).toEqual({ ok: false, fault: { signal: 'SIGBUS', code: 'BUS_ADRERR', address: a + P, done: 0 } });
    expect(fd.read()).toBeNull();
  });
});

describe('userfaultfd address-space adapter', () => {
  it('takePages moves present pages out without events; the next access faults', async () => {
    const { mm, fd, a } = setup(3);
    fd.copyToRange(a, P, page(1));
    fd.zeroRange(a + 2 * P, P);
    const taken = mm.userfaultfdSpace.takePages(a, 3 * P);
    expect(taken.map((t) => [t.address - a, t.data[0]])).toEqual([
      [0, 1],
      [2 * P, 0],
    ]);
    expect(fd.read()).toBeNull();
    expect(mm.userfaultfdSpace.isPagePresent(a)).toBe(false);
    const reader = tracked(mm.readAsync(task, a, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a });
    fd.copyToRange(a, P, taken[0].data);
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([1]) });
  });

  it('reports VMA kinds and rejects a bad task', async () => {
    const { mm, a } = setup(1);
    const fdn = mm.memfdCreate('m', P);
    const s = mm.mmap(0, P, Prot.READ | Prot.WRITE, MapFlags.SHARED, fdn, 0);
    const p = mm.mmap(0, P, Prot.READ, MapFlags.PRIVATE, fdn, 0);
    const kinds = (x: number): string => mm.userfaultfdSpace.vmasIn(x, x + P)[0].kind;
    expect([kinds(a), kinds(s), kinds(p)]).toEqual(['anonymous', 'shmem', 'file']);
    await expect(mm.readAsync({ tid: -1 }, a, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mm.munmapAsync({ tid: 1 }, a + 1, P)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('sync calls work on registered ranges whose events are off', () => {
    const { mm, fd, a } = setup(4, 0);
    expect(mm.madvise(a, P, Advice.DONTNEED)).toBe(0);
    expect(mm.munmap(a, P)).toBe(0);
    expect(mm.fork().vmaCount).toBe(mm.vmaCount);
    expect(fd.read()).toBeNull();
  });
});

describe('smaps VmFlags of registered VMAs (as Linux 6.18 prints them)', () => {
  it('shows um / uw, splits by registration and merges back after mprotect and unregister', () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
    const a = mm.mmap(0, 10 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    // A written VMA has an anon_vma, so mprotect keeps VM_ACCOUNT (as in the kernel run this mirrors).
    mm.write(a, new Uint8Array([1]));
    const fd = mm.userfaultfd({ features: UffdFeature.PAGEFAULT_FLAG_WP, clock: new VirtualClock() });
    const flags = (): string[] =>
      mm
        .smaps()
        .split('\n')
        .filter((l) => l.startsWith('VmFlags'))
        .map((l) => l.slice(9).trim());
    const ranges = (): number[][] => mm.vmas().map((v) => [(v.start - a) / P, (v.end - a) / P]);
    fd.registerRange(a + P, 2 * P, MISSING);
    fd.registerRange(a + 5 * P, P, MISSING | UffdRegisterMode.WP);
    expect(ranges()).toEqual([[0, 1], [1, 3], [3, 5], [5, 6], [6, 10]]);
    expect(flags()).toEqual(['rd wr mr mw me ac', 'rd wr mr mw me um ac', 'rd wr mr mw me ac', 'rd wr mr mw me um uw ac', 'rd wr mr mw me ac']);
    mm.mprotect(a + P, P, Prot.READ);
    expect(flags()[1]).toBe('rd mr mw me um ac');
    mm.mprotect(a + P, P, Prot.READ | Prot.WRITE);
    expect(ranges()).toEqual([[0, 1], [1, 3], [3, 5], [5, 6], [6, 10]]);
    fd.unregisterRange(a, 10 * P);
    expect(ranges()).toEqual([[0, 10]]);
    expect(flags()).toEqual(['rd wr mr mw me ac']);
  });
});

describe('populating registered memory', () => {
  it('MADV_POPULATE refuses to fill missing registered pages; mlock leaves them to the handler', async () => {
    const { mm, fd, a } = setup(2);
    expect(() => mm.madvise(a, 2 * P, Advice.POPULATE_WRITE)).toThrow(UffdWouldBlockError);
    fd.copyToRange(a, P, page(3));
    expect(mm.madvise(a, P, Advice.POPULATE_WRITE)).toBe(0);
    expect(mm.mlock(a, 2 * P)).toBe(0);
    expect(Array.from(mm.mincore(a, 2 * P))).toEqual([1, 0]);
    const reader = tracked(mm.readAsync(task, a + P, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + P });
    fd.zeroRange(a + P, P);
    expect(await reader.p).toEqual({ ok: true, data: new Uint8Array([0]) });
  });
});

describe('kernel-mode copies into registered memory', () => {
  it('kernelWriteAsync waits for the handler; USER_MODE_ONLY makes kernel faults stop the copy (EFAULT)', async () => {
    const { mm, fd, a } = setup(2);
    const w = tracked(mm.kernelWriteAsync(task, a + P - 2, new Uint8Array([1, 2, 3, 4])));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a });
    fd.zeroRange(a, P);
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a + P });
    fd.zeroRange(a + P, P);
    expect(await w.p).toBe(4);
    expect(await mm.kernelReadAsync(task, a + P - 2, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));

    const mm2 = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
    const b = mm2.mmap(0, 2 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    const ufd = mm2.userfaultfd({ flags: UffdOpenFlag.USER_MODE_ONLY, features: 0, clock: new VirtualClock() });
    ufd.registerRange(b + P, P, MISSING);
    expect(await mm2.kernelReadAsync(task, b + P - 3, 6)).toEqual(new Uint8Array(3));
    await expect(mm2.kernelReadAsync(task, b + P, 6)).rejects.toMatchObject({ code: 'EFAULT' });
  });
});

describe('userfaultfd after the address space is gone', () => {
  it('exec: fills get ESRCH, a blocked task gets SIGBUS, closing the fd is harmless', async () => {
    const { mm, fd, a } = setup(1);
    const reader = tracked(mm.readAsync(task, a, 1));
    await tick();
    expect(fd.read()).toMatchObject({ event: 'PAGEFAULT', address: a });
    const next = mm.exec({ stack: false });
    expect(() => fd.copyToRange(a, P, page(1))).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    fd.close();
    expect(await reader.p).toMatchObject({ ok: false, fault: { signal: 'SIGBUS' } });
    expect(next.vmaCount).toBe(0);
  });
});

describe('brk over registered memory', () => {
  it('brkAsync raises UNMAP for the released heap and waits for it', async () => {
    const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false });
    const base = mm.brk(0);
    expect(mm.brk(base + 4 * P)).toBe(base + 4 * P);
    const fd = mm.userfaultfd({ features: UffdFeature.EVENT_UNMAP, clock: new VirtualClock() });
    fd.registerRange(base, 4 * P, MISSING);
    const b = tracked(mm.brkAsync(task, base + P));
    await tick();
    expect(b.done()).toBe(false);
    expect(fd.read()).toEqual({ event: 'UNMAP', start: base + P, end: base + 4 * P });
    expect(await b.p).toBe(base + P);
  });
});
