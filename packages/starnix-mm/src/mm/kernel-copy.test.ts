import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Advice, MapFlags, Prot } from '../index.js';
import { LINUX_6_18_V669, type KernelProfile } from '../profile/kernel-profile.js';
import { newMm, P } from '../test-support/setup.js';

const PAGES = 24;

/**
 * Byte-for-byte equality, fast: vitest's deep equality walks a typed array element by element, which made each case
 * of the property below cost about 0.3 s and a 20,000-case campaign hours. The slow comparison runs only on a
 * mismatch, for its readable diff.
 */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  if (actual !== undefined && Buffer.compare(actual, expected) === 0) return;
  expect(actual).toEqual(expected);
}

/** Soft-dirty on, so pagemap shows which pages each way of copying wrote. */
const softDirty: KernelProfile = { ...LINUX_6_18_V669, name: 'soft-dirty', softDirty: true };

/**
 * Bulk kernel access copies whole runs of a private anonymous VMA at once; it must leave exactly what a copy page by
 * page leaves: the same bytes, the same residency (mincore), the same smaps and pagemap (soft-dirty, exclusive).
 */
describe('bulk kernel copies', () => {
  it('match a page-by-page copy in bytes and residency, through holes, clones and partial pages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(PAGES * P - 1), fc.integer({ min: 1, max: 4 * P }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (ops, forkFirst) => {
          const runs = [newMm({ profile: softDirty }), newMm({ profile: softDirty })].map((mm0) => {
            const p = mm0.mmap(0, PAGES * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            mm0.kernelWrite(p + 3 * P, new Uint8Array(2 * P).fill(5));
            const mm = forkFirst ? mm0.fork() : mm0;
            // Soft-dirty from here on marks exactly the pages the copies below write.
            mm.clearRefs(4);
            return { mm, p, reads: [] as Uint8Array[] };
          });
          const model = new Uint8Array(PAGES * P);
          model.fill(5, 3 * P, 5 * P);
          for (const [write, off, len0, v] of ops) {
            const len = Math.min(len0, PAGES * P - off);
            runs.forEach(({ mm, p, reads }, bulk) => {
              if (write) {
                const d = new Uint8Array(len).fill(v);
                if (bulk) expect(mm.kernelWrite(p + off, d)).toBe(len);
                else for (let at = 0; at < len; ) {
                  const n = Math.min(len - at, P - ((off + at) % P));
                  mm.kernelWrite(p + off + at, d.subarray(at, at + n));
                  at += n;
                }
              } else if (bulk) reads.push(mm.kernelRead(p + off, len));
              else {
                const out = new Uint8Array(len);
                for (let at = 0; at < len; ) {
                  const n = Math.min(len - at, P - ((off + at) % P));
                  out.set(mm.kernelRead(p + off + at, n), at);
                  at += n;
                }
                reads.push(out);
              }
            });
            if (write) model.fill(v, off, off + len);
            else expectSameBytes(runs[1].reads.at(-1), model.subarray(off, off + len));
          }
          for (const r of runs) r.mm.validate();
          expect(runs[1].reads.length).toBe(runs[0].reads.length);
          runs[1].reads.forEach((r, i) => expectSameBytes(r, runs[0].reads[i]));
          expect(runs[1].mm.mincore(runs[1].p, PAGES * P)).toEqual(runs[0].mm.mincore(runs[0].p, PAGES * P));
          expect(runs[1].mm.smaps()).toEqual(runs[0].mm.smaps());
          expect(runs[1].mm.pagemap(runs[1].p, PAGES)).toEqual(runs[0].mm.pagemap(runs[0].p, PAGES));
          const all = new Uint8Array(PAGES * P);
          expect(runs[1].mm.kernelReadInto(runs[1].p, all)).toBe(PAGES * P);
          expectSameBytes(all, model);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('stops at the end of the VMA run and at an inaccessible page, as a page-by-page copy does', () => {
    const mm = newMm();
    const p = mm.mmap(0, 8 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    mm.mprotect(p + 5 * P, P, Prot.NONE);
    expect(mm.kernelWrite(p, new Uint8Array(8 * P).fill(1))).toBe(5 * P);
    expect(mm.kernelReadInto(p + 1, new Uint8Array(8 * P))).toBe(5 * P - 1);
    // A guard marker stops a run inside one VMA the same way.
    const g = mm.mmap(0, 8 * P, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    mm.madvise(g + 6 * P, P, Advice.GUARD_INSTALL);
    expect(mm.kernelWrite(g, new Uint8Array(8 * P).fill(1))).toBe(6 * P);
    expect(mm.kernelReadInto(g + 2, new Uint8Array(8 * P))).toBe(6 * P - 2);
  });
});
