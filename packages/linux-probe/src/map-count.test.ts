/**
 * map_count and map_count_fill: the VMA count relative to vm.max_map_count, whatever the host's limit and the probe's
 * own VMAs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE, anon, available, errnoOf, run, skipReason, valueOf } from './test-support/probe.js';

const limitReadable = ((): boolean => {
  try {
    return Number.isSafeInteger(Number.parseInt(readFileSync('/proc/sys/vm/max_map_count', 'utf8'), 10));
  } catch {
    return false;
  }
})();

describe(`vm.max_map_count relative counts ${skipReason}${limitReadable ? '' : '(skipped: /proc/sys/vm/max_map_count is unreadable)'}`, () => {
  it.skipIf(!available || !limitReadable)('fills to k VMAs below the limit outside the window; mmap then goes one past it', async () => {
    const r = await run([
      { op: 'map_count_fill', below: 2 },
      { op: 'map_count' },
      { op: 'map_count_fill', below: 5 },
      anon(0, 1),
      anon(2 * PAGE, 1),
      { op: 'map_count' },
      anon(4 * PAGE, 1),
      { op: 'map_count' },
      anon(6 * PAGE, 1),
      { op: 'munmap', addr: 0, length: 8 * PAGE },
      { op: 'map_count_fill', below: 0 },
      { op: 'maps' },
      { op: 'map_count_fill', below: -1 },
    ]);
    expect(valueOf(r[0])).toBe(-2);
    expect(valueOf(r[1])).toBe(-2);
    // Already below 5 under the limit: nothing to do.
    expect(valueOf(r[2])).toBe(-2);
    expect(valueOf(r[5])).toBe(0);
    // do_mmap refuses only once the count is past the limit.
    expect(valueOf(r[7])).toBe(1);
    expect(errnoOf(r[8])).toBe('ENOMEM');
    // A second fill that has something to do finds the first one's area taken.
    expect(errnoOf(r[10])).toBe('EEXIST');
    // The fill is outside the window.
    expect(valueOf(r[11])).toEqual([]);
    expect(errnoOf(r[12])).toBe('EINVAL');
  });
});
