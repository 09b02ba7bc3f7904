import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { MapFlags, MemoryManager, Prot } from '../index.js';
import { bytes, errno, FIX, newMm, P, PA, peek, poke, RW, SA, testDesign, W } from '../test-support/setup.js';

describe('placement', () => {
  it('is deterministic with ASLR off and top-down below mmap_base', () => {
    const a = newMm();
    const b = newMm();
    const x = a.mmap(0, P, RW, PA);
    expect(x).toBe(b.mmap(0, P, RW, PA));
    expect(x).toBe(0x7ffff7ffe000);
    expect(a.mmap(0, P, Prot.READ, PA)).toBe(x - P);
  });
  it('randomizes mmap_base from the kernel seed with ASLR on', () => {
    const at = (seed: number): number => MemoryManager.create(new Kernel({ seed }), { aslr: true }).mmap(0, P, RW, PA);
    expect(at(1)).toBe(at(1));
    expect(new Set([at(1), at(2), at(3)]).size).toBeGreaterThan(1);
  });
  it('uses a free hint, skips an occupied one, and keeps MAP_32BIT below 2 GiB', () => {
    const mm = newMm();
    expect(mm.mmap(W, P, RW, PA)).toBe(W);
    expect(mm.mmap(W, P, RW, PA)).not.toBe(W);
    const low = mm.mmap(0, P, RW, PA | MapFlags['32BIT']);
    expect(low).toBeLessThan(2 ** 31);
  });
  it('aligns hint-less anonymous mappings of 2 MiB multiples to 2 MiB (THP)', () => {
    const mm = newMm();
    const a = mm.mmap(0, 4 << 20, RW, PA);
    expect(a % (2 << 20)).toBe(0);
  });
  it('keeps the lower-half layout inside the lower half', () => {
    const mm = newMm({ layout: 'lower-half' });
    const a = mm.mmap(0, P, RW, PA);
    expect(a + P).toBeLessThanOrEqual(mm.taskSize);
    expect(mm.taskSize).toBeLessThan(2 ** 47 / 2 + 2 ** 30);
  });
  it('reaches 4096 VMAs without merging alternating protections', () => {
    const mm = newMm({ stack: false });
    for (let i = 0; i < 4096; i++) mm.mmap(W + i * P, P, i % 2 ? Prot.READ : RW, PA | FIX);
    expect(mm.vmaCount).toBe(4096);
    mm.mprotect(W, 4096 * P, RW);
    // 'per-mapping': each mmap made its own VMO, so the VMAs stay apart (Starnix difference unmerged-anon-neighbours).
    expect(mm.vmaCount).toBe(testDesign() === 'single' ? 1 : 4096);
  });
});

describe('system-call arguments', () => {
  it('takes numbers and bigints as the kernel sees them, never wrapping silently', () => {
    const mm = newMm();
    expect(errno(() => mm.munmap(W, -1))).toBe('EINVAL');
    expect(errno(() => mm.munmap(W, 2n ** 64n - 1n))).toBe('EINVAL');
    expect(errno(() => mm.munmap(W, 2n ** 64n))).toBe('EINVAL');
    expect(errno(() => mm.munmap(W, 1.5))).toBe('EINVAL');
    expect(errno(() => mm.munmap(W, Number.NaN))).toBe('EINVAL');
    expect(errno(() => mm.munmap(W, 2 ** 60))).toBe('EINVAL');
    expect(errno(() => mm.mmap(BigInt(W), 4096n, 3n, BigInt(PA | FIX)))).toBe('ok');
    expect(errno(() => mm.munmap('x' as unknown as number, P))).toBe('EINVAL');
    expect(mm.syscall('munmap', [W + 1, P])).toBe(-22);
    expect(mm.syscall('mmap', [0, 0, 1, PA])).toBe(-22);
    expect(mm.brk(-1)).toBe(mm.brk(0));
  });
});

describe('lifecycle and cross-process access', () => {
  it('exec gives a fresh address space; CLONE_VM shares it; process_vm_readv reads another one', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, SA | FIX);
    poke(mm, W, bytes(4, 7));
    const shared = mm.cloneVm();
    expect(peek(shared, W, 1)[0]).toBe(7);
    const other = newMm();
    expect([...MemoryManager.processVmReadv(mm, W, 4)]).toEqual([7, 7, 7, 7]);
    expect(MemoryManager.processVmWritev(mm, W, new Uint8Array([9]))).toBe(1);
    expect(peek(mm, W, 1)[0]).toBe(9);
    expect(errno(() => MemoryManager.processVmReadv(other, W, 4))).toBe('EFAULT');
    const fresh = mm.exec();
    expect(fresh.read(W, 1).ok).toBe(false);
    expect(fresh.maps()).toContain('[stack]');
  });
  it('an address space that exec or dispose tore down answers ESRCH and changes nothing', async () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    const brk = mm.brk(0);
    const fresh = mm.exec();
    expect(errno(() => mm.mmap(W + P, P, RW, PA | FIX))).toBe('ESRCH');
    expect(errno(() => mm.munmap(W, P))).toBe('ESRCH');
    expect(errno(() => mm.read(W, 1))).toBe('ESRCH');
    expect(errno(() => mm.kernelRead(W, 1))).toBe('ESRCH');
    expect(errno(() => mm.fork())).toBe('ESRCH');
    expect(errno(() => mm.maps())).toBe('ESRCH');
    expect(mm.syscall('mprotect', [W, P, Prot.READ])).toBe(-3);
    expect(mm.brk(brk + 4 * P)).toBe(brk);
    await expect(mm.readAsync({ tid: 1 }, W, 1)).rejects.toMatchObject({ code: 'ESRCH' });
    // The new image is untouched by all of that.
    expect(fresh.read(W, 1).ok).toBe(false);
    mm[Symbol.dispose]();
    fresh[Symbol.dispose]();
    expect(errno(() => fresh.mmap(0, P, RW, PA))).toBe('ESRCH');
  });
  it('kernel reads report partial copies (and EFAULT when nothing is copied)', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    expect(mm.kernelRead(W + P - 6, 100).length).toBe(6);
    expect(errno(() => mm.kernelRead(W + P, 4))).toBe('EFAULT');
    expect(mm.kernelRead(W, P + 6, 'pipe').length).toBe(P);
  });
  it('kernel reads into a caller buffer copy what is accessible and leave the rest of the buffer alone', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    poke(mm, W + P - 6, new Uint8Array([1, 2, 3, 4, 5, 6]));
    const out = new Uint8Array(10).fill(0xee);
    expect(mm.kernelReadInto(W + P - 6, out)).toBe(6);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6, 0xee, 0xee, 0xee, 0xee]);
    expect(errno(() => mm.kernelReadInto(W + P, out))).toBe('EFAULT');
    expect(errno(() => mm.kernelReadInto(2n ** 64n, out))).toBe('EINVAL');
    const page = new Uint8Array(P + 6).fill(0xee);
    expect(mm.kernelReadInto(W, page, 'pipe')).toBe(P);
    expect(page[P]).toBe(0xee);
    expect(mm.kernelReadInto(W, new Uint8Array(0))).toBe(0);
    expect(() => mm.kernelReadInto(W, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
  it('smaps of huge sparse mappings counts just the populated pages', () => {
    const mm = newMm({ stack: false });
    const G = 2 ** 30;
    mm.mmap(W, 64 * G, RW, PA | FIX | MapFlags.NORESERVE);
    for (const off of [0, 5 * P, 64 * G - P]) poke(mm, W + off, bytes(1, 1));
    peek(mm, W + 9 * P, 1);
    // A private file mapping: one page read (page cache), one written (a private copy).
    const fd = mm.memfdCreate('f', 4 * G);
    const f = W + 65 * G;
    mm.mmap(f, 4 * G, RW, MapFlags.PRIVATE | FIX, fd, 0);
    peek(mm, f + 3 * G, 1);
    poke(mm, f + 7 * P, bytes(1, 2));
    const text = mm.smaps();
    const rss = [...text.matchAll(/^Rss: +(\d+) kB$/gm)].map((m) => Number(m[1]));
    const dirty = [...text.matchAll(/^Private_Dirty: +(\d+) kB$/gm)].map((m) => Number(m[1]));
    // The zero page read at W + 9 pages is not counted, as on Linux.
    expect(rss).toEqual([12, 8]);
    expect(dirty).toEqual([12, 4]);
  });
  it('prints smaps with the maps line, sizes and VmFlags', () => {
    const mm = newMm({ stack: false });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    poke(mm, W, bytes(1, 1));
    const text = mm.smaps();
    expect(text).toContain('100000000000-100000002000 rw-p 00000000 00:00 0 \nSize:                  8 kB\n');
    expect(text).toContain('Rss:                   4 kB\n');
    expect(text).toContain('VmFlags: rd wr mr mw me ac \n');
  });
  it('names anonymous VMAs with PR_SET_VMA_ANON_NAME and rejects bad names', () => {
    const mm = newMm({ stack: false });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    mm.setVmaAnonName(W, P, 'heap thing');
    expect(mm.maps()).toContain('[anon:heap thing]');
    expect(errno(() => mm.setVmaAnonName(W, P, 'bad$'))).toBe('EINVAL');
    expect(errno(() => mm.setVmaAnonName(W, P, 'x'.repeat(80)))).toBe('EINVAL');
    expect(errno(() => mm.setVmaAnonName(W, 4 * P, 'x'))).toBe('ENOMEM');
    const fd = mm.memfdCreate('f', P);
    mm.mmap(W + 8 * P, P, RW, MapFlags.SHARED | FIX, fd, 0);
    expect(errno(() => mm.setVmaAnonName(W + 8 * P, P, 'x'))).toBe('EBADF');
  });
  it('enforces RLIMIT_AS, RLIMIT_DATA (brk) and RLIMIT_STACK', () => {
    const mm = newMm({ rlimits: { AS: { cur: 2 ** 30, max: 2 ** 30 } } });
    expect(errno(() => mm.mmap(0, 2 ** 30, RW, PA))).toBe('ENOMEM');
    mm.setrlimit('DATA', 2 * P);
    const b = mm.brk(0);
    expect(mm.brk(b + 4 * P)).toBe(b);
    expect(mm.brk(b + P)).toBe(b + P);
    mm.setrlimit('STACK', 200 * P);
    const stackLow = mm.vmas().find((v) => v.name === null && v.end === mm.taskSize)?.start ?? 0;
    expect(mm.write(stackLow - 10 * P, bytes(1, 1)).ok).toBe(true);
    expect(mm.write(stackLow - 300 * P, bytes(1, 1)).ok).toBe(false);
  });
});
