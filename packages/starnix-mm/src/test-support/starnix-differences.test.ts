import { describe, expect, it } from 'vitest';
import { classifyPerMapping } from './starnix-differences.js';

describe('classifyPerMapping', () => {
  it('names maps that only split what Linux merged', () => {
    const linux = { ok: true, value: ['10000-13000 rw-p 00000000 00:00 0'] };
    const model = { ok: true, value: ['10000-11000 rw-p 00000000 00:00 0', '11000-13000 rw-p 00000000 00:00 0'] };
    expect(classifyPerMapping({ index: 3, op: { op: 'maps' }, linux, model } as never)).toBe('unmerged-anon-neighbours');
  });
  it('leaves other differences unnamed', () => {
    const linux = { ok: true, value: ['10000-13000 rw-p 00000000 00:00 0'] };
    const model = { ok: true, value: ['10000-11000 r--p 00000000 00:00 0', '11000-13000 rw-p 00000000 00:00 0'] };
    expect(classifyPerMapping({ index: 3, op: { op: 'maps' }, linux, model } as never)).toBeUndefined();
    expect(classifyPerMapping({ index: 0, op: { op: 'munmap' }, linux: { ok: true, value: 0 }, model: { ok: false, errno: 'EINVAL' } } as never)).toBeUndefined();
  });
});
