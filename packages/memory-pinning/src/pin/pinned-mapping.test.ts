import { MapsType, Vmo } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { ShadowProcess } from '../index.js';
import { recordingLogger, world } from '../test-support/world.js';

const mappingCount = (shadow: ShadowProcess): number => shadow.vmar().mapsInfo().records.filter((r) => r.type === MapsType.MAPPING).length;

describe('PinnedMapping', () => {
  it('unmaps exactly its range, once: a second dispose leaves a newer pin at the same address alone', () => {
    const { kernel, rt } = world({ roleManager: true, kernel: { aslr: false } });
    using shadow = ShadowProcess.create('once', { runtime: rt });
    using vmo = Vmo.create(kernel, 3 * 4096);
    const a = shadow.pinPages(vmo, 0, 4096);
    const keep = shadow.pinPages(vmo, 4096, 8192);
    a[Symbol.dispose]();
    expect(a.released).toBe(true);
    expect(mappingCount(shadow)).toBe(1);
    const b = shadow.pinPages(vmo, 0, 4096);
    expect(b.base).toBe(a.base);
    a[Symbol.dispose]();
    // b and keep map the VMO at contiguous offsets side by side: Zircon merges them into one mapping.
    expect(mappingCount(shadow)).toBe(1);
    b[Symbol.dispose]();
    keep[Symbol.dispose]();
    expect(mappingCount(shadow)).toBe(0);
  });

  it('does nothing once the shadow process is gone', () => {
    const { kernel, rt } = world({ roleManager: true });
    const logger = recordingLogger();
    const shadow = ShadowProcess.create('gone', { runtime: rt, logger });
    using vmo = Vmo.create(kernel, 4096);
    const pin = shadow.pinPages(vmo, 0, 4096);
    expect(pin.vmar).toBe(shadow.vmar());
    shadow[Symbol.dispose]();
    expect(pin.vmar).toBeUndefined();
    pin[Symbol.dispose]();
    expect(logger.entries).toEqual([]);
  });

  it('compares by VMAR identity, base and length', () => {
    const { kernel, rt } = world({ roleManager: true, kernel: { aslr: false } });
    using s1 = ShadowProcess.create('s1', { runtime: rt });
    using s2 = ShadowProcess.create('s2', { runtime: rt });
    using vmo = Vmo.create(kernel, 8192);
    const p1 = s1.pinPages(vmo, 0, 4096);
    const p2 = s2.pinPages(vmo, 0, 4096);
    // Same address in two address spaces: not equal.
    expect(p1.base).toBe(p2.base);
    expect(p1.equals(p2)).toBe(false);
    expect(p1.equals(p1)).toBe(true);
    p1[Symbol.dispose]();
    const p3 = s1.pinPages(vmo, 0, 4096);
    expect(p3.equals(p1)).toBe(true);
    const p4 = s1.pinPages(vmo, 0, 4000);
    expect(p4.equals(p3)).toBe(false);
  });

  it('logs, not throws, when the unmap fails', () => {
    const { kernel, rt } = world({ roleManager: true });
    const logger = recordingLogger();
    using shadow = ShadowProcess.create('fail', { runtime: rt, logger });
    using vmo = Vmo.create(kernel, 4096);
    const pin = shadow.pinPages(vmo, 0, 4096);
    // Someone killed the process behind the shadow's back: its address space is gone.
    shadow.process.kill();
    pin[Symbol.dispose]();
    expect(logger.entries.map((e) => e.message)).toEqual(['Failed to unmap mlock() pin mapping.']);
    expect(logger.entries[0]?.fields.e).toMatch(/^ZX_ERR_/);
  });
});
