import { type U64, addOverflows, hasAll, hasAny, pageAlignedU64, roundUpPageU64, smallPair, u32, u64 } from '../args.js';
import { MemoryPriority, PAGE_SIZE, Rights, VmarOp, VmOptions } from '../constants.js';
import { Handle, expectHandle } from '../handles/handle.js';
import type { Kernel } from '../kernel/kernel.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxStatus, fail } from '../status.js';
import { Vmo, vmoObjectOf } from '../vmo/vmo.js';
import { PERM_MASK } from './mapping.js';
import type { VmarObject} from './vmar-object.js';
import { CAN_MAP_RWX, alignOf, type VmarMapsRecord } from './vmar-object.js';

/**
 * `ZX_INFO_VMAR`.
 * @public
 */
export interface VmarInfo {
  base: number;
  len: number;
}

/**
 * The result of `ZX_INFO_VMAR_MAPS` / `ZX_INFO_PROCESS_MAPS`: `records` holds the first `actual` of `avail`.
 * @public
 */
export interface MapsInfo {
  records: VmarMapsRecord[];
  actual: number;
  avail: number;
}

const MAP_OPTIONS =
  PERM_MASK |
  VmOptions.SPECIFIC |
  VmOptions.SPECIFIC_OVERWRITE |
  VmOptions.MAP_RANGE |
  VmOptions.REQUIRE_NON_RESIZABLE |
  VmOptions.ALLOW_FAULTS |
  VmOptions.OFFSET_IS_UPPER_LIMIT |
  VmOptions.PERM_READ_IF_XOM_UNSUPPORTED |
  VmOptions.FAULT_BEYOND_STREAM_SIZE;

/** PERM_* bits allowed by READ/WRITE/EXECUTE rights. */
function rightsToPerms(rights: number): number {
  return (
    (hasAll(rights, Rights.READ) ? VmOptions.PERM_READ : 0) |
    (hasAll(rights, Rights.WRITE) ? VmOptions.PERM_WRITE : 0) |
    (hasAll(rights, Rights.EXECUTE) ? VmOptions.PERM_EXECUTE : 0)
  );
}

/** Rights needed for PERM_* bits. */
function permsToRights(perms: number): number {
  return (
    (hasAny(perms, VmOptions.PERM_READ) ? Rights.READ : 0) |
    (hasAny(perms, VmOptions.PERM_WRITE) ? Rights.WRITE : 0) |
    (hasAny(perms, VmOptions.PERM_EXECUTE) ? Rights.EXECUTE : 0)
  );
}

/** x86-64 has no execute-only memory, so READ_IF_XOM_UNSUPPORTED always adds READ. */
function effectivePerms(options: number): number {
  let perms = options & PERM_MASK;
  if (hasAny(options, VmOptions.PERM_READ_IF_XOM_UNSUPPORTED)) perms |= VmOptions.PERM_READ;
  return perms;
}

/**
 * A handle to a virtual memory address region.
 * @public
 */
export class Vmar extends Handle {
  /** The kernel the object belongs to (narrowed from {@link KernelContext}: a kernel's objects are its own). */
  declare readonly kernel: Kernel;

  /** @internal */
  protected _wrap(object: object, rights: number): this {
    return new Vmar(object, rights) as this;
  }

  /** `zx_vmar_allocate`: a child region; the new handle has DEFAULT_VMAR plus READ/WRITE/EXECUTE per CAN_MAP_*. */
  allocate(options: number, offset: U64, size: U64): { vmar: Vmar; address: number } {
    countCall(this.kernel, Sys.zx_vmar_allocate);
    vmarObjectOf(this);
    const opts = u32(options, 'options');
    const off = u64(offset, 'offset');
    const sz = u64(size, 'size');
    const need = permsToRights(((opts % 2 ** 24) & CAN_MAP_RWX) >>> 7);
    const o = vmarObjectOf(this, need);
    const child = o.allocate(opts, off, sz);
    return { vmar: new Vmar(child, (Rights.DEFAULT_VMAR | need) >>> 0), address: child.base };
  }

  /** `zx_vmar_map`: returns the mapped address. */
  map(options: number, vmarOffset: U64, vmo: Vmo, vmoOffset: U64, length: U64): number {
    countCall(this.kernel, Sys.zx_vmar_map);
    const o = vmarObjectOf(this);
    const v = expectHandle(vmo, Vmo, 'vmo', o.kernel);
    const opts = u32(options, 'options');
    // Numbers (the common case) whose rounded sums are exact skip the bigints: u64() accepts each of them, the
    // rounding and the overflow check cannot fail below 2^53, and the placement compares exact numbers.
    const small = smallMapArgs(vmarOffset, vmoOffset, length);
    const off = small ? (vmarOffset as number) : u64(vmarOffset, 'vmar offset');
    const vmoOff = small ? (vmoOffset as number) : u64(vmoOffset, 'vmo offset');
    const len = small ? (length as number) : u64(length, 'length');
    const vmoRights = v.rights;
    const vmoObj = vmoObjectOf(v);
    if (!hasAll(vmoRights, Rights.MAP)) fail(ZxStatus.ACCESS_DENIED, 'VMO handle lacks MAP');
    const low = opts % 2 ** 24;
    const perms = effectivePerms(low);
    if (hasAny(perms, VmOptions.PERM_WRITE | VmOptions.PERM_EXECUTE) && !hasAny(perms, VmOptions.PERM_READ))
      fail(ZxStatus.INVALID_ARGS, 'write or execute without read');
    if (hasAny(low, VmOptions.MAP_RANGE) && hasAny(low, VmOptions.SPECIFIC_OVERWRITE))
      fail(ZxStatus.INVALID_ARGS, 'MAP_RANGE with SPECIFIC_OVERWRITE');
    if (hasAny(low, CAN_MAP_RWX | VmOptions.CAN_MAP_SPECIFIC)) fail(ZxStatus.INVALID_ARGS, 'CAN_MAP_* on map');
    const need = permsToRights(perms);
    if (!hasAll(vmoRights, need) || !hasAll(this.rights, need)) fail(ZxStatus.ACCESS_DENIED, 'rights do not allow the permissions');
    const allowFaults = hasAny(low, VmOptions.ALLOW_FAULTS);
    if (hasAny(low, VmOptions.FAULT_BEYOND_STREAM_SIZE) && !allowFaults)
      fail(ZxStatus.INVALID_ARGS, 'FAULT_BEYOND_STREAM_SIZE needs ALLOW_FAULTS');
    if (hasAny(low, VmOptions.REQUIRE_NON_RESIZABLE) && vmoObj.resizable) fail(ZxStatus.NOT_SUPPORTED, 'VMO is resizable');
    if (vmoObj.discardable && !allowFaults) fail(ZxStatus.NOT_SUPPORTED, 'discardable VMO needs ALLOW_FAULTS');
    if (typeof vmoOff === 'number' ? vmoOff % PAGE_SIZE !== 0 : !pageAlignedU64(vmoOff)) fail(ZxStatus.INVALID_ARGS, 'unaligned VMO offset');
    let rounded: U64 | null;
    if (typeof len === 'number') rounded = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    else {
      rounded = roundUpPageU64(len);
      if (rounded === null || addOverflows(vmoOff as bigint, rounded)) fail(ZxStatus.OUT_OF_RANGE, 'length or VMO offset + length overflows');
    }
    if ((low & ~MAP_OPTIONS) !== 0) fail(ZxStatus.INVALID_ARGS, 'unknown map options');
    const alignLog2 = alignOf(opts);
    const maxPerms = rightsToPerms(vmoRights) & rightsToPerms(this.rights);
    // A page-aligned u64 is k * 2^12 with k < 2^52, so it is exact as a number. An offset past 2^53 lies beyond any
    // VMO the model holds: such a mapping is valid, and every access through it faults.
    return o.map(low, off, rounded, alignLog2, vmoObj, Number(vmoOff), perms, maxPerms);
  }

  /** `zx_vmar_unmap`: partly covered mappings are split; gaps are fine. */
  unmap(address: U64, length: U64): void {
    countCall(this.kernel, Sys.zx_vmar_unmap);
    const o = vmarObjectOf(this);
    if (smallPair(address, length)) {
      // Numbers (the common case) checked without bigints: same checks, same order, same outcomes.
      if (length === 0 || address % PAGE_SIZE !== 0) fail(ZxStatus.INVALID_ARGS, 'zero length or unaligned address');
      o.checkAlive();
      const end = insideVmarSmall(o, address, length as number);
      o.unmap(address, end, hasAll(this.rights, Rights.OP_CHILDREN));
      return;
    }
    const addr = u64(address, 'address');
    const len = u64(length, 'length');
    if (len === 0n || !pageAlignedU64(addr)) fail(ZxStatus.INVALID_ARGS, 'zero length or unaligned address');
    o.checkAlive();
    const [a, b] = insideVmar(o, addr, len);
    o.unmap(a, b, hasAll(this.rights, Rights.OP_CHILDREN));
  }

  /** `zx_vmar_protect`: all checks precede any change. */
  protect(options: number, address: U64, length: U64): void {
    countCall(this.kernel, Sys.zx_vmar_protect);
    const o = vmarObjectOf(this);
    const opts = u32(options, 'options');
    const small = smallPair(address, length);
    const addr = small ? 0n : u64(address, 'address');
    const len = small ? 0n : u64(length, 'length');
    const perms = effectivePerms(opts);
    if (!hasAll(this.rights, permsToRights(perms))) fail(ZxStatus.ACCESS_DENIED, 'rights do not allow the permissions');
    if (hasAny(perms, VmOptions.PERM_WRITE | VmOptions.PERM_EXECUTE) && !hasAny(perms, VmOptions.PERM_READ))
      fail(ZxStatus.INVALID_ARGS, 'write or execute without read');
    if ((opts & ~(PERM_MASK | VmOptions.PERM_READ_IF_XOM_UNSUPPORTED)) !== 0) fail(ZxStatus.INVALID_ARGS, 'non-permission flags');
    if (small) {
      if (length === 0 || address % PAGE_SIZE !== 0) fail(ZxStatus.INVALID_ARGS, 'zero length or unaligned address');
      o.checkAlive();
      const end = insideVmarSmall(o, address, length as number);
      o.protect(perms, address, end, hasAll(this.rights, Rights.OP_CHILDREN));
      return;
    }
    if (len === 0n || !pageAlignedU64(addr)) fail(ZxStatus.INVALID_ARGS, 'zero length or unaligned address');
    o.checkAlive();
    const [a, b] = insideVmar(o, addr, len);
    o.protect(perms, a, b, hasAll(this.rights, Rights.OP_CHILDREN));
  }

  /** `zx_vmar_destroy`: needs OP_CHILDREN; the handle stays valid but the region is dead. */
  destroy(): void {
    countCall(this.kernel, Sys.zx_vmar_destroy);
    const o = vmarObjectOf(this, Rights.OP_CHILDREN);
    o.destroy();
  }

  /** `zx_vmar_op_range`. */
  opRange(op: number, address: U64, length: U64): void {
    countCall(this.kernel, Sys.zx_vmar_op_range);
    const o = vmarObjectOf(this);
    const code = u32(op, 'op');
    const addrU = u64(address, 'address');
    const lenU = u64(length, 'length');
    const ops: number[] = Object.values(VmarOp);
    if (!ops.includes(code)) fail(ZxStatus.INVALID_ARGS, 'unknown op');
    const need =
      code === VmarOp.COMMIT || code === VmarOp.DECOMMIT || code === VmarOp.ZERO
        ? Rights.WRITE
        : code === VmarOp.PREFETCH || code === VmarOp.MAP_RANGE
          ? Rights.READ
          : 0;
    if (!hasAll(this.rights, need)) fail(ZxStatus.ACCESS_DENIED, 'missing right for op');
    if (lenU === 0n || !pageAlignedU64(addrU)) fail(ZxStatus.INVALID_ARGS, 'zero length or unaligned address');
    const roundedU = roundUpPageU64(lenU);
    if (roundedU === null || addrU < BigInt(o.base) || addrU + roundedU > BigInt(o.end))
      fail(ZxStatus.OUT_OF_RANGE, 'range not inside the VMAR');
    const addr = Number(addrU);
    const end = Number(addrU + roundedU);
    o.checkAlive();
    const list = o.rangeList(addr, end);
    for (const m of list) {
      const nested = m.parent !== o;
      // Reaching into a sub-region needs OP_CHILDREN, whatever the op (vmar.cc RangeOpSubRegions).
      if (nested && !hasAll(this.rights, Rights.OP_CHILDREN)) fail(ZxStatus.INVALID_ARGS, 'mapping in a sub-VMAR needs OP_CHILDREN');
      if (nested && (code === VmarOp.COMMIT || code === VmarOp.DECOMMIT || code === VmarOp.PREFETCH))
        fail(ZxStatus.INVALID_ARGS, 'op on a mapping in a sub-VMAR');
      if ((code === VmarOp.COMMIT || code === VmarOp.DECOMMIT) && !hasAny(m.maxPerms, VmOptions.PERM_WRITE))
        fail(ZxStatus.ACCESS_DENIED, 'mapping can never be writable');
      if (code === VmarOp.ZERO && !hasAny(m.perms, VmOptions.PERM_WRITE)) fail(ZxStatus.ACCESS_DENIED, 'mapping not writable');
      if (code === VmarOp.PREFETCH && !hasAny(m.perms, VmOptions.PERM_READ)) fail(ZxStatus.ACCESS_DENIED, 'mapping not readable');
    }
    for (const m of list) {
      const s = Math.max(addr, m.base);
      const e = Math.min(end, m.end);
      const vs = m.vmoOffset + (s - m.base);
      const ve = Math.min(m.vmoOffset + (e - m.base), m.vmo.size);
      if (ve <= vs) continue;
      if (code === VmarOp.COMMIT) m.vmo.commit(vs, ve);
      else if (code === VmarOp.DECOMMIT || code === VmarOp.ZERO) m.vmo.zero(vs, ve);
      else if (code === VmarOp.PREFETCH) m.vmo.prefetch(vs, ve);
    }
  }

  /** `ZX_INFO_VMAR` (needs INSPECT). */
  info(): VmarInfo {
    countCall(this.kernel, Sys.zx_object_get_info);
    const o = vmarObjectOf(this, Rights.INSPECT);
    return { base: o.base, len: o.size };
  }

  /**
   * `ZX_INFO_VMAR_MAPS` (needs INSPECT): depth-first pre-order records, entry 0 the VMAR itself. `maxRecords`
   * models the caller's buffer; `avail` always counts every record.
   */
  mapsInfo(maxRecords: U64 = Number.MAX_SAFE_INTEGER): MapsInfo {
    countCall(this.kernel, Sys.zx_object_get_info);
    const o = vmarObjectOf(this, Rights.INSPECT);
    const capU = u64(maxRecords, 'maxRecords');
    const cap = capU > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(capU);
    o.checkAlive();
    const all: VmarMapsRecord[] = [];
    o.mapsRecords(0, all);
    const actual = Math.min(cap, all.length);
    return { records: all.slice(0, actual), actual, avail: all.length };
  }

  /**
   * Applies a memory profile (what `zx_object_set_profile` with a memory-priority profile does): the VMAR, every
   * sub-VMAR and mapping, and their future children take the priority.
   */
  setMemoryPriority(priority: MemoryPriority): void {
    countCall(this.kernel, Sys.zx_object_set_profile);
    const o = vmarObjectOf(this);
    if (priority !== MemoryPriority.DEFAULT && priority !== MemoryPriority.HIGH) fail(ZxStatus.INVALID_ARGS, 'unknown priority');
    o.checkAlive();
    o.setPriority(priority);
  }

  /** The VMAR's current memory priority. */
  memoryPriority(): MemoryPriority {
    return vmarObjectOf(this).priority;
  }
}

/**
 * `[addr, addr + ROUNDUP(len))` as numbers when it lies inside the VMAR; INVALID_ARGS otherwise, including a length
 * whose rounding or sum passes 2^64 (C would wrap it to a small, misleading range).
 */
function insideVmar(o: VmarObject, addr: bigint, len: bigint): [number, number] {
  const rounded = roundUpPageU64(len);
  if (rounded === null || addr < BigInt(o.base) || addr + rounded > BigInt(o.end)) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
  return [Number(addr), Number(addr + rounded)];
}

/** {@link insideVmar} for numbers whose sum is exact ({@link smallPair}): the end of the range. */
function insideVmarSmall(o: VmarObject, addr: number, len: number): number {
  // Rounding up stays exact: page multiples up to 2^53 are doubles.
  const end = addr + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (addr < o.base || end > o.end) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
  return end;
}

/**
 * Whether zx_vmar_map's three u64 arguments are numbers it can check without bigints: non-negative safe integers (so
 * u64() takes each), with the VMAR offset plus the length rounded up to a page still exact.
 */
function smallMapArgs(vmarOffset: U64, vmoOffset: U64, length: U64): boolean {
  return (
    typeof vmoOffset === 'number' &&
    Number.isSafeInteger(vmoOffset) &&
    vmoOffset >= 0 &&
    smallPair(vmarOffset, length) &&
    vmarOffset + (length as number) + PAGE_SIZE <= Number.MAX_SAFE_INTEGER
  );
}

/** The VMAR object behind a handle, requiring `rights` (BAD_HANDLE, then ACCESS_DENIED). */
export function vmarObjectOf(h: Vmar, rights = 0): VmarObject {
  return h._require(rights) as VmarObject;
}
