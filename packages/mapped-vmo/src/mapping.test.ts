import { MapsType, PAGE_SIZE, Rights, Vmo, VmoOptions, VmOptions, ZxStatus } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GetVmoSizeError, MapVmoError, Mapping, MappingDisposedError } from './index.js';
import { causeStatus, newProcess, thrown } from './test-support/process.js';

const mappings = (p: ReturnType<typeof newProcess>) =>
  p.rootVmar.mapsInfo().records.filter((r) => r.type === MapsType.MAPPING);

describe.each([true, false])('Mapping (immediatelyPage = %s)', (immediatelyPage) => {
  it('writes through the view show in vmo.read, and VMO writes show in the view', () => {
    const p = newProcess();
    const vmo = Vmo.create(p.kernel, 2 * PAGE_SIZE);
    using mapping = Mapping.createFromVmo(vmo, { ...p.target, immediatelyPage });
    expect(mapping.length).toBe(2 * PAGE_SIZE);
    mapping.write(new TextEncoder().encode('hello'), PAGE_SIZE - 2);
    expect(new TextDecoder().decode(vmo.read(5, PAGE_SIZE - 2))).toBe('hello');
    vmo.write(Uint8Array.of(9, 8, 7), 100);
    expect(mapping.slice(100, 103)).toEqual(Uint8Array.of(9, 8, 7));
    const [record] = mappings(p);
    expect(record?.mapping?.vmoKoid).toBe(vmo.koid());
    expect(record?.mapping?.mmuFlags).toBe(VmOptions.PERM_READ | VmOptions.PERM_WRITE);
  });

  it('agrees with vmo.read under any mix of view and VMO writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.nat(3 * PAGE_SIZE - 1), fc.uint8Array({ minLength: 1, maxLength: 200 })),
          { maxLength: 12 },
        ),
        (writes) => {
          const p = newProcess();
          const vmo = Vmo.create(p.kernel, 3 * PAGE_SIZE);
          using mapping = Mapping.createFromVmo(vmo, { ...p.target, immediatelyPage });
          const model = new Uint8Array(3 * PAGE_SIZE);
          for (const [viaView, offset, data] of writes) {
            const part = data.subarray(0, model.length - offset);
            if (viaView) mapping.write(part, offset);
            else vmo.write(part, offset);
            model.set(part, offset);
          }
          // Buffer.equals keeps the property fast; toEqual on 12 KiB arrays dominates the run time.
          expect(Buffer.from(mapping.toUint8Array()).equals(model)).toBe(true);
          expect(Buffer.from(vmo.read(model.length, 0)).equals(model)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('Mapping lifecycle and failures', () => {
  it('disposal unmaps once; the view is dead afterwards', () => {
    const p = newProcess();
    const vmo = Vmo.create(p.kernel, PAGE_SIZE);
    const mapping = Mapping.createFromVmo(vmo, p.target);
    expect(vmo.info().numMappings).toBe(1);
    mapping[Symbol.dispose]();
    mapping[Symbol.dispose]();
    expect(vmo.info().numMappings).toBe(0);
    expect(mappings(p)).toHaveLength(0);
    expect(() => mapping.set(0, 1)).toThrow(MappingDisposedError);
  });

  it('allocate creates and maps a fresh VMO', () => {
    const p = newProcess();
    const { mapping, vmo } = Mapping.allocate(p.kernel, 3 * PAGE_SIZE, p.target);
    using _m = mapping;
    mapping.fill(0x5a);
    expect(vmo.read(3 * PAGE_SIZE, 0).every((b) => b === 0x5a)).toBe(true);
  });

  it('maps a prefix when given a size, and a zero size maps nothing', () => {
    const p = newProcess();
    const vmo = Vmo.create(p.kernel, 4 * PAGE_SIZE);
    using prefix = Mapping.createFromVmo(vmo, { ...p.target, size: 100 });
    expect(prefix.length).toBe(100);
    using empty = Mapping.createFromVmo(vmo, { ...p.target, size: 0 });
    expect(empty.length).toBe(0);
    expect(empty.address).toBeNull();
    expect(mappings(p)).toHaveLength(1);
  });

  it('reports each failing step with the kernel status', () => {
    const p = newProcess();
    const resizable = Vmo.create(p.kernel, PAGE_SIZE, VmoOptions.RESIZABLE);
    expect(thrown(() => Mapping.createFromVmo(resizable, p.target))).toBeInstanceOf(MapVmoError);
    expect(causeStatus(() => Mapping.createFromVmo(resizable, p.target))).toBe(ZxStatus.NOT_SUPPORTED);
    const vmo = Vmo.create(p.kernel, PAGE_SIZE);
    const readOnly = vmo.duplicate(Rights.DEFAULT_VMO & ~Rights.WRITE);
    expect(() => Mapping.createFromVmo(readOnly, p.target)).toThrow(MapVmoError);
    // A negative size is no u64: the kernel layer refuses it rather than read it as 2^64 - 1.
    expect(causeStatus(() => Mapping.createFromVmo(vmo, { ...p.target, size: -1 }))).toBe(ZxStatus.INVALID_ARGS);
    vmo.close();
    expect(() => Mapping.createFromVmo(vmo, p.target)).toThrow(GetVmoSizeError);
    expect(mappings(p)).toHaveLength(0);
  });
});
