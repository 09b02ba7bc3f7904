import type { ZxError} from '@memsim/zircon-objects';
import { MapsType, PAGE_SIZE, Rights, Vmo, VmOptions, ZxStatus } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import {
  COMPACT_VMAR_SIZE,
  CompactVmar,
  CompactVmarInspectError,
  CompactVmarNotEmptyError,
  PROBE_SIZE,
} from './index.js';
import { fillVmar, newProcess, thrown } from './test-support/process.js';

describe('CompactVmar', () => {
  it('is a 1 GiB child of the parent that can map read/write/specific but not execute', () => {
    const { kernel, rootVmar } = newProcess();
    using compact = CompactVmar.allocate(rootVmar);
    expect(compact.vmar.info()).toEqual({ base: compact.address, len: COMPACT_VMAR_SIZE });
    const record = rootVmar.mapsInfo().records.find((r) => r.base === compact.address && r.type === MapsType.VMAR);
    expect(record?.size).toBe(COMPACT_VMAR_SIZE);
    expect(compact.vmar.rights & (Rights.READ | Rights.WRITE | Rights.EXECUTE)).toBe(Rights.READ | Rights.WRITE);

    const vmo = Vmo.create(kernel, PAGE_SIZE);
    const rw = VmOptions.PERM_READ | VmOptions.PERM_WRITE;
    const at = compact.vmar.map(rw | VmOptions.SPECIFIC, 5 * PAGE_SIZE, vmo, 0, PAGE_SIZE);
    expect(at).toBe(compact.address + 5 * PAGE_SIZE);
    expect((thrown(() => compact.vmar.map(VmOptions.PERM_READ | VmOptions.PERM_EXECUTE, 0, vmo, 0, PAGE_SIZE)) as ZxError).status).toBe(
      ZxStatus.ACCESS_DENIED,
    );
    compact.vmar.unmap(at, PAGE_SIZE);
  });

  it('packs allocations densely (COMPACT): 32 probe-sized children fill it exactly', () => {
    const { rootVmar } = newProcess();
    using compact = CompactVmar.allocate(rootVmar);
    const fill = fillVmar(compact.vmar, PROBE_SIZE);
    expect(fill.count).toBe(COMPACT_VMAR_SIZE / PROBE_SIZE);
    fill.release();
  });

  it('probe allocates and destroys a child, leaving no trace', () => {
    const { rootVmar } = newProcess();
    using compact = CompactVmar.allocate(rootVmar);
    expect(compact.probe(PROBE_SIZE)).toBe(true);
    expect(compact.records()).toBe(1);
    expect(compact.probe(COMPACT_VMAR_SIZE)).toBe(true);
    expect(compact.probe(COMPACT_VMAR_SIZE + PAGE_SIZE)).toBe(false);
    const fill = fillVmar(compact.vmar, PROBE_SIZE);
    expect(compact.probe(PROBE_SIZE)).toBe(false);
    expect(compact.probe(PAGE_SIZE)).toBe(false);
    expect(compact.records()).toBe(1 + fill.count);
    fill.release();
    expect(compact.probe(PROBE_SIZE)).toBe(true);
  });

  it('refuses disposal while a mapping or child VMAR remains (INFO_VMAR_MAPS avail != 1)', () => {
    const { kernel, rootVmar } = newProcess();
    const compact = CompactVmar.allocate(rootVmar);
    const vmo = Vmo.create(kernel, PAGE_SIZE);
    const at = compact.vmar.map(VmOptions.PERM_READ, 0, vmo, 0, PAGE_SIZE);
    const child = compact.vmar.allocate(VmOptions.CAN_MAP_READ, 0, PAGE_SIZE).vmar;

    const error = thrown(() => compact[Symbol.dispose]());
    expect(error).toBeInstanceOf(CompactVmarNotEmptyError);
    expect((error as CompactVmarNotEmptyError).avail).toBe(3);
    expect((error as CompactVmarNotEmptyError).code).toBe('NOT_EMPTY');
    // Nothing was destroyed: the mapping still works.
    expect(compact.vmar.valid).toBe(true);
    expect(compact.probe(PAGE_SIZE)).toBe(true);

    compact.vmar.unmap(at, PAGE_SIZE);
    expect((thrown(() => compact[Symbol.dispose]()) as CompactVmarNotEmptyError).avail).toBe(2);
    child.destroy();
    compact[Symbol.dispose]();
    expect(rootVmar.mapsInfo().avail).toBe(1);
    compact[Symbol.dispose]();
  });

  it('reports a failed maps query as CompactVmarInspectError with the kernel status', () => {
    const { rootVmar, process } = newProcess();
    const compact = CompactVmar.allocate(rootVmar);
    process.kill();
    const error = thrown(() => compact[Symbol.dispose]());
    expect(error).toBeInstanceOf(CompactVmarInspectError);
    expect((error as CompactVmarInspectError).cause.status).toBe(ZxStatus.BAD_STATE);
  });

  it('passes on the kernel status when the parent has no room', () => {
    const { rootVmar } = newProcess();
    const small = rootVmar.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, PAGE_SIZE).vmar;
    // Larger than the parent: INVALID_ARGS, as Zircon's vmar.cc AllocateUnsatisfiableTest shows.
    expect((thrown(() => CompactVmar.allocate(small)) as ZxError).status).toBe(ZxStatus.INVALID_ARGS);
  });
});
