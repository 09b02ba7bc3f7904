/** Any argument a syscall can receive gets a value or an ErrnoError: never another exception. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrnoError } from '../errno/errno.js';
import { newMm, P, W } from '../test-support/setup.js';
import type { MemoryManager } from './memory-manager.js';

const interesting = fc.oneof(
  fc.constantFrom<number | bigint>(0, 1, -1, 4095, 4096, 8192, 3 * 4096 + 1, 2 ** 31, 2 ** 32, 2 ** 47, 2 ** 53 - 1, -4096, 0x7ffffffff000, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 4096n, 2n ** 64n, -(2n ** 63n), 2n ** 53n),
  fc.integer({ min: 0, max: 64 }).map((i) => W + i * P),
  fc.integer({ min: 0, max: 64 }).map((i) => W + i * P + 1),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const flags = fc.oneof(fc.integer({ min: 0, max: 0x1fffff }), fc.constantFrom(0x22, 0x32, 0x21, 0x31, 0x100032, 0x2032, 0x8022, 0x132, 0x23, 0x60));
const names = ['mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'brk', 'msync', 'mincore', 'read', 'write', 'execute', 'kernelRead', 'kernelWrite', 'setVmaAnonName', 'fork'] as const;
const call = fc.record({ name: fc.constantFrom(...names), a: interesting, b: interesting, c: fc.oneof(flags, interesting), d: fc.oneof(flags, interesting), e: interesting });

function run(mm: MemoryManager, c: { name: (typeof names)[number]; a: number | bigint; b: number | bigint; c: number | bigint; d: number | bigint; e: number | bigint }): void {
  switch (c.name) {
    case 'mmap':
      mm.mmap(c.a, c.b, c.c, c.d, -1, c.e);
      return;
    case 'mremap':
      mm.mremap(c.a, c.b, c.e, c.c, c.d);
      return;
    case 'mprotect':
    case 'madvise':
    case 'mlock2':
    case 'msync':
      mm[c.name](c.a, c.b, c.c);
      return;
    case 'munmap':
    case 'mlock':
    case 'munlock':
    case 'mincore':
    case 'read':
    case 'kernelRead':
      mm[c.name](c.a, typeof c.b === 'bigint' || c.b > 1 << 20 ? c.b : c.b);
      return;
    case 'mlockall':
      mm.mlockall(c.c);
      return;
    case 'munlockall':
      mm.munlockall();
      return;
    case 'brk':
      mm.brk(c.a);
      return;
    case 'write':
    case 'kernelWrite':
      mm[c.name](c.a, new Uint8Array(Number(BigInt.asUintN(12, BigInt(c.b)))));
      return;
    case 'execute':
      mm.execute(c.a);
      return;
    case 'setVmaAnonName':
      mm.setVmaAnonName(c.a, c.b, 'n');
      return;
    case 'fork':
      mm.fork()[Symbol.dispose]();
      return;
  }
}

describe('robustness', () => {
  it('answers every argument combination with a value or an ErrnoError', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), (calls) => {
        const mm = newMm({ rlimits: { MEMLOCK: { cur: 64 * P, max: 64 * P } }, validate: true }, { physicalMemoryBytes: 16 << 20 });
        for (const c of calls) {
          try {
            run(mm, c);
          } catch (e) {
            if (!(e instanceof ErrnoError)) throw e;
          }
        }
        // The address space is still whole and readable (munmap of every address may legitimately take the stack
        // too: Linux lets a process unmap its own stack).
        expect(() => mm.validate()).not.toThrow();
        expect(mm.maps()).toMatch(/^([0-9a-f]+-[0-9a-f]+ .*\n)*$/);
        mm[Symbol.dispose]();
      }),
      { numRuns: 120 },
    );
  });
});
