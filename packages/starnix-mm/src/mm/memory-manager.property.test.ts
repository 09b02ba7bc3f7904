/**
 * Model-based property test: random call sequences on the memory manager and on a naive page-map reference.
 * After every call: VMAs sorted and disjoint, Zircon mappings exactly covering the VMAs with the right permissions
 * and VMOs, and contents / fault outcomes equal to the reference's.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MapsType } from '@memsim/zircon-objects';
import { Prot } from '../abi/constants.js';
import type { ErrnoError } from '../errno/errno.js';
import { FIX, newMm, P, PA, W } from '../test-support/setup.js';
import { ZirconSpace } from './zircon-space.js';
import type { MemoryManager } from './memory-manager.js';

const PAGES = 16;

type Cmd =
  | { k: 'mmap'; page: number; n: number; prot: number }
  | { k: 'munmap'; page: number; n: number }
  | { k: 'mprotect'; page: number; n: number; prot: number }
  | { k: 'write'; page: number; off: number; len: number; val: number }
  | { k: 'read'; page: number; off: number; len: number }
  | { k: 'dontneed'; page: number; n: number }
  | { k: 'mremap'; page: number; n: number; to: number; m: number };

const prot = fc.constantFrom(Prot.NONE, Prot.READ, Prot.READ | Prot.WRITE, Prot.WRITE, Prot.READ | Prot.EXEC);
const page = fc.integer({ min: 0, max: PAGES - 1 });
const n = fc.integer({ min: 1, max: 4 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constant('mmap' as const), page, n, prot }),
  fc.record({ k: fc.constant('munmap' as const), page, n }),
  fc.record({ k: fc.constant('mprotect' as const), page, n, prot }),
  fc.record({ k: fc.constant('write' as const), page, off: fc.integer({ min: 0, max: P - 1 }), len: fc.integer({ min: 1, max: 2 * P }), val: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('read' as const), page, off: fc.integer({ min: 0, max: P - 1 }), len: fc.integer({ min: 1, max: 2 * P }) }),
  fc.record({ k: fc.constant('dontneed' as const), page, n }),
  fc.record({ k: fc.constant('mremap' as const), page, n, to: page, m: n }),
);

/** The naive reference: a page map of protection and bytes. */
class Ref {
  pages = new Map<number, { prot: number; data: Uint8Array }>();
  mmap(p: number, cnt: number, pr: number): void {
    for (let i = p; i < p + cnt; i++) this.pages.set(i, { prot: pr, data: new Uint8Array(P) });
  }
  munmap(p: number, cnt: number): void {
    for (let i = p; i < p + cnt; i++) this.pages.delete(i);
  }
  mprotect(p: number, cnt: number, pr: number): string {
    for (let i = p; i < p + cnt; i++) {
      const e = this.pages.get(i);
      if (!e) return 'ENOMEM';
      e.prot = pr;
    }
    return 'ok';
  }
  access(addr: number, len: number, write: boolean, val = 0): { fault: number | null; data: number[] } {
    const out: number[] = [];
    for (let a = addr; a < addr + len; a++) {
      const e = this.pages.get(Math.floor(a / P));
      const ok = e && (write ? e.prot & Prot.WRITE : e.prot & (Prot.READ | Prot.WRITE | Prot.EXEC));
      if (!e || !ok) return { fault: a, data: out };
      if (write) e.data[a % P] = val;
      else out.push(e.data[a % P]);
    }
    return { fault: null, data: out };
  }
}

function checkInvariants(mm: MemoryManager): void {
  const vmas = [...mm['s'].tree];
  for (let i = 1; i < vmas.length; i++) expect((vmas[i - 1] as { end: number }).end).toBeLessThanOrEqual((vmas[i] as { start: number }).start);
  const records = mm.userVmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING && r.mapping);
  // Every Zircon mapping lies inside VMAs (a Zircon mapping may span neighbours with equal permissions), and each
  // piece has that VMA's permissions and backing VMO/offset.
  let covered = 0;
  for (const r of records) {
    for (let a = r.base; a < r.base + r.size; ) {
      const v = mm['s'].tree.find(a);
      expect(v, `mapping at ${a.toString(16)} has a VMA`).toBeDefined();
      if (!v) break;
      expect(r.mapping?.mmuFlags).toBe(ZirconSpace.perms(v.flags));
      const t = ZirconSpace.mapTarget(mm['s'].zx, v, a);
      expect(r.mapping?.vmoKoid).toBe(t.vmo.koid());
      expect((r.mapping?.vmoOffset ?? 0) + (a - r.base)).toBe(t.offset);
      a = Math.min(v.end, r.base + r.size);
    }
    covered += r.size;
  }
  // ...and together they cover every VMA exactly.
  expect(covered).toBe(vmas.reduce((s, v) => s + (v.end - v.start), 0));
}

describe('MemoryManager model-based property', () => {
  it('matches a naive page map and keeps VMAs and Zircon mappings consistent', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 40 }), (cmds) => {
        const mm = newMm({ stack: false, validate: true });
        const ref = new Ref();
        for (const c of cmds) {
          const at = W + c.page * P;
          switch (c.k) {
            case 'mmap':
              mm.mmap(at, c.n * P, c.prot, PA | FIX);
              ref.mmap(c.page, c.n, c.prot);
              break;
            case 'munmap':
              mm.munmap(at, c.n * P);
              ref.munmap(c.page, c.n);
              break;
            case 'mprotect': {
              let got = 'ok';
              try {
                mm.mprotect(at, c.n * P, c.prot);
              } catch (e) {
                got = (e as ErrnoError).code;
              }
              expect(got).toBe(ref.mprotect(c.page, c.n, c.prot));
              break;
            }
            case 'dontneed': {
              let got = 'ok';
              try {
                mm.madvise(at, c.n * P, 4);
              } catch (e) {
                got = (e as ErrnoError).code;
              }
              let any = false;
              let hole = false;
              for (let i = c.page; i < c.page + c.n; i++) {
                const e = ref.pages.get(i);
                if (e) {
                  e.data.fill(0);
                  any = true;
                } else hole = true;
              }
              expect(got).toBe(hole || !any ? 'ENOMEM' : 'ok');
              break;
            }
            case 'mremap': {
              // MREMAP_MAYMOVE|FIXED of a range that lies in one reference "mapping run": compare outcome only.
              const src = W + c.page * P;
              const dst = W + c.to * P;
              let got = 'ok';
              try {
                mm.mremap(src, c.n * P, c.m * P, 3, dst);
              } catch (e) {
                got = (e as ErrnoError).code;
              }
              if (got === 'ok') {
                const moved: { prot: number; data: Uint8Array }[] = [];
                for (let i = 0; i < Math.min(c.n, c.m); i++) moved.push(ref.pages.get(c.page + i) as { prot: number; data: Uint8Array });
                const protOf = moved[0]?.prot ?? 0;
                // A same-size move carries each VMA over and keeps holes (Linux 6.17+ remap_move): only the
                // destination of a moved piece is unmapped, what lies opposite a source hole stays (checked on
                // Linux 6.18). A resizing move unmaps the whole destination first.
                if (c.n !== c.m) ref.munmap(c.to, c.m);
                ref.munmap(c.page, c.n);
                for (let i = 0; i < c.m; i++) {
                  const m = moved[i];
                  if (m) ref.pages.set(c.to + i, m);
                  else if (c.n !== c.m) ref.pages.set(c.to + i, { prot: protOf, data: new Uint8Array(P) });
                }
              } else {
                // A failed move changes nothing visible in the model the reference tracks: resync from the model.
                for (let i = 0; i < PAGES + 8; i++) {
                  const v = mm['s'].tree.find(W + i * P);
                  if (!v) ref.pages.delete(i);
                }
              }
              break;
            }
            case 'write': {
              const data = new Uint8Array(c.len).fill(c.val);
              const r = mm.write(at + c.off, data);
              const e = ref.access(c.page * P + c.off, c.len, true, c.val);
              expect(r.ok).toBe(e.fault === null);
              break;
            }
            case 'read': {
              const r = mm.read(at + c.off, c.len);
              const e = ref.access(c.page * P + c.off, c.len, false);
              expect(r.ok).toBe(e.fault === null);
              if (r.ok) expect([...(r.data as Uint8Array)]).toEqual(e.data);
              break;
            }
          }
          checkInvariants(mm);
        }
        mm[Symbol.dispose]();
      }),
      { numRuns: 100 },
    );
  });
});
