import { describe, expect, it } from 'vitest';
import { newMm, P } from '../test-support/setup.js';

const heap = (maps: string): string[] => maps.split('\n').filter((l) => l.endsWith('[heap]')).map((l) => l.split(' ')[0]);

describe('brk after fork', () => {
  it("grows a forked child's touched heap as a second VMA, as Linux's do_brk_flags does", () => {
    const mm = newMm();
    const b0 = mm.brk(0);
    mm.brk(b0 + 2 * P);
    mm.kernelWrite(b0, new Uint8Array([1]));
    const child = mm.fork();
    expect(child.brk(b0 + 4 * P)).toBe(b0 + 4 * P);
    const hex = (n: number): string => n.toString(16);
    expect(heap(child.maps())).toEqual([`${hex(b0)}-${hex(b0 + 2 * P)}`, `${hex(b0 + 2 * P)}-${hex(b0 + 4 * P)}`]);
    // The parent's own heap still grows in place.
    mm.brk(b0 + 4 * P);
    expect(heap(mm.maps())).toEqual([`${hex(b0)}-${hex(b0 + 4 * P)}`]);
  });
  it('grows an untouched forked heap in place (no anon_vma to chain)', () => {
    const mm = newMm();
    const b0 = mm.brk(0);
    mm.brk(b0 + 2 * P);
    const child = mm.fork();
    child.brk(b0 + 4 * P);
    expect(heap(child.maps())).toHaveLength(1);
  });
});
