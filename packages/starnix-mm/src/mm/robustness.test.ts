/** Bad arguments found by fuzzing the public API: each gets an errno or a typed error naming it, and changes nothing. */
import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { MemFile } from '../files/mem-file.js';
import { MemoryManager } from './memory-manager.js';
import { MapFlags } from '../abi/constants.js';
import { ErrnoError } from '../errno/errno.js';
import { errno, newMm, P, PA, RW } from '../test-support/setup.js';

describe('rlimits', () => {
  it('setrlimit refuses values the limit checks could not compare', () => {
    const mm = newMm();
    const before = mm.getrlimit('MEMLOCK');
    expect(() => mm.setrlimit('MEMLOCK', 2n ** 60n as never)).toThrow(RangeError);
    expect(() => mm.setrlimit('MEMLOCK', '4096' as never)).toThrow(/MEMLOCK cur must be a number/);
    expect(errno(() => mm.setrlimit('MEMLOCK', 0.5))).toBe('EINVAL');
    expect(errno(() => mm.setrlimit('MEMLOCK', -1n as never))).toBe('EINVAL');
    expect(errno(() => mm.setrlimit('MEMLOCK', 2 * P, P))).toBe('EINVAL');
    expect(mm.getrlimit('MEMLOCK')).toEqual(before);
    // mlock after the refused calls still compares numbers.
    const a = mm.mmap(0, P, RW, PA);
    expect(mm.mlock(a, P)).toBe(0);
  });

  it('a bigint rlim_t is taken exactly; 2^64-1 is RLIM_INFINITY', () => {
    const mm = newMm();
    mm.setrlimit('MEMLOCK', BigInt(4 * P) as never, 2n ** 64n - 1n as never);
    expect(mm.getrlimit('MEMLOCK')).toEqual({ cur: 4 * P, max: Infinity });
  });

  it('only the four memory limits are resources, not Object.prototype keys', () => {
    const mm = newMm();
    for (const r of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(errno(() => mm.setrlimit(r as never, P))).toBe('EINVAL');
      expect(errno(() => mm.getrlimit(r as never))).toBe('EINVAL');
    }
  });
});

describe('MemoryManager.create and exec options', () => {
  const k = (): Kernel => new Kernel({ seed: 1 });

  it('checks the kernel and every option before building anything', () => {
    expect(() => MemoryManager.create(undefined as never)).toThrow(/kernel must be a Kernel/);
    expect(() => MemoryManager.create(k(), null as never)).toThrow(/options must be an object/);
    expect(() => MemoryManager.create(k(), { layout: 'upper' as never })).toThrow(/options.layout/);
    expect(() => MemoryManager.create(k(), { brkBase: 2n ** 63n as never })).toThrow(/options.brkBase/);
    expect(() => MemoryManager.create(k(), { brkBase: Number.NaN })).toThrow(/options.brkBase/);
    expect(() => MemoryManager.create(k(), { rlimits: { AS: null as never } })).toThrow(/options.rlimits.AS/);
    expect(() => MemoryManager.create(k(), { rlimits: { AS: { cur: 'x' as never, max: 1 } } })).toThrow(/options.rlimits.AS cur/);
    expect(() => MemoryManager.create(k(), { rlimits: { toString: { cur: 1, max: 1 } } as never })).toThrow(/not a memory limit/);
    expect(errno(() => MemoryManager.create(k(), { rlimits: { MEMLOCK: { cur: 2, max: 1 } } }))).toBe('EINVAL');
  });

  it('exec with a bad option leaves the old address space alive', () => {
    const mm = newMm();
    const a = mm.mmap(0, P, RW, PA);
    expect(() => mm.exec({ layout: 3 as never })).toThrow(TypeError);
    expect(mm.write(a, new Uint8Array([1])).ok).toBe(true);
  });
});

describe('buffers that are not Uint8Arrays', () => {
  it('write, kernelWrite and MemFile.pwrite fail with EFAULT', () => {
    const mm = newMm();
    const a = mm.mmap(0, P, RW, PA);
    for (const d of [undefined, null, 'abc', [1, 2]]) {
      expect(errno(() => mm.write(a, d as never))).toBe('EFAULT');
      expect(errno(() => mm.kernelWrite(a, d as never))).toBe('EFAULT');
      expect(errno(() => new MemFile(mm.kernel, '/f').pwrite(d as never, 0))).toBe('EFAULT');
    }
  });

  it('userfaultfd(null) is a TypeError naming options', () => {
    expect(() => newMm().userfaultfd(null as never)).toThrow(/options must be an object/);
  });
});

describe('file descriptors', () => {
  it('open and adoptFd take only a MemFile description; adoptFd checks the fd as dup2 does', () => {
    const mm = newMm();
    expect(() => mm.open({} as never, 'RDWR')).toThrow(/open: file must be a MemFile/);
    expect(() => mm.open(new MemFile(mm.kernel, '/f'), 'RW' as never)).toThrow(/open: mode/);
    const desc = { file: new MemFile(mm.kernel, '/f'), readable: true, writable: true };
    for (const fd of [-1, 1.5, 2 ** 31, Number.NaN, '3']) expect(errno(() => mm.adoptFd(fd as never, desc))).toBe('EBADF');
    expect(() => mm.adoptFd(5, null as never)).toThrow(/adoptFd: description/);
    expect(() => mm.adoptFd(5, { file: {}, readable: true, writable: true } as never)).toThrow(/adoptFd: file must be a MemFile/);
    expect(errno(() => mm.fd(5))).toBe('EBADF');
    mm.adoptFd(5, desc);
    expect(mm.fd(5)).toBe(desc);
  });

  it('memfd_create names are at most 249 bytes (EINVAL beyond)', () => {
    const mm = newMm();
    expect(mm.memfdCreate('a'.repeat(249))).toBeGreaterThanOrEqual(3);
    expect(errno(() => mm.memfdCreate('a'.repeat(250)))).toBe('EINVAL');
    // Bytes, not characters: 125 two-byte characters are 250 bytes.
    expect(errno(() => mm.memfdCreate('\u00e9'.repeat(125)))).toBe('EINVAL');
    expect(() => mm.memfdCreate(5 as never)).toThrow(/memfdCreate: name/);
  });
});

describe('ranges that start below the address space (randomized campaign, docs/testing.md)', () => {
  it('munmap from address 0 over a mapping unmaps it instead of leaking a Zircon error', () => {
    const mm = newMm();
    const a = mm.mmap(0, 2 * P, RW, PA);
    expect(mm.munmap(0, a + 1)).toBe(0);
    expect(mm.read(a, 1).ok).toBe(false);
    expect(mm.read(a + P, 1).ok).toBe(true);
  });
});

describe('memory exhausted (randomized campaign seed 1687623033, docs/testing.md)', () => {
  it('a write that needs a page the machine does not have answers ENOMEM, never a Zircon status', () => {
    const mm = newMm({}, { physicalMemoryBytes: 16 << 20 });
    // MAP_POPULATE ignores a population that runs out of memory (mm_populate's result is not returned).
    const a = mm.mmap(0, 32 << 20, RW, PA | MapFlags.POPULATE);
    let failure: unknown;
    for (let off = 0; off < 32 << 20 && failure === undefined; off += P) {
      try {
        mm.write(a + off, new Uint8Array([1]));
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(ErrnoError);
    expect((failure as ErrnoError).code).toBe('ENOMEM');
    expect(() => mm.validate()).not.toThrow();
  });
});
