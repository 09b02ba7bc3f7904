/**
 * Issue 27 point 7, no silent acceptance: every constant src/abi/constants.ts exports (and every userfaultfd
 * constant the memory manager's userfaultfd takes from @memsim/userspace-swap) is either implemented, with a check
 * here of its observable effect, or refused with the errno a kernel without it returns, or ignored exactly as
 * Linux 6.18 itself ignores it. A new constant without an entry fails the first test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UffdFeature, UffdIoctl, UffdRegisterMode } from '@memsim/userspace-swap';
import { Advice, MapFlags, MlockFlags, MremapFlags, MsyncFlags, Prot, VM } from './constants.js';
import { FIX, P, PA, RW, SA, W, bytes, errno, newMm, peek, poke } from '../test-support/setup.js';
import type { MemoryManager } from '../mm/memory-manager.js';

type Status = 'implemented' | 'ignored as Linux ignores it' | 'refused';
interface Entry {
  readonly status: Status;
  /** Why, for the ignored and refused ones. */
  readonly note?: string;
  /** Asserts the effect (or the refusal) on a fresh address space with RW anonymous memory at W (8 pages). */
  readonly check: (mm: MemoryManager) => void;
}

const flagsAt = (mm: MemoryManager, addr: number): string[] => {
  const b = mm.smaps().split(/\n(?=[0-9a-f]+-)/).find((x) => {
    const [s, e] = (x.split(' ')[0] ?? '').split('-').map((h) => parseInt(h, 16));
    return s <= addr && addr < e;
  });
  return (/VmFlags: (.*)/.exec(b ?? '')?.[1] ?? '').trim().split(' ');
};
const has = (mm: MemoryManager, addr: number, flag: string): boolean => flagsAt(mm, addr).includes(flag);
const faults = (mm: MemoryManager, addr: number, kind: 'read' | 'write' | 'exec'): string | null => {
  const r = kind === 'read' ? mm.read(addr, 1) : kind === 'write' ? mm.write(addr, new Uint8Array([1])) : mm.execute(addr);
  return r.ok ? null : r.fault.code;
};
const withAdvice = (advice: number, flag: string, undo?: number): Entry => ({
  status: 'implemented',
  check: (mm) => {
    expect(mm.madvise(W, P, advice)).toBe(0);
    expect(has(mm, W, flag)).toBe(true);
    if (undo !== undefined) {
      mm.madvise(W, P, undo);
      expect(has(mm, W, flag)).toBe(false);
    }
  },
});
const cleared = (set: number, advice: number, flag: string): Entry => ({
  status: 'implemented',
  check: (mm) => {
    mm.madvise(W, P, set);
    expect(mm.madvise(W, P, advice)).toBe(0);
    expect(has(mm, W, flag)).toBe(false);
  },
});

const PROT: Record<keyof typeof Prot, Entry> = {
  NONE: { status: 'implemented', check: (mm) => (mm.mprotect(W, P, Prot.NONE), expect(faults(mm, W, 'read')).toBe('SEGV_ACCERR')) },
  READ: { status: 'implemented', check: (mm) => (mm.mprotect(W, P, Prot.READ), expect(faults(mm, W, 'read')).toBeNull(), expect(faults(mm, W, 'write')).toBe('SEGV_ACCERR')) },
  WRITE: { status: 'implemented', check: (mm) => expect(faults(mm, W, 'write')).toBeNull() },
  EXEC: { status: 'implemented', check: (mm) => (expect(faults(mm, W, 'exec')).toBe('SEGV_ACCERR'), mm.mprotect(W, P, Prot.READ | Prot.EXEC), expect(faults(mm, W, 'exec')).toBeNull()) },
  SEM: { status: 'ignored as Linux ignores it', note: 'x86 Linux accepts PROT_SEM and changes nothing', check: (mm) => (expect(mm.mprotect(W, P, RW | Prot.SEM)).toBe(0), expect(flagsAt(mm, W).slice(0, 2)).toEqual(['rd', 'wr'])) },
  GROWSDOWN: {
    status: 'implemented',
    check: (mm) => {
      mm.mmap(W + 32 * P, 2 * P, RW, PA | FIX | MapFlags.GROWSDOWN);
      mm.mprotect(W + 33 * P, P, Prot.READ | Prot.GROWSDOWN);
      expect(faults(mm, W + 32 * P, 'write')).toBe('SEGV_ACCERR');
    },
  },
  GROWSUP: { status: 'refused', note: 'x86 has no VM_GROWSUP VMAs: EINVAL', check: (mm) => expect(errno(() => mm.mprotect(W, P, Prot.READ | Prot.GROWSUP))).toBe('EINVAL') },
};

const MAP: Record<keyof typeof MapFlags, Entry> = {
  SHARED: { status: 'implemented', check: (mm) => { const a = mm.mmap(0, P, RW, SA); const c = mm.fork(); poke(c, a, bytes(1, 9)); expect(peek(mm, a, 1)[0]).toBe(9); } },
  PRIVATE: { status: 'implemented', check: (mm) => { const c = mm.fork(); poke(c, W, bytes(1, 9)); expect(peek(mm, W, 1)[0]).toBe(0); } },
  SHARED_VALIDATE: { status: 'implemented', check: (mm) => { const fd = mm.memfdCreate('v', P); expect(mm.mmap(0, P, RW, MapFlags.SHARED_VALIDATE, fd, 0)).toBeGreaterThan(0); expect(errno(() => mm.mmap(0, P, RW, MapFlags.SHARED_VALIDATE | 0x200, fd, 0))).toBe('EOPNOTSUPP'); } },
  DROPPABLE: { status: 'implemented', note: 'src/mm/droppable.test.ts', check: (mm) => expect(has(mm, mm.mmap(0, P, RW, MapFlags.DROPPABLE | MapFlags.ANONYMOUS), 'dp')).toBe(true) },
  TYPE: { status: 'implemented', note: 'the type mask: types other than 1, 2, 3 (files) and 8 are EINVAL', check: (mm) => expect(errno(() => mm.mmap(0, P, RW, MapFlags.TYPE | MapFlags.ANONYMOUS))).toBe('EINVAL') },
  FIXED: { status: 'implemented', check: (mm) => expect(mm.mmap(W + 40 * P, P, RW, PA | FIX)).toBe(W + 40 * P) },
  ANONYMOUS: { status: 'implemented', check: (mm) => expect(peek(mm, mm.mmap(0, P, RW, PA), 1)[0]).toBe(0) },
  '32BIT': { status: 'implemented', check: (mm) => expect(mm.mmap(0, P, RW, PA | MapFlags['32BIT'])).toBeLessThan(2 ** 31) },
  GROWSDOWN: { status: 'implemented', check: (mm) => expect(has(mm, mm.mmap(0, 2 * P, RW, PA | MapFlags.GROWSDOWN), 'gd')).toBe(true) },
  DENYWRITE: { status: 'ignored as Linux ignores it', note: 'legacy flag, ignored since Linux 2.6', check: (mm) => expect(flagsAt(mm, mm.mmap(0, P, RW, PA | MapFlags.DENYWRITE))).toEqual(flagsAt(mm, mm.mmap(0, P, RW, PA))) },
  EXECUTABLE: { status: 'ignored as Linux ignores it', note: 'legacy flag, ignored since Linux 2.6', check: (mm) => expect(flagsAt(mm, mm.mmap(0, P, RW, PA | MapFlags.EXECUTABLE))).toEqual(flagsAt(mm, mm.mmap(0, P, RW, PA))) },
  LOCKED: { status: 'implemented', check: (mm) => expect(has(mm, mm.mmap(0, P, RW, PA | MapFlags.LOCKED), 'lo')).toBe(true) },
  NORESERVE: { status: 'implemented', check: (mm) => expect(has(mm, mm.mmap(0, P, RW, PA | MapFlags.NORESERVE), 'nr')).toBe(true) },
  POPULATE: { status: 'implemented', check: (mm) => expect([...mm.mincore(mm.mmap(0, 2 * P, RW, PA | MapFlags.POPULATE), 2 * P)]).toEqual([1, 1]) },
  NONBLOCK: { status: 'implemented', note: 'MAP_POPULATE | MAP_NONBLOCK does not populate', check: (mm) => expect([...mm.mincore(mm.mmap(0, P, RW, PA | MapFlags.POPULATE | MapFlags.NONBLOCK), P)]).toEqual([0]) },
  STACK: { status: 'implemented', check: (mm) => expect(has(mm, mm.mmap(0, P, RW, PA | MapFlags.STACK), 'nh')).toBe(true) },
  HUGETLB: { status: 'refused', note: 'no huge pages: ENOMEM as on a host with none reserved (EINVAL for an unsupported size)', check: (mm) => (expect(errno(() => mm.mmap(0, 2 << 20, RW, PA | MapFlags.HUGETLB))).toBe('ENOMEM'), expect(errno(() => mm.mmap(0, 2 << 20, RW, PA | MapFlags.HUGETLB | (20 << 26)))).toBe('EINVAL')) },
  SYNC: {
    status: 'refused',
    note: 'only DAX files support it: EOPNOTSUPP with MAP_SHARED_VALIDATE; ignored with MAP_SHARED or MAP_PRIVATE, as in Linux',
    check: (mm) => {
      const fd = mm.memfdCreate('s', P);
      expect(errno(() => mm.mmap(0, P, RW, MapFlags.SHARED_VALIDATE | MapFlags.SYNC, fd, 0))).toBe('EOPNOTSUPP');
      expect(errno(() => mm.mmap(0, P, RW, MapFlags.SHARED | MapFlags.SYNC, fd, 0))).toBe('ok');
    },
  },
  FIXED_NOREPLACE: { status: 'implemented', check: (mm) => expect(errno(() => mm.mmap(W, P, RW, PA | MapFlags.FIXED_NOREPLACE))).toBe('EEXIST') },
  UNINITIALIZED: { status: 'ignored as Linux ignores it', note: 'as a kernel without CONFIG_MMAP_ALLOW_UNINITIALIZED (every distribution kernel): memory is zeroed', check: (mm) => expect(peek(mm, mm.mmap(0, P, RW, PA | MapFlags.UNINITIALIZED), 1)[0]).toBe(0) },
};

const MREMAP: Record<keyof typeof MremapFlags, Entry> = {
  MAYMOVE: { status: 'implemented', check: (mm) => (mm.mmap(W + 8 * P, P, RW, PA | FIX), expect(mm.mremap(W, 8 * P, 16 * P, MremapFlags.MAYMOVE)).not.toBe(W)) },
  FIXED: { status: 'implemented', check: (mm) => expect(mm.mremap(W, P, P, MremapFlags.MAYMOVE | MremapFlags.FIXED, W + 64 * P)).toBe(W + 64 * P) },
  DONTUNMAP: { status: 'implemented', check: (mm) => { poke(mm, W, bytes(1, 5)); const to = mm.mremap(W, P, P, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP); expect(peek(mm, to, 1)[0]).toBe(5); expect(peek(mm, W, 1)[0]).toBe(0); } },
};

const ADVICE: Record<keyof typeof Advice, Entry> = {
  NORMAL: cleared(Advice.RANDOM, Advice.NORMAL, 'rr'),
  RANDOM: withAdvice(Advice.RANDOM, 'rr'),
  SEQUENTIAL: withAdvice(Advice.SEQUENTIAL, 'sr'),
  WILLNEED: {
    status: 'implemented',
    note: 'readahead: Linux does nothing for anonymous memory without swap or for shmem/memfd (no backing device), the only memory the model has',
    check: (mm) => { const before = mm.smaps(); expect(mm.madvise(W, P, Advice.WILLNEED)).toBe(0); expect(mm.smaps()).toBe(before); },
  },
  DONTNEED: { status: 'implemented', check: (mm) => (poke(mm, W, bytes(1, 5)), mm.madvise(W, P, Advice.DONTNEED), expect(peek(mm, W, 1)[0]).toBe(0)) },
  FREE: {
    status: 'implemented',
    note: 'pages are kept until reclaim (the model never reclaims anonymous memory); smaps LazyFree is not counted',
    check: (mm) => (poke(mm, W, bytes(1, 5)), expect(mm.madvise(W, P, Advice.FREE)).toBe(0), expect(errno(() => mm.madvise(mm.mmap(0, P, RW, SA), P, Advice.FREE))).toBe('EINVAL')),
  },
  REMOVE: { status: 'implemented', check: (mm) => { const a = mm.mmap(0, P, RW, SA); poke(mm, a, bytes(1, 5)); mm.madvise(a, P, Advice.REMOVE); expect(peek(mm, a, 1)[0]).toBe(0); } },
  DONTFORK: withAdvice(Advice.DONTFORK, 'dc', Advice.DOFORK),
  DOFORK: cleared(Advice.DONTFORK, Advice.DOFORK, 'dc'),
  MERGEABLE: withAdvice(Advice.MERGEABLE, 'mg', Advice.UNMERGEABLE),
  UNMERGEABLE: cleared(Advice.MERGEABLE, Advice.UNMERGEABLE, 'mg'),
  HUGEPAGE: withAdvice(Advice.HUGEPAGE, 'hg', Advice.NOHUGEPAGE),
  NOHUGEPAGE: withAdvice(Advice.NOHUGEPAGE, 'nh', Advice.HUGEPAGE),
  DONTDUMP: withAdvice(Advice.DONTDUMP, 'dd', Advice.DODUMP),
  DODUMP: cleared(Advice.DONTDUMP, Advice.DODUMP, 'dd'),
  WIPEONFORK: withAdvice(Advice.WIPEONFORK, 'wf', Advice.KEEPONFORK),
  KEEPONFORK: cleared(Advice.WIPEONFORK, Advice.KEEPONFORK, 'wf'),
  COLD: {
    status: 'implemented',
    note: 'LRU deactivation, which no interface the model offers can observe; refused on locked VMAs as in Linux',
    check: (mm) => (expect(mm.madvise(W, P, Advice.COLD)).toBe(0), mm.mlock(W, P), expect(errno(() => mm.madvise(W, P, Advice.COLD))).toBe('EINVAL')),
  },
  PAGEOUT: { status: 'implemented', check: (mm) => { const a = mm.mmap(0, P, Prot.READ, SA); peek(mm, a, 1); expect(mm.mincore(a, P)[0]).toBe(1); mm.madvise(a, P, Advice.PAGEOUT); expect(mm.mincore(a, P)[0]).toBe(0); } },
  POPULATE_READ: { status: 'implemented', check: (mm) => (mm.madvise(W, P, Advice.POPULATE_READ), expect(mm.mincore(W, P)[0]).toBe(1)) },
  POPULATE_WRITE: { status: 'implemented', check: (mm) => (mm.madvise(W, P, Advice.POPULATE_WRITE), expect(mm.smaps()).toMatch(/Rss: +4 kB/)) },
  DONTNEED_LOCKED: { status: 'implemented', check: (mm) => (poke(mm, W, bytes(1, 5)), mm.mlock(W, P), mm.madvise(W, P, Advice.DONTNEED_LOCKED), expect(peek(mm, W, 1)[0]).toBe(0)) },
  GUARD_INSTALL: { status: 'implemented', note: 'src/mm/guard.test.ts', check: (mm) => (mm.madvise(W, P, Advice.GUARD_INSTALL), expect(faults(mm, W, 'read')).toBe('SEGV_MAPERR')) },
  GUARD_REMOVE: { status: 'implemented', note: 'src/mm/guard.test.ts', check: (mm) => (mm.madvise(W, P, Advice.GUARD_INSTALL), mm.madvise(W, P, Advice.GUARD_REMOVE), expect(faults(mm, W, 'read')).toBeNull()) },
};

const MSYNC: Record<keyof typeof MsyncFlags, Entry> = {
  ASYNC: { status: 'implemented', note: 'writeback is immediate in the model (files are memory), as msync(MS_ASYNC) is a no-op since Linux 2.6.19', check: (mm) => (expect(mm.msync(W, P, MsyncFlags.ASYNC)).toBe(0), expect(errno(() => mm.msync(W, P, MsyncFlags.ASYNC | MsyncFlags.SYNC))).toBe('EINVAL')) },
  SYNC: { status: 'implemented', note: 'memfd/shmem pages have no backing store: nothing to write, as on Linux', check: (mm) => (expect(mm.msync(W, P, MsyncFlags.SYNC)).toBe(0), expect(errno(() => mm.msync(W + 100 * P, P, MsyncFlags.SYNC))).toBe('ENOMEM')) },
  INVALIDATE: { status: 'implemented', check: (mm) => (mm.mlock(W, P), expect(errno(() => mm.msync(W, P, MsyncFlags.INVALIDATE))).toBe('EBUSY')) },
};

const MLOCK: Record<keyof typeof MlockFlags, Entry> = {
  CURRENT: { status: 'implemented', check: (mm) => (mm.mlockall(MlockFlags.CURRENT), expect(has(mm, W, 'lo')).toBe(true)) },
  FUTURE: { status: 'implemented', check: (mm) => (mm.mlockall(MlockFlags.FUTURE), expect(has(mm, mm.mmap(0, P, RW, PA), 'lo')).toBe(true)) },
  ONFAULT: { status: 'implemented', check: (mm) => (mm.mlockall(MlockFlags.CURRENT | MlockFlags.ONFAULT), expect(has(mm, W, 'lf')).toBe(true)) },
  MLOCK_ONFAULT: { status: 'implemented', check: (mm) => (mm.mlock2(W, P, MlockFlags.MLOCK_ONFAULT), expect(has(mm, W, 'lf')).toBe(true)) },
};

const GROUPS = { Prot: [Prot, PROT], MapFlags: [MapFlags, MAP], MremapFlags: [MremapFlags, MREMAP], Advice: [Advice, ADVICE], MsyncFlags: [MsyncFlags, MSYNC], MlockFlags: [MlockFlags, MLOCK] } as const;

/**
 * The userfaultfd constants: implemented ones name the test file that exercises them (checked to mention them, or
 * the text after `#`).
 */
const UFFD_IMPLEMENTED: Record<string, string> = {
  'UffdFeature.PAGEFAULT_FLAG_WP': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.EVENT_FORK': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.EVENT_REMAP': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.EVENT_REMOVE': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.EVENT_UNMAP': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.SIGBUS': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.THREAD_ID': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdFeature.EXACT_ADDRESS': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdFeature.POISON': "packages/userspace-swap/src/uffd/userfaultfd.test.ts#it('POISON",
  'UffdRegisterMode.MISSING': 'packages/starnix-mm/src/mm/validate.test.ts',
  'UffdRegisterMode.WP': 'packages/starnix-mm/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.API': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.REGISTER': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.UNREGISTER': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.WAKE': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.COPY': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.ZEROPAGE': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.WRITEPROTECT': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdIoctl.POISON': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
  'UffdFeature.MOVE': 'packages/userspace-swap/src/uffd/move.test.ts',
  'UffdIoctl.MOVE': 'packages/userspace-swap/src/uffd/move.test.ts',
  'UffdFeature.WP_ASYNC': 'packages/starnix-mm/src/mm/pagemap.test.ts',
  'UffdFeature.WP_UNPOPULATED': 'packages/userspace-swap/src/uffd/userfaultfd.test.ts',
};

/**
 * Feature bits that only say which memory kinds userfaultfd supports (UFFDIO_API reports them; registering is what
 * acts): hugetlbfs memory does not exist in the model (MAP_HUGETLB is ENOMEM), shmem registration is exercised by
 * the userfaultfd tests.
 */
const UFFD_CAPABILITY_BITS = ['UffdFeature.MISSING_HUGETLBFS', 'UffdFeature.MISSING_SHMEM', 'UffdFeature.WP_HUGETLBFS_SHMEM', 'UffdFeature.MINOR_HUGETLBFS'];

/**
 * Known gaps, listed so that they stay visible: minor-fault handling (MINOR mode, UFFDIO_CONTINUE, MINOR_SHMEM).
 * Registering MINOR on anonymous memory is EINVAL as in Linux; on shmem the model accepts it without delivering
 * minor faults.
 */
const UFFD_GAPS = ['UffdFeature.MINOR_SHMEM', 'UffdRegisterMode.MINOR', 'UffdIoctl.CONTINUE'];

function fresh(): MemoryManager {
  const mm = newMm({ validate: true });
  mm.mmap(W, 8 * P, RW, PA | FIX);
  return mm;
}

describe('constants: implemented or refused, never silently accepted', () => {
  it('every exported constant has an entry', () => {
    for (const [group, [values, table]] of Object.entries(GROUPS)) expect(Object.keys(table).sort(), group).toEqual(Object.keys(values).sort());
    const uffd = { UffdFeature, UffdRegisterMode, UffdIoctl };
    const listed = new Set([...Object.keys(UFFD_IMPLEMENTED), ...UFFD_CAPABILITY_BITS, ...UFFD_GAPS]);
    for (const [group, values] of Object.entries(uffd)) for (const k of Object.keys(values)) expect(listed.has(`${group}.${k}`), `${group}.${k}`).toBe(true);
  });

  for (const [group, [, table]] of Object.entries(GROUPS)) {
    for (const [name, entry] of Object.entries(table as Record<string, Entry>)) {
      it(`${group}.${name}: ${entry.status}${entry.note ? ` (${entry.note})` : ''}`, () => {
        entry.check(fresh());
      });
    }
  }

  it('the advice values no constant names are EINVAL (MADV_COLLAPSE 25 as without THP, 5-7, 26-101, 104+)', () => {
    const mm = fresh();
    for (const a of [5, 6, 7, 25, 26, 100, 101, 104, 255, -1]) expect(errno(() => mm.madvise(W, P, a)), `advice ${a}`).toBe('EINVAL');
  });

  it('the VM flag bits are distinct single bits (two features sharing one would read each other as set)', () => {
    const seen = new Map<number, string>();
    for (const [name, bit] of Object.entries(VM)) {
      expect(bit > 0 && (bit & (bit - 1)) === 0, `${name} is one bit`).toBe(true);
      expect(seen.get(bit), `${name} shares its bit`).toBeUndefined();
      seen.set(bit, name);
    }
  });

  it('the implemented userfaultfd constants are exercised by the test files named', () => {
    const root = new URL('../../../../', import.meta.url);
    for (const [name, where] of Object.entries(UFFD_IMPLEMENTED)) {
      const [file = '', text = name] = where.split('#');
      expect(readFileSync(new URL(file, root), 'utf8'), `${name} in ${file}`).toContain(text);
    }
  });
});
