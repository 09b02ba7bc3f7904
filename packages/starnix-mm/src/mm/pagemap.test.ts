import { describe, expect, it } from 'vitest';
import type { UffdError} from '@memsim/userspace-swap';
import { UffdFeature, UffdRegisterMode } from '@memsim/userspace-swap';
import { LINUX_6_18_V669, type KernelProfile } from '../profile/kernel-profile.js';
import { Pagemap } from './pagemap.js';
import { PageCategory } from './pagemap-scan.js';
import { Advice, MapFlags } from '../abi/constants.js';
import { errno, FIX, newMm, P, PA, RW, testDesign, W } from '../test-support/setup.js';

const softDirtyKernel: KernelProfile = { ...LINUX_6_18_V669, name: 'soft-dirty', softDirty: true };
const bits = (e: bigint): bigint => e >> 55n;

describe('/proc/PID/pagemap and clear_refs', () => {
  it('PAGEMAP_SCAN WRITTEN: an emptied page table stays until no VMA is left in its 2 MiB (free_pgtables)', () => {
    using mm = newMm({ validate: true });
    const T = 0x20_0000;
    const written = (s: number, e: number): Array<[number, number]> => mm.pagemapScan({ start: W + s, end: W + e, categoryMask: PageCategory.WRITTEN, returnMask: PageCategory.WRITTEN }).regions.map((r) => [r.start - W, r.end - W]);
    mm.mmap(W, 16 * P, RW, PA | FIX);
    mm.write(W, new Uint8Array([1]));
    mm.munmap(W, P);
    expect(written(0, 32 * P)).toEqual([[P, 16 * P]]);
    // DONTNEED below 2 MiB keeps the table; MAP_FIXED over the block's only VMA frees it first.
    mm.mmap(W + 2 * T, 4 * P, RW, PA | FIX);
    mm.write(W + 2 * T + P, new Uint8Array([1]));
    mm.madvise(W + 2 * T, 4 * P, Advice.DONTNEED);
    expect(written(2 * T, 2 * T + 4 * P)).toEqual([[2 * T, 2 * T + 4 * P]]);
    mm.mmap(W + 2 * T, 4 * P, RW, PA | FIX);
    expect(written(2 * T, 2 * T + 4 * P)).toEqual([]);
    // munmap of everything in a block frees its table: a new mapping there has none.
    mm.munmap(W, 16 * P);
    mm.mmap(W, 4 * P, RW, PA | FIX);
    expect(written(0, 4 * P)).toEqual([]);
  });

  it('soft-dirty (CONFIG_MEM_SOFT_DIRTY): new VMAs and written pages carry bit 55 until clear_refs 4', () => {
    using mm = newMm({ profile: softDirtyKernel, validate: true });
    const a = mm.mmap(0, 4 * P, RW, PA);
    expect(mm.pagemap(a, 1)[0]).toBe(Pagemap.SOFT_DIRTY);
    mm.write(a, new Uint8Array([1]));
    mm.clearRefs(4);
    expect(bits(mm.pagemap(a, 1)[0])).toBe(0x102n);
    expect(mm.pagemap(a + P, 1)[0]).toBe(0n);
    mm.write(a + P, new Uint8Array([1]));
    expect(mm.pagemap(a + P, 1)[0] & Pagemap.SOFT_DIRTY).toBe(Pagemap.SOFT_DIRTY);
    expect(mm.pagemapScan({ start: a, end: a + 4 * P, categoryMask: PageCategory.SOFT_DIRTY, returnMask: 0x1ff }).regions).toEqual([
      { start: a + P, end: a + 2 * P, categories: PageCategory.SOFT_DIRTY | PageCategory.PRESENT | PageCategory.WRITTEN },
    ]);
    // A VMA made after the clear is soft-dirty as a whole, pages or not.
    const b = mm.mmap(0, P, RW, PA);
    expect(mm.pagemap(b, 1)[0]).toBe(Pagemap.SOFT_DIRTY);
  });

  it('a guard marker reads as a PTE marker with PM_GUARD_REGION (bits 62 and 58), and PAGEMAP_SCAN calls it GUARD', () => {
    // Measured on 6.18.44: a guarded page's entry is 0x44.. (swap/marker bit 62, guard bit 58) above the hidden low bits.
    using mm = newMm({ validate: true });
    const a = mm.mmap(0, 3 * P, RW, PA);
    mm.write(a + P, new Uint8Array([1]));
    mm.madvise(a, P, Advice.GUARD_INSTALL);
    const e = mm.pagemap(a, 3);
    expect(e[0]).toBe(Pagemap.SWAP | Pagemap.GUARD_REGION);
    expect(bits(e[1])).toBe(0x102n);
    expect(e[2]).toBe(0n);
    const scan = mm.pagemapScan({ start: a, end: a + 3 * P, categoryMask: PageCategory.GUARD, returnMask: PageCategory.GUARD });
    expect(scan.regions).toEqual([{ start: a, end: a + P, categories: PageCategory.GUARD }]);
    mm.madvise(a, P, Advice.GUARD_REMOVE);
    expect(mm.pagemap(a, 1)[0]).toBe(0n);
  });

  it('without CONFIG_MEM_SOFT_DIRTY bit 55 never appears and clear_refs 4 is accepted; other values are EINVAL', () => {
    using mm = newMm({ validate: true });
    const a = mm.mmap(0, P, RW, PA);
    mm.write(a, new Uint8Array([1]));
    expect(bits(mm.pagemap(a, 1)[0])).toBe(0x102n);
    for (const v of [1, 2, 3, 4, 5]) mm.clearRefs(v);
    for (const v of [0, 6, -1, 1.5]) expect(errno(() => mm.clearRefs(v))).toBe('EINVAL');
    // kstrtoint: past an int is ERANGE, not EINVAL (Linux 6.18: "4294967297" and "-2147483649").
    for (const v of [2 ** 32 + 1, -(2 ** 31) - 1, 1n << 63n]) expect(errno(() => mm.clearRefs(v))).toBe('ERANGE');
    expect(errno(() => mm.clearRefs(-(2 ** 31)))).toBe('EINVAL');
  });

  it('entries stop at TASK_SIZE; PFNs stay hidden; a fork leaves anonymous pages not exclusive until written', () => {
    using mm = newMm({ validate: true });
    expect(mm.pagemap(mm.taskSize, 4).length).toBe(0);
    expect(mm.pagemap(mm.taskSize - P, 4).length).toBe(1);
    const a = mm.mmap(0, 2 * P, RW, PA);
    mm.write(a, new Uint8Array(2 * P).fill(1));
    using child = mm.fork();
    expect(bits(mm.pagemap(a, 1)[0])).toBe(0x100n);
    expect(bits(child.pagemap(a, 1)[0])).toBe(0x100n);
    mm.write(a, new Uint8Array([2]));
    expect(bits(mm.pagemap(a, 1)[0])).toBe(0x102n);
    expect(errno(() => mm.pagemap(a, -1))).toBe('EINVAL');
  });

  it('PAGEMAP_SCAN does not exist before Linux 6.7 (ENOTTY); UFFDIO_MOVE not before 6.8 (EINVAL)', () => {
    const old: KernelProfile = { ...LINUX_6_18_V669, name: 'linux-6.6', pagemapScan: false, uffdFeatures: LINUX_6_18_V669.uffdFeatures.filter((f) => f !== 'MOVE' && f !== 'WP_ASYNC') };
    using mm = newMm({ profile: old, validate: true });
    const a = mm.mmap(0, 2 * P, RW, PA);
    expect(errno(() => mm.pagemapScan({ start: a, end: a + P }))).toBe('ENOTTY');
    const fd = mm.userfaultfd({ features: 0 });
    fd.registerRange(a, P, UffdRegisterMode.MISSING);
    const e = (() => {
      try {
        fd.move(a, a + P, P);
      } catch (x) {
        return x as UffdError;
      }
      return null;
    })();
    expect(e?.code).toBe('EINVAL');
    // The system-call boundary reports the handshake's EINVAL as an ErrnoError.
    expect(errno(() => mm.userfaultfd({ features: UffdFeature.WP_ASYNC }))).toBe('EINVAL');
  });

  it('PAGEMAP_SCAN: a guard marker makes a page table, so the empty pages beside it are WRITTEN (Linux 6.18)', () => {
    using mm = newMm({ validate: true });
    const a = mm.mmap(0, 3 * P, RW, PA);
    const ret = PageCategory.WRITTEN | PageCategory.GUARD;
    expect(mm.pagemapScan({ start: a, end: a + 3 * P, returnMask: ret }).regions).toEqual([{ start: a, end: a + 3 * P, categories: 0 }]);
    mm.madvise(a, P, Advice.GUARD_INSTALL);
    expect(mm.pagemapScan({ start: a, end: a + 3 * P, returnMask: ret }).regions).toEqual([
      { start: a, end: a + P, categories: ret },
      { start: a + P, end: a + 3 * P, categories: PageCategory.WRITTEN },
    ]);
  });

  it('/proc/PID/mem stops at a guard region, reading and writing (EIO when it is the first page; Linux 6.18)', () => {
    using mm = newMm({ validate: true });
    const a = mm.mmap(0, 3 * P, RW, PA);
    mm.write(a, new Uint8Array(3 * P).fill(5));
    mm.madvise(a + P, P, Advice.GUARD_INSTALL);
    expect(errno(() => mm.procMemRead(a + P, 1))).toBe('EIO');
    expect(errno(() => mm.procMemWrite(a + P, new Uint8Array([1])))).toBe('EIO');
    expect(mm.procMemRead(a + P - 4, 8)).toEqual(new Uint8Array([5, 5, 5, 5]));
    expect(mm.procMemWrite(a + P - 2, new Uint8Array(4).fill(9))).toBe(2);
    expect(mm.procMemRead(a + 2 * P, 1)).toEqual(new Uint8Array([5]));
  });

  it('/proc/PID/mem grows a MAP_GROWSDOWN VMA down to where an access starts, within the guard gap (Linux 6.18)', () => {
    using mm = newMm({ validate: true });
    const G = MapFlags.GROWSDOWN | FIX;
    mm.mmap(W + 8 * P, 4 * P, RW, PA | G);
    // __access_remote_vm calls expand_stack for an address below the stack; GUP alone would not.
    expect(mm.procMemRead(W + 7 * P - 8, 16).length).toBe(16);
    expect(mm.vmas()[0].start).toBe(W + 6 * P);
    mm.mmap(W, P, RW, PA | FIX);
    mm.mmap(W + 3 * P, P, RW, PA | G);
    // The second page-sized call starts in the gap: growing there would end inside the stack guard gap.
    expect(mm.procMemRead(W + P - 8, 16).length).toBe(8);
    expect(errno(() => mm.procMemWrite(W + 2 * P - 8, new Uint8Array(4200)))).toBe('EIO');
    // 'per-mapping': the growth got a VMO and a VMA of its own (Starnix difference unmerged-anon-neighbours).
    const stack = testDesign() === 'single' ? [6 * P] : [6 * P, 8 * P];
    expect(mm.vmas().filter((v) => v.start < W + 64 * P).map((v) => v.start - W)).toEqual([0, 3 * P, ...stack]);
  });

  it('UFFDIO_MOVE keeps validate() true and moves the data', () => {
    using mm = newMm({ validate: true });
    const d = mm.mmap(0, 2 * P, RW, PA);
    const s = mm.mmap(0, 2 * P, RW, PA);
    mm.write(s, new Uint8Array(2 * P).fill(7));
    const fd = mm.userfaultfd({ features: UffdFeature.MOVE });
    fd.registerRange(d, 2 * P, UffdRegisterMode.MISSING);
    expect(fd.move(d, s, 2 * P)).toBe(2 * P);
    expect(mm.procMemRead(d + P, 2)).toEqual(new Uint8Array([7, 7]));
    expect(mm.pagemap(s, 2)).toEqual(new BigUint64Array(2));
    mm.validate();
  });
});
