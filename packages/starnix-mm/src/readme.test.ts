import { expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { MemoryManager, MapFlags, Prot, ErrnoError } from './index.js';

it('README example', () => {
  const mm = MemoryManager.create(new Kernel({ seed: 1 }));
  const a = mm.mmap(0, 3 * 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
  expect(mm.write(a, new Uint8Array([1, 2, 3]))).toEqual({ ok: true });
  mm.mprotect(a + 4096, 4096, Prot.READ);
  expect(mm.write(a + 4096, new Uint8Array([1]))).toEqual({ ok: false, fault: { signal: 'SIGSEGV', code: 'SEGV_ACCERR', address: a + 4096, done: 0 } });
  let err: unknown;
  try {
    mm.munmap(a + 1, 4096);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ErrnoError);
  expect((err as ErrnoError).code).toBe('EINVAL');
  expect((err as ErrnoError).errno).toBe(22);
  expect(mm.maps()).toBe(
    [
      '7ffff7ffc000-7ffff7ffd000 rw-p 00000000 00:00 0 ',
      '7ffff7ffd000-7ffff7ffe000 r--p 00000000 00:00 0 ',
      '7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 ',
      '7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]',
      '',
    ].join('\n'),
  );
  const child = mm.fork();
  expect(child.read(a, 3)).toEqual({ ok: true, data: new Uint8Array([1, 2, 3]) });
});
