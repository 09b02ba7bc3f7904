import { PAGE_SIZE, Vmo } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MappedVmoArgumentError, ImmutableMapping, Mapping, MappingDisposedError, ReadonlyByteView } from '../index.js';
import { newProcess } from '../test-support/process.js';

/** An immutable mapping over `bytes` (zero-padded to a page) and the same bytes as a plain array. */
function fixture(bytes: Uint8Array) {
  const p = newProcess();
  const vmo = Vmo.create(p.kernel, bytes.length);
  vmo.write(bytes, 0);
  const plain = new Uint8Array(vmo.getSize());
  plain.set(bytes);
  return { p, vmo, plain, mapping: ImmutableMapping.createFromVmo(vmo, false, p.target) };
}

const bytes = Uint8Array.from({ length: PAGE_SIZE + 100 }, (_, i) => (i * 31) & 0xff);

describe('ReadonlyByteView', () => {
  it('indexes like Uint8Array.at', () => {
    const { mapping, plain } = fixture(bytes);
    for (const i of [0, 1, 4095, 4096, plain.length - 1, -1, -plain.length, plain.length, -plain.length - 1]) {
      expect(mapping.at(i)).toBe(plain.at(i));
    }
    expect(mapping.byteLength).toBe(plain.length);
  });

  it('subarray shares the mapping, slice copies', () => {
    const { mapping, plain } = fixture(bytes);
    const sub = mapping.subarray(4090, 4100);
    expect(sub).toBeInstanceOf(ReadonlyByteView);
    expect(sub.length).toBe(10);
    expect(sub.toUint8Array()).toEqual(plain.subarray(4090, 4100));
    expect(sub.subarray(-3).toUint8Array()).toEqual(plain.subarray(4097, 4100));
    const copy = mapping.slice(10, 20);
    copy[0] = 255 - (copy[0] ?? 0);
    expect(mapping.at(10)).toBe(plain[10]);
  });

  it('iterates values, keys and entries', () => {
    const { mapping, plain } = fixture(bytes.subarray(0, 5));
    const sub = mapping.subarray(0, 5);
    expect([...sub]).toEqual([...plain.subarray(0, 5)]);
    expect([...sub.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect([...sub.entries()]).toEqual([...plain.subarray(0, 5).entries()]);
    expect([...mapping.values()]).toHaveLength(PAGE_SIZE);
  });

  it('copies out to a Uint8Array or a Buffer', () => {
    const { mapping, plain } = fixture(bytes);
    const target = new Uint8Array(plain.length + 8);
    expect(mapping.copyTo(target, 8)).toBe(plain.length);
    expect(target.subarray(8)).toEqual(plain);
    expect(() => mapping.copyTo(target, 9)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.copyTo(target, -1)).toThrow(MappedVmoArgumentError);
    const buffer = mapping.toBuffer();
    expect(Buffer.isBuffer(buffer)).toBe(true);
    expect(buffer.equals(Buffer.from(plain))).toBe(true);
    expect(mapping.equals(plain)).toBe(true);
    expect(mapping.equals(plain.subarray(1))).toBe(false);
    expect(mapping.subarray(1, 3).equals(mapping.subarray(1, 3))).toBe(true);
  });

  it('rejects non-integer indices with a typed error instead of truncating', () => {
    const { mapping } = fixture(bytes);
    for (const bad of [1.5, Number.NaN, '1', 2n, null]) {
      expect(() => mapping.at(bad as number)).toThrow(MappedVmoArgumentError);
      expect(() => mapping.subarray(bad as number)).toThrow(MappedVmoArgumentError);
      expect(() => mapping.slice(0, bad as number)).toThrow(MappedVmoArgumentError);
    }
    expect(() => mapping.copyTo([] as unknown as Uint8Array)).toThrow(MappedVmoArgumentError);
  });

  it('sub-views die with their mapping', () => {
    const { mapping } = fixture(bytes);
    const sub = mapping.subarray(1, 2);
    mapping[Symbol.dispose]();
    expect(() => sub.at(0)).toThrow(MappingDisposedError);
    expect(() => [...sub]).toThrow(MappingDisposedError);
    expect(() => mapping.subarray(0)).toThrow(MappingDisposedError);
  });

  it('subarray and slice agree with Uint8Array for any bounds', () => {
    const { mapping, plain } = fixture(bytes);
    const index = fc.option(fc.integer({ min: -plain.length - 10, max: plain.length + 10 }), { nil: undefined });
    fc.assert(
      fc.property(index, index, (begin, end) => {
        expect(mapping.slice(begin, end)).toEqual(plain.slice(begin, end));
        expect(mapping.subarray(begin, end).toUint8Array()).toEqual(plain.subarray(begin, end));
      }),
      { numRuns: 60 },
    );
  });
});

describe('ByteView', () => {
  it('set, write and fill land in the VMO; bad values are refused without a partial write', () => {
    const p = newProcess();
    const vmo = Vmo.create(p.kernel, PAGE_SIZE);
    using mapping = Mapping.createFromVmo(vmo, p.target);
    mapping.set(0, 1);
    mapping.set(-1, 2);
    mapping.write([3, 4], 10);
    mapping.subarray(20, 24).fill(5);
    mapping.fill(6, -3, -2);
    const expected = new Uint8Array(PAGE_SIZE);
    expected[0] = 1;
    expected[PAGE_SIZE - 1] = 2;
    expected.set([3, 4], 10);
    expected.fill(5, 20, 24);
    expected[PAGE_SIZE - 3] = 6;
    expect(vmo.read(PAGE_SIZE, 0)).toEqual(expected);

    expect(() => mapping.set(0, 256)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.set(0, -1)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.set(PAGE_SIZE, 0)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.write([1, 2, 300], 30)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.write(new Uint8Array(2), PAGE_SIZE - 1)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.fill(1.5)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.write(null as unknown as Uint8Array)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.write('abc' as unknown as Uint8Array)).toThrow(MappedVmoArgumentError);
    expect(() => mapping.equals(null as unknown as Uint8Array)).toThrow(MappedVmoArgumentError);
    expect(vmo.read(PAGE_SIZE, 0)).toEqual(expected);
  });
});
