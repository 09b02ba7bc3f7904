import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatNs, formatRatio, formatSpread } from './format.js';

describe('formatting', () => {
  it('scales durations to three significant digits', () => {
    expect(formatNs(812.4)).toBe('812 ns');
    expect(formatNs(1234)).toBe('1.23 µs');
    expect(formatNs(45_600_000)).toBe('45.6 ms');
    expect(formatNs(2e9)).toBe('2.00 s');
    expect(formatNs(null)).toBe('–');
  });

  it('formats ratios, counts, bytes and spreads', () => {
    expect(formatRatio(12.345)).toBe('12.3x');
    expect(formatRatio(0.0042)).toBe('0.004x');
    expect(formatCount(1000)).toBe('1k');
    expect(formatCount(1_000_000)).toBe('1M');
    expect(formatCount(1500)).toBe('1500');
    expect(formatBytes(511)).toBe('511 B');
    expect(formatBytes(4140)).toBe('4.04 KiB');
    expect(formatSpread(0.2)).toBe('±10%');
  });
});
