import { describe, expect, it } from 'vitest';
import { Prot } from '../abi/constants.js';
import { FIX, P, PA, RW, W, errno, newMm, peek, poke } from '../test-support/setup.js';
import type { MemoryManager } from '../mm/memory-manager.js';
import {
  DEFAULT_KERNEL_PROFILE,
  KERNEL_PROFILES,
  KernelProfileError,
  LINUX_6_18_V1272,
  LINUX_6_18_V669,
  kernelProfile,
  parseKernelProfile,
  profileDifferences,
  profileFromHost,
  type KernelProfile,
} from './kernel-profile.js';

/** The smaps fields of the VMA starting at `start`. */
function smapsAt(mm: MemoryManager, start: number): Record<string, string> {
  const lines = mm.smaps().split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${start.toString(16)}-`));
  const out: Record<string, string> = {};
  for (let k = i + 1; k < lines.length && !/^[0-9a-f]+-/.test(lines[k]); k++) {
    const m = /^(\S+):\s*(.*?)\s*$/.exec(lines[k]);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const ac = (mm: MemoryManager, start: number): boolean => (smapsAt(mm, start).VmFlags ?? '').split(' ').includes('ac');

describe('kernel profiles', () => {
  it('ships the model default and the no-zero-page build, frozen', () => {
    expect(DEFAULT_KERNEL_PROFILE).toBe(LINUX_6_18_V669);
    expect(Object.keys(KERNEL_PROFILES)).toEqual(['linux-6.18-v669', 'linux-6.18-v1272']);
    expect(kernelProfile('linux-6.18-v1272')).toBe(LINUX_6_18_V1272);
    expect(profileDifferences(LINUX_6_18_V669, LINUX_6_18_V1272)).toEqual(['zeroPageOnReadFault']);
    expect(Object.isFrozen(LINUX_6_18_V669) && Object.isFrozen(LINUX_6_18_V669.uffdFeatures)).toBe(true);
    expect(() => kernelProfile('toString')).toThrow(KernelProfileError);
    expect(newMm().profile).toBe(LINUX_6_18_V669);
  });

  it('refuses malformed profiles with the field to blame', () => {
    const bad = (patch: Record<string, unknown>): unknown => {
      try {
        parseKernelProfile({ ...LINUX_6_18_V669, ...patch });
        return 'ok';
      } catch (e) {
        return e instanceof KernelProfileError ? e.field : e;
      }
    };
    expect(bad({ zeroPageOnReadFault: 'yes' })).toBe('zeroPageOnReadFault');
    expect(bad({ mprotectAccount: 'drop' })).toBe('mprotectAccount');
    expect(bad({ maxMapCount: 2 ** 53 })).toBe('maxMapCount');
    expect(bad({ colour: 'blue' })).toBe('colour');
    expect(bad({ name: undefined })).toBe('name');
    expect(() => parseKernelProfile([])).toThrow(KernelProfileError);
    expect(() => newMm({ profile: { name: 'x' } as unknown as KernelProfile })).toThrow(KernelProfileError);
    expect(parseKernelProfile({ ...LINUX_6_18_V669, source: undefined }).source).toBe('file');
  });

  it('builds a host profile from the probe facts', () => {
    const p = profileFromHost({
      kernel: '6.18.44-x',
      zero_page_read_fault: false,
      mprotect_account: 'keep',
      anon_vma_name: false,
      mmap_min_addr: 65536,
      max_map_count: 100,
      overcommit_memory: 2,
      overcommit_ratio: 80,
      thp_enabled: 'never',
      uffd_features: ['MOVE'],
    });
    expect(p).toMatchObject({ name: 'host', kernel: '6.18.44-x', source: 'detected', zeroPageOnReadFault: false, mprotectAccount: 'keep', overcommitMemory: 2 });
    expect(() => profileFromHost({ kernel: 'k', zero_page_read_fault: null } as never)).toThrow(KernelProfileError);
  });
});

describe('the memory manager follows its profile', () => {
  it('zero page on read fault: Rss/Anonymous stay 0, the VMA gets no anon_vma and loses ac on mprotect', () => {
    const mm = newMm();
    mm.mmap(W, P, RW, PA | FIX);
    peek(mm, W, 1);
    expect(smapsAt(mm, W)).toMatchObject({ Rss: '0 kB', Anonymous: '0 kB' });
    expect([...mm.mincore(W, P)]).toEqual([1]);
    mm.mprotect(W, P, Prot.READ | Prot.EXEC);
    expect(ac(mm, W)).toBe(false);
  });

  it('without the zero page a read allocates (4 kB each), in children too, and the VMA keeps ac', () => {
    const mm = newMm({ profile: LINUX_6_18_V1272 });
    mm.mmap(W, 2 * P, RW, PA | FIX);
    peek(mm, W, 1);
    expect(smapsAt(mm, W)).toMatchObject({ Rss: '4 kB', Anonymous: '4 kB' });
    expect(Array.from(peek(mm, W, 4))).toEqual([0, 0, 0, 0]);
    const child = mm.fork();
    expect(child.profile).toBe(LINUX_6_18_V1272);
    peek(child, W + P, 1);
    expect(smapsAt(child, W)).toMatchObject({ Rss: '8 kB', Anonymous: '8 kB' });
    mm.mprotect(W, 2 * P, Prot.READ | Prot.EXEC);
    expect(ac(mm, W)).toBe(true);
    // An untouched VMA has no anon_vma yet: it still loses ac.
    mm.mmap(W + 8 * P, P, RW, PA | FIX);
    mm.mprotect(W + 8 * P, P, Prot.READ);
    expect(ac(mm, W + 8 * P)).toBe(false);
  });

  it("mprotectAccount 'keep' keeps ac even on an untouched VMA", () => {
    const mm = newMm({ profile: { ...LINUX_6_18_V669, name: 'old', mprotectAccount: 'keep' } });
    mm.mmap(W, P, RW, PA | FIX);
    mm.mprotect(W, P, Prot.READ);
    expect(ac(mm, W)).toBe(true);
    // A write fault still gives ac back as usual when write is re-added.
    mm.mprotect(W, P, RW);
    poke(mm, W, new Uint8Array([1]));
    expect(ac(mm, W)).toBe(true);
  });

  it('anon VMA names, mmap_min_addr and max_map_count come from the profile', () => {
    const base = LINUX_6_18_V669;
    const noName = newMm({ profile: { ...base, name: 'n', anonVmaName: false } });
    noName.mmap(W, P, RW, PA | FIX);
    expect(errno(() => noName.setVmaAnonName(W, P, 'x'))).toBe('EINVAL');
    expect(errno(() => newMm().setVmaAnonName(W, P, 'x'))).toBe('ENOMEM');
    const lo = newMm().minAddr;
    const high = newMm({ profile: { ...base, name: 'm', mmapMinAddr: lo + 16 * P - 100 } });
    expect(high.minAddr).toBe(lo + 16 * P);
    expect(errno(() => high.mmap(lo + 8 * P, P, RW, PA | FIX))).toBe('EPERM');
    expect(high.mmap(lo + 16 * P, P, RW, PA | FIX)).toBe(lo + 16 * P);
    const few = newMm({ profile: { ...base, name: 'c', maxMapCount: 2 } });
    // The initial [stack] is one VMA; Linux refuses mmap once map_count exceeds the limit.
    few.mmap(W, P, RW, PA | FIX);
    few.mmap(W + 2 * P, P, RW, PA | FIX);
    expect(few.vmaCount).toBe(3);
    expect(errno(() => few.mmap(W + 4 * P, P, RW, PA | FIX))).toBe('ENOMEM');
  });
});
