import { describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../index.js';

describe('VirtualClock', () => {
  it('fires due timers in order during advance, and cancelled ones never', async () => {
    const clock = new VirtualClock(10);
    const fired: string[] = [];
    clock.schedule(30, () => fired.push('b'));
    clock.schedule(20, () => {
      fired.push('a');
      clock.schedule(5, () => fired.push('a2'));
    });
    const c = clock.schedule(25, () => fired.push('cancelled'));
    c[Symbol.dispose]();
    await clock.advance(24);
    expect(fired).toEqual(['a']);
    expect(clock.nowMicros()).toBe(34);
    await clock.advance(10);
    expect(fired).toEqual(['a', 'a2', 'b']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects going backwards and bad delays', async () => {
    const clock = new VirtualClock();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(() => clock.schedule(Number.NaN, () => undefined)).toThrow(RangeError);
    expect(() => new VirtualClock(Number.NaN)).toThrow(RangeError);
  });

  it('SystemClock runs a timer on wall time', async () => {
    const clock = new SystemClock();
    const t0 = clock.nowMicros();
    await new Promise<void>((resolve) => clock.schedule(1000, resolve));
    expect(clock.nowMicros()).toBeGreaterThan(t0);
  });
});
