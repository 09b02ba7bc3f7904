import { describe, it } from 'vitest';
import { Rights, VmarOp, VmOptions, Vmo, VmoChildOptions, VmoOptions, ZxStatus } from './index.js';
import { PAGE, expectStatus, setup } from './test-support/util.js';

const U64_MAX = 2n ** 64n - 1n;

// When several arguments are wrong at once, the first failing check in the spec's order decides the status.
describe('check order (spec sections 2 and 3)', () => {
  it('create_child: overflow, NO_WRITE|RESIZABLE, rights, discardable, then per type', () => {
    const { kernel } = setup();
    const vmo = Vmo.create(kernel, 2 * PAGE);
    const weak = vmo.duplicate(Rights.READ);
    const both = VmoChildOptions.SNAPSHOT | VmoChildOptions.NO_WRITE | VmoChildOptions.RESIZABLE;
    expectStatus(() => weak.createChild(both, 0, U64_MAX), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => weak.createChild(both, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => weak.createChild(VmoChildOptions.SNAPSHOT, 1, PAGE), ZxStatus.ACCESS_DENIED);
    const disc = Vmo.create(kernel, PAGE, VmoOptions.DISCARDABLE);
    expectStatus(() => disc.createChild(VmoChildOptions.SLICE, PAGE * 9, PAGE), ZxStatus.NOT_SUPPORTED);
    const resizable = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    expectStatus(() => resizable.createChild(VmoChildOptions.SLICE | VmoChildOptions.SNAPSHOT, 0, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => resizable.createChild(VmoChildOptions.SLICE, PAGE, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => resizable.createChild(VmoChildOptions.SLICE, 0, PAGE), ZxStatus.NOT_SUPPORTED);
  });

  it('set_size: WRITE, then resizable, then RESIZE, then the size', () => {
    const { kernel } = setup();
    const fixed = Vmo.create(kernel, PAGE);
    expectStatus(() => fixed.duplicate(Rights.READ).setSize(U64_MAX), ZxStatus.ACCESS_DENIED);
    expectStatus(() => fixed.setSize(U64_MAX), ZxStatus.UNAVAILABLE);
    const r = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    expectStatus(() => r.duplicate(Rights.WRITE).setSize(U64_MAX), ZxStatus.ACCESS_DENIED);
    expectStatus(() => r.setSize(U64_MAX), ZxStatus.OUT_OF_RANGE);
  });

  it('map: MAP right, W/X without R, MAP_RANGE|OVERWRITE, CAN_MAP_*, rights, stream size, resizable, discardable, offset, overflow, shared rules', () => {
    const { kernel, root } = setup();
    const vmo = Vmo.create(kernel, PAGE);
    const noMap = vmo.duplicate(Rights.READ | Rights.WRITE);
    const W = VmOptions.PERM_WRITE;
    const R = VmOptions.PERM_READ;
    expectStatus(() => root.map(W, 1, noMap, 1, 0), ZxStatus.ACCESS_DENIED);
    expectStatus(() => root.map(W | VmOptions.MAP_RANGE | VmOptions.SPECIFIC_OVERWRITE, 1, vmo, 1, 0), ZxStatus.INVALID_ARGS);
    const ro = vmo.duplicate(Rights.MAP | Rights.READ);
    // Rights come after the option checks...
    expectStatus(() => root.map(R | W | VmOptions.CAN_MAP_READ, 0, ro, 0, PAGE), ZxStatus.INVALID_ARGS);
    // ...and before the stream-size, resizable and discardable checks.
    expectStatus(() => root.map(R | W | VmOptions.FAULT_BEYOND_STREAM_SIZE, 0, ro, 0, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => root.map(R | VmOptions.FAULT_BEYOND_STREAM_SIZE, 0, ro, 0, PAGE), ZxStatus.INVALID_ARGS);
    const rz = Vmo.create(kernel, PAGE, VmoOptions.RESIZABLE);
    expectStatus(() => root.map(R | VmOptions.REQUIRE_NON_RESIZABLE, 0, rz, 1, PAGE), ZxStatus.NOT_SUPPORTED);
    const disc = Vmo.create(kernel, PAGE, VmoOptions.DISCARDABLE);
    expectStatus(() => root.map(R, 0, disc, 1, PAGE), ZxStatus.NOT_SUPPORTED);
    expectStatus(() => root.map(R, 0, vmo, 1, U64_MAX), ZxStatus.INVALID_ARGS);
    expectStatus(() => root.map(R, 0, vmo, 0, U64_MAX), ZxStatus.OUT_OF_RANGE);
    // Then the shared rules: unknown bits, dead VMAR, size 0, permissions beyond the region, ...
    expectStatus(() => root.map(R | VmOptions.COMPACT, 0, vmo, 0, 0), ZxStatus.INVALID_ARGS);
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ, 0, 4 * PAGE);
    expectStatus(() => vmar.map(R | W, 0, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmar.map(R | VmOptions.SPECIFIC, PAGE, vmo, 0, PAGE), ZxStatus.ACCESS_DENIED);
    vmar.destroy();
    expectStatus(() => vmar.map(R, 0, vmo, 0, 0), ZxStatus.BAD_STATE);
  });

  it('allocate: handle rights, options, dead, size, permissions, placement', () => {
    const { root } = setup();
    const ro = root.duplicate(Rights.DEFAULT_VMAR | Rights.READ);
    expectStatus(() => ro.allocate(VmOptions.CAN_MAP_WRITE | VmOptions.PERM_READ, 0, 0), ZxStatus.ACCESS_DENIED);
    expectStatus(() => root.allocate(VmOptions.PERM_READ, 0, 0), ZxStatus.INVALID_ARGS);
    const { vmar } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 4 * PAGE);
    expectStatus(() => vmar.allocate(VmOptions.CAN_MAP_EXECUTE | VmOptions.SPECIFIC, PAGE, PAGE), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmar.allocate(VmOptions.SPECIFIC | VmOptions.OFFSET_IS_UPPER_LIMIT, PAGE, PAGE), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.allocate(VmOptions.SPECIFIC, PAGE, PAGE), ZxStatus.ACCESS_DENIED);
    vmar.destroy();
    expectStatus(() => vmar.allocate(VmOptions.CAN_MAP_READ, 0, 0), ZxStatus.BAD_STATE);
  });

  it('unmap, protect and op_range', () => {
    const { kernel, root } = setup();
    const { vmar, address } = root.allocate(VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE, 0, 4 * PAGE);
    vmar.destroy();
    expectStatus(() => vmar.unmap(address, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.unmap(0, PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => root.protect(VmOptions.PERM_WRITE, address + 1, 0), ZxStatus.INVALID_ARGS);
    const ro = root.duplicate(Rights.DEFAULT_VMAR | Rights.READ);
    expectStatus(() => ro.protect(VmOptions.PERM_READ | VmOptions.PERM_WRITE, address + 1, 0), ZxStatus.ACCESS_DENIED);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address, 0), ZxStatus.INVALID_ARGS);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, 0, PAGE), ZxStatus.OUT_OF_RANGE);
    expectStatus(() => vmar.opRange(VmarOp.COMMIT, address, PAGE), ZxStatus.BAD_STATE);
    const vmo = Vmo.create(kernel, PAGE);
    const a = root.map(VmOptions.PERM_READ, 0, vmo.duplicate(Rights.MAP | Rights.READ), 0, PAGE);
    // A gap is BAD_STATE before any per-mapping check.
    expectStatus(() => root.opRange(VmarOp.COMMIT, a, 2 * PAGE), ZxStatus.BAD_STATE);
    expectStatus(() => root.opRange(VmarOp.COMMIT, a, PAGE), ZxStatus.ACCESS_DENIED);
  });
});
