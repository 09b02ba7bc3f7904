import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel } from '@memsim/zircon-objects';
import { UffdRegisterMode, VirtualClock, type UserfaultFD } from '@memsim/userspace-swap';
import { MapFlags, MemoryManager, Prot } from '../index.js';

const P = 4096;
const N = 16;
type Op =
  | { kind: 'register'; fd: 0 | 1; mode: number; s: number; n: number }
  | { kind: 'unregister'; fd: 0 | 1; s: number; n: number }
  | { kind: 'mprotect'; prot: number; s: number; n: number }
  | { kind: 'munmap'; s: number; n: number }
  | { kind: 'mmap'; s: number; n: number };

const range = fc.integer({ min: 0, max: N - 1 }).chain((s) => fc.record({ s: fc.constant(s), n: fc.integer({ min: 1, max: N - s }) }));
const op: fc.Arbitrary<Op> = fc.oneof(
  range.chain((r) => fc.record({ kind: fc.constant('register' as const), fd: fc.constantFrom(0 as const, 1 as const), mode: fc.constantFrom(UffdRegisterMode.MISSING, UffdRegisterMode.WP, UffdRegisterMode.MISSING | UffdRegisterMode.WP), s: fc.constant(r.s), n: fc.constant(r.n) })),
  range.chain((r) => fc.record({ kind: fc.constant('unregister' as const), fd: fc.constantFrom(0 as const, 1 as const), s: fc.constant(r.s), n: fc.constant(r.n) })),
  range.chain((r) => fc.record({ kind: fc.constant('mprotect' as const), prot: fc.constantFrom(Prot.READ, Prot.READ | Prot.WRITE), s: fc.constant(r.s), n: fc.constant(r.n) })),
  range.map((r) => ({ kind: 'munmap' as const, ...r })),
  range.map((r) => ({ kind: 'mmap' as const, ...r })),
);

describe('userfaultfd registrations through splits and merges', () => {
  it('match a per-page model, and equal neighbours are always merged', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const mm = MemoryManager.create(new Kernel({ seed: 1 }), { stack: false, validate: true });
        const a = mm.mmap(0, N * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        const fds: UserfaultFD[] = [0, 1].map(() => mm.userfaultfd({ features: 0, clock: new VirtualClock() }));
        const model: Array<{ mapped: boolean; prot: number; fd: number; mode: number }> = Array.from({ length: N }, () => ({ mapped: true, prot: 3, fd: -1, mode: 0 }));
        const pages = (s: number, n: number): number[] => Array.from({ length: n }, (_, i) => s + i);
        for (const o of ops) {
          const s = a + o.s * P;
          const len = o.n * P;
          const all = pages(o.s, o.n).every((i) => model[i].mapped);
          switch (o.kind) {
            case 'register': {
              // EBUSY when another context holds part of the range; EINVAL on holes (UFFDIO_REGISTER rules).
              const busy = pages(o.s, o.n).some((i) => model[i].mapped && model[i].fd !== -1 && model[i].fd !== o.fd);
              const anyMapped = pages(o.s, o.n).some((i) => model[i].mapped);
              if (!anyMapped || busy) {
                expect(() => fds[o.fd].registerRange(s, len, o.mode)).toThrow();
                break;
              }
              try {
                fds[o.fd].registerRange(s, len, o.mode);
              } catch {
                break;
              }
              // userfaultfd_register_range: a page already registered with this fd for every requested mode keeps its
              // modes (Linux 6.18); any other takes exactly the requested ones.
              for (const i of pages(o.s, o.n)) if (model[i].mapped && !(model[i].fd === o.fd && (model[i].mode & o.mode) === o.mode)) Object.assign(model[i], { fd: o.fd, mode: o.mode });
              break;
            }
            case 'unregister':
              try {
                fds[o.fd].unregisterRange(s, len);
              } catch {
                break;
              }
              // UFFDIO_UNREGISTER clears every context in the range (the caller's fd must only be initialized).
              for (const i of pages(o.s, o.n)) if (model[i].mapped) Object.assign(model[i], { fd: -1, mode: 0 });
              break;
            case 'mprotect':
              if (!all) break;
              mm.mprotect(s, len, o.prot);
              for (const i of pages(o.s, o.n)) model[i].prot = o.prot;
              break;
            case 'munmap':
              mm.munmap(s, len);
              for (const i of pages(o.s, o.n)) model[i] = { mapped: false, prot: 0, fd: -1, mode: 0 };
              break;
            case 'mmap':
              mm.mmap(s, len, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
              for (const i of pages(o.s, o.n)) model[i] = { mapped: true, prot: 3, fd: -1, mode: 0 };
              break;
          }
        }
        const vmas = mm.userfaultfdSpace.vmasIn(a, a + N * P);
        for (let i = 0; i < N; i++) {
          const v = vmas.find((x) => x.start <= a + i * P && a + i * P < x.end);
          expect(v !== undefined).toBe(model[i].mapped);
          if (v === undefined) continue;
          expect(v.uffd === null ? -1 : fds.indexOf(v.uffd as UserfaultFD)).toBe(model[i].fd);
          expect(v.uffdMode).toBe(model[i].mode);
        }
        const prots = mm.vmas().filter((v) => v.start >= a && v.end <= a + N * P);
        for (let k = 1; k < vmas.length; k++) {
          const x = vmas[k - 1];
          const y = vmas[k];
          if (x.end !== y.start) continue;
          const same = x.uffd === y.uffd && x.uffdMode === y.uffdMode && prots[k - 1].prot === prots[k].prot;
          expect(same).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
