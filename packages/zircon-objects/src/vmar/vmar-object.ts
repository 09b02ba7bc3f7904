import { type U64, hasAny, pageAlignedU64 } from '../args.js';
import { MapsType, MemoryPriority, ObjType, PAGE_SIZE, VmOptions } from '../constants.js';
import type { KernelContext } from '../kernel/kernel-context.js';
import { KernelObject } from '../kernel/kernel-object.js';
import { ZxStatus, fail } from '../status.js';
import type { CowNode } from '../vmo/cow-node.js';
import type { VmoObject } from '../vmo/vmo-object.js';
import { Mapping } from './mapping.js';
import type { AspaceOwner } from './mapping-parent.js';

export type { AspaceOwner } from './mapping-parent.js';
import { RangeTree } from './range-tree.js';

/** One `ZX_INFO_VMAR_MAPS` / `ZX_INFO_PROCESS_MAPS` record. @public */
export interface VmarMapsRecord {
  name: string;
  base: number;
  size: number;
  depth: number;
  type: MapsType;
  /** Present for type MAPPING. */
  mapping?: MappingInfo;
}

/** The mapping part of a maps record (`zx_info_maps_mapping_t`). @public */
export interface MappingInfo {
  /** Current ZX_VM_PERM_* bits. */
  mmuFlags: number;
  vmoKoid: number;
  vmoOffset: number;
  committedBytes: number;
  populatedBytes: number;
}

export const CAN_MAP_RWX = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_EXECUTE;

/** CAN_MAP_READ/WRITE/EXECUTE bits to PERM_READ/WRITE/EXECUTE bits. */
export function canMapToPerms(flags: number): number {
  return (flags & CAN_MAP_RWX) >>> 7;
}

/** Reads the alignment field: 0 for none, else log2; throws INVALID_ARGS outside 10..32. */
export function alignOf(options: number): number {
  // The whole top byte is the field (ALIGN_4GB is 32 << 24), so values above 32 are invalid, not wrapped.
  const log2 = Math.floor(options / 2 ** 24);
  if (log2 !== 0 && (log2 < 10 || log2 > 32)) fail(ZxStatus.INVALID_ARGS, 'alignment outside 10..32');
  return log2;
}

type Child = VmarObject | Mapping;

/**
 * Whether a mapping b (base, VMO, offset, permissions, limit, options) right after a mapping a (end, VMO, offset past
 * its end, ...) continues it: same VMO at the next offset, same permissions, limits and options. Zircon merges such
 * neighbours. Taken as fields, so a mapping about to be made, or a run being merged, needs no object of its own.
 */
function continues(
  aEnd: number,
  aVmo: VmoObject,
  aVmoEnd: number,
  aPerms: number,
  aMax: number,
  aFaults: boolean,
  bBase: number,
  bVmo: VmoObject,
  bVmoOffset: number,
  bPerms: number,
  bMax: number,
  bFaults: boolean,
): boolean {
  return aEnd === bBase && aVmo === bVmo && aVmoEnd === bVmoOffset && aPerms === bPerms && aMax === bMax && aFaults === bFaults;
}

/**
 * A virtual memory address region (VmAddressRegion): a range of an address space holding sub-regions and mappings.
 */
export class VmarObject extends KernelObject {
  readonly type = ObjType.VMAR;
  readonly kind = 'vmar' as const;
  readonly base: number;
  readonly size: number;
  readonly parent: VmarObject | null;
  readonly owner: AspaceOwner;
  /** CAN_MAP_* and COMPACT bits. */
  readonly flags: number;
  children = new RangeTree<Child>();
  dead = false;
  priority: MemoryPriority;
  name: string;

  constructor(kernel: KernelContext, owner: AspaceOwner, parent: VmarObject | null, base: number, size: number, flags: number, name: string) {
    super(kernel);
    this.owner = owner;
    this.parent = parent;
    this.base = base;
    this.size = size;
    this.flags = flags;
    this.name = name;
    this.priority = parent?.priority ?? MemoryPriority.DEFAULT;
  }

  override relatedKoid(): number {
    return this.owner.koid;
  }

  get end(): number {
    return this.base + this.size;
  }

  get high(): boolean {
    return this.priority === MemoryPriority.HIGH;
  }

  /** Indexes a new child (its range must be free). */
  addChild(c: Child): void {
    this.children.insert(c, c.base, c.base + c.size);
  }

  removeChild(c: Child): void {
    this.children.remove(c.base);
  }

  checkAlive(): void {
    if (this.dead) fail(ZxStatus.BAD_STATE, 'VMAR is destroyed');
  }

  // ---- placement ------------------------------------------------------------------------------------------------

  /** The placement half of the shared allocate/map rules (after dead / size / permission checks). */
  locate(options: number, offsetU: U64, sizeArg: U64, alignLog2: number): number {
    const specific = hasAny(options, VmOptions.SPECIFIC | VmOptions.SPECIFIC_OVERWRITE);
    const upper = hasAny(options, VmOptions.OFFSET_IS_UPPER_LIMIT);
    if (specific && upper) fail(ZxStatus.INVALID_ARGS, 'SPECIFIC with OFFSET_IS_UPPER_LIMIT');
    // Two numbers (zx_vmar_map's small path: their sum is exact) compare as the bigints would; otherwise bigints.
    if (typeof offsetU === 'number' && typeof sizeArg === 'number') return this.#locateSmall(options, specific, upper, offsetU, sizeArg, alignLog2);
    const offset = BigInt(offsetU);
    const sizeU = BigInt(sizeArg);
    if (offset !== 0n && !specific && !upper) fail(ZxStatus.INVALID_ARGS, 'offset without SPECIFIC');
    if (!pageAlignedU64(offset)) fail(ZxStatus.INVALID_ARGS, 'unaligned offset');
    if ((specific || upper) && !hasAny(this.flags, VmOptions.CAN_MAP_SPECIFIC))
      fail(ZxStatus.ACCESS_DENIED, 'VMAR lacks CAN_MAP_SPECIFIC');
    // Every mapping and region is at least page-aligned: an alignment option below a page (ALIGN_1KB, ALIGN_2KB)
    // is valid but cannot lower that.
    const align = Math.max(PAGE_SIZE, alignLog2 === 0 ? 0 : 2 ** alignLog2);
    const vmarSize = BigInt(this.size);
    if (sizeU > vmarSize) fail(ZxStatus.INVALID_ARGS, 'larger than the VMAR');
    // Exact u64 comparisons above; from here on offset and size are inside the VMAR, so below 2^53.
    const size = Number(sizeU);
    if (specific) {
      if (offset + sizeU > vmarSize) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
      const addr = this.base + Number(offset);
      if (addr % align !== 0) fail(ZxStatus.INVALID_ARGS, 'address not aligned as requested');
      if (!hasAny(options, VmOptions.SPECIFIC_OVERWRITE) && !this.children.isFree(addr, addr + size))
        fail(ZxStatus.ALREADY_EXISTS, 'range in use');
      return addr;
    }
    let hi = this.end;
    if (upper) {
      if (!(sizeU <= offset && offset <= vmarSize)) fail(ZxStatus.INVALID_ARGS, 'upper limit out of range');
      hi = this.base + Number(offset);
    }
    const addr = this.#choose(size, align, hi);
    if (addr < 0) fail(ZxStatus.NO_RESOURCES, 'no free spot');
    return addr;
  }

  /** {@link locate} for a number offset and size whose sum is exact: the same checks in the same order. */
  #locateSmall(options: number, specific: boolean, upper: boolean, offset: number, size: number, alignLog2: number): number {
    if (offset !== 0 && !specific && !upper) fail(ZxStatus.INVALID_ARGS, 'offset without SPECIFIC');
    if (offset % PAGE_SIZE !== 0) fail(ZxStatus.INVALID_ARGS, 'unaligned offset');
    if ((specific || upper) && !hasAny(this.flags, VmOptions.CAN_MAP_SPECIFIC)) fail(ZxStatus.ACCESS_DENIED, 'VMAR lacks CAN_MAP_SPECIFIC');
    const align = Math.max(PAGE_SIZE, alignLog2 === 0 ? 0 : 2 ** alignLog2);
    if (size > this.size) fail(ZxStatus.INVALID_ARGS, 'larger than the VMAR');
    if (specific) {
      if (offset + size > this.size) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
      const addr = this.base + offset;
      if (addr % align !== 0) fail(ZxStatus.INVALID_ARGS, 'address not aligned as requested');
      if (!hasAny(options, VmOptions.SPECIFIC_OVERWRITE) && !this.children.isFree(addr, addr + size)) fail(ZxStatus.ALREADY_EXISTS, 'range in use');
      return addr;
    }
    let hi = this.end;
    if (upper) {
      if (!(size <= offset && offset <= this.size)) fail(ZxStatus.INVALID_ARGS, 'upper limit out of range');
      hi = this.base + offset;
    }
    const addr = this.#choose(size, align, hi);
    if (addr < 0) fail(ZxStatus.NO_RESOURCES, 'no free spot');
    return addr;
  }

  #choose(size: number, align: number, hi: number): number {
    const k = this.kernel;
    if (!k.aslr || hasAny(this.flags, VmOptions.COMPACT)) return this.children.lowestFit(this.base, this.end, this.base, hi, size, align);
    const a0 = Math.ceil(this.base / align) * align;
    const maxStart = hi - size;
    if (maxStart < a0) return -1;
    const cap = 2 ** k.aslrEntropyBits;
    const slots = Math.min(Math.floor((maxStart - a0) / align) + 1, cap);
    // Uniform over aligned slots, rejecting occupied ones: O(log n) per try while the space is mostly free.
    for (let t = 0; t < 64; t++) {
      const a = a0 + k.randomInt(slots) * align;
      if (this.children.isFree(a, a + size)) return a;
    }
    // Dense: enumerate the first `cap` candidates in address order and pick one uniformly.
    const runs: [number, number][] = [];
    let total = 0;
    this.children.forEachGap(this.base, hi, hi, (gs, geRaw) => {
      const ge = Math.min(geRaw, hi);
      const s = Math.ceil(gs / align) * align;
      if (s + size <= ge) {
        const c = Math.min(Math.floor((ge - size - s) / align) + 1, cap - total);
        runs.push([s, c]);
        total += c;
      }
      return total >= cap;
    });
    if (total === 0) return -1;
    let r = k.randomInt(total);
    for (const [s, c] of runs) {
      if (r < c) return s + r * align;
      r -= c;
    }
    return -1;
  }

  // ---- allocate / map -------------------------------------------------------------------------------------------

  allocate(options: number, offset: bigint, sizeU: bigint): VmarObject {
    const allowed = VmOptions.SPECIFIC | VmOptions.CAN_MAP_SPECIFIC | VmOptions.COMPACT | CAN_MAP_RWX | VmOptions.OFFSET_IS_UPPER_LIMIT;
    const alignLog2 = alignOf(options);
    if (((options % 2 ** 24) & ~allowed) !== 0) fail(ZxStatus.INVALID_ARGS, 'unsupported options');
    this.checkAlive();
    if (sizeU === 0n || !pageAlignedU64(sizeU)) fail(ZxStatus.INVALID_ARGS, 'size must be a non-zero page multiple');
    if (hasAny(options & CAN_MAP_RWX, ~this.flags & CAN_MAP_RWX)) fail(ZxStatus.ACCESS_DENIED, 'permissions beyond the parent');
    const addr = this.locate(options, offset, sizeU, alignLog2);
    const size = Number(sizeU);
    const flags = options & (CAN_MAP_RWX | VmOptions.CAN_MAP_SPECIFIC | VmOptions.COMPACT);
    const child = new VmarObject(this.kernel, this.owner, this, addr, size, flags, 'useralloc');
    this.addChild(child);
    return child;
  }

  /** Maps (options already through the map-specific checks; `perms` are PERM_* bits). Returns the address. */
  map(options: number, offset: U64, sizeU: U64, alignLog2: number, vmo: VmoObject, vmoOffset: number, perms: number, maxPerms: number): number {
    this.checkAlive();
    if (sizeU === 0n || sizeU === 0) fail(ZxStatus.INVALID_ARGS, 'length 0');
    if (hasAny(perms, ~canMapToPerms(this.flags))) fail(ZxStatus.ACCESS_DENIED, 'permissions beyond the VMAR');
    const addr = this.locate(options, offset, sizeU, alignLog2);
    const size = Number(sizeU);
    const end = addr + size;
    if (hasAny(options, VmOptions.SPECIFIC_OVERWRITE)) {
      const hit = this.children.overlapping(addr, end);
      for (const c of hit) if (c instanceof VmarObject) fail(ZxStatus.INVALID_ARGS, 'overwrite would cover a sub-VMAR');
      for (const c of hit) this.#cut(c as Mapping, addr, end);
    }
    const mp = maxPerms & canMapToPerms(this.flags);
    const allowFaults = hasAny(options, VmOptions.ALLOW_FAULTS);
    // Merged with its neighbours as Zircon does (see mergeAround). The range is free now, so only the mapping
    // ending at addr and the one starting at end can continue it; one that does grows in place (the tree only
    // learns of its new end) instead of a new mapping being inserted and merged away again.
    const left = addr > this.base ? this.children.at(addr - 1) : undefined;
    const grow = left instanceof Mapping && continues(left.end, left.vmo, left.vmoOffset + left.size, left.perms, left.maxPerms, left.allowFaults, addr, vmo, vmoOffset, perms, mp, allowFaults);
    const m = grow ? left : new Mapping(this, addr, size, vmo, vmoOffset, perms, mp, allowFaults);
    if (!grow) this.addChild(m);
    const right = end < this.end ? this.children.at(end) : undefined;
    let last = end;
    if (right instanceof Mapping && continues(end, vmo, vmoOffset + size, perms, mp, allowFaults, right.base, right.vmo, right.vmoOffset, right.perms, right.maxPerms, right.allowFaults)) {
      this.removeChild(right);
      right.release();
      last = right.end;
    }
    if (grow || last !== end) this.#resize(m, last);
    return addr;
  }

  /** Moves the end of mapping m (its base stays), telling the index. */
  #resize(m: Mapping, end: number): void {
    m.size = end - m.base;
    this.children.setEnd(m.base, end);
  }

  /**
   * Current Zircon merges neighbouring mappings of the same VMO at contiguous offsets with the same permissions,
   * limits and options (after map and after protect), so maps info shows one mapping (protect.cc MergeMappings).
   * Merges every such run touching [a, b) and returns the mapping now covering `a`, if any.
   */
  mergeAround(a: number, b: number): Mapping | undefined {
    const lo = Math.max(this.base, a - 1);
    const hi = Math.min(this.end, b + 1);
    let run: Mapping | undefined;
    // The first mapping of a run takes in the ones that continue it and learns its new end once, when the run ends.
    let runEnd = 0;
    let at: Mapping | undefined;
    // The children overlapping [lo, hi), one lookup after the other (each next to the last, so the tree's finger
    // answers it without a descent) rather than a list of them: a merged child is gone before the next lookup, and
    // the run's own end moves only when the run ends, so each lookup finds the child after the last one seen.
    let next: number;
    for (let c = lo < hi ? this.children.endingAbove(lo) : undefined; c !== undefined && c.base < hi; c = this.children.endingAbove(next)) {
      next = c.base + c.size;
      if (!(c instanceof Mapping)) {
        if (run !== undefined && runEnd !== run.end) this.#resize(run, runEnd);
        run = undefined;
        continue;
      }
      if (run !== undefined && continues(runEnd, run.vmo, run.vmoOffset + (runEnd - run.base), run.perms, run.maxPerms, run.allowFaults, c.base, c.vmo, c.vmoOffset, c.perms, c.maxPerms, c.allowFaults)) {
        // run holds the same VMO, so releasing c never lets go of it.
        this.removeChild(c);
        c.release();
        runEnd = c.end;
      } else {
        if (run !== undefined && runEnd !== run.end) this.#resize(run, runEnd);
        run = c;
        runEnd = c.end;
      }
      if (run.base <= a && a < runEnd) at = run;
    }
    if (run !== undefined && runEnd !== run.end) this.#resize(run, runEnd);
    return at;
  }

  /**
   * Removes [a, b) from mapping m, keeping the parts outside: m itself stays as the part below a (only its end
   * changes in the index), a part above b is a new mapping.
   */
  #cut(m: Mapping, a: number, b: number): void {
    const end = m.end;
    if (a > m.base) {
      this.#resize(m, a);
      if (b < end) this.addChild(m.slice(b, end - b));
      return;
    }
    this.removeChild(m);
    if (b < end) this.addChild(m.slice(b, end - b));
    m.release();
  }

  // ---- unmap / protect / destroy --------------------------------------------------------------------------------

  unmap(a: number, b: number, opChildren: boolean): void {
    this.checkAlive();
    if (a < this.base || b > this.end) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
    const hit = this.children.overlapping(a, b);
    for (const c of hit) {
      if (c instanceof VmarObject) {
        if (c.base < a || c.end > b) fail(ZxStatus.INVALID_ARGS, 'range partly covers a sub-VMAR');
        if (!opChildren) fail(ZxStatus.INVALID_ARGS, 'unmapping a sub-VMAR needs OP_CHILDREN');
      }
    }
    for (const c of hit) {
      if (c instanceof VmarObject) {
        this.removeChild(c);
        c.teardown();
      } else this.#cut(c, a, b);
    }
  }

  /** Collects the mappings covering [a, b) (recursing into sub-VMARs); NOT_FOUND on any gap. */
  cover(a: number, b: number, out: Mapping[], gap: ZxStatus): void {
    // An explicit stack, not recursion: sub-VMARs nest as deep as callers make them.
    const stack: { items: Child[]; i: number; pos: number; a: number; b: number }[] = [{ items: this.children.overlapping(a, b), i: 0, pos: a, a, b }];
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const c = f.items[f.i++];
      if (c === undefined) {
        if (f.pos < f.b) fail(gap, 'gap in range');
        stack.pop();
        continue;
      }
      if (c.base > f.pos) fail(gap, 'gap in range');
      f.pos = c.base + c.size;
      if (c instanceof VmarObject) {
        const ca = Math.max(f.a, c.base);
        const cb = Math.min(f.b, c.end);
        stack.push({ items: c.children.overlapping(ca, cb), i: 0, pos: ca, a: ca, b: cb });
      } else out.push(c);
    }
  }

  protect(perms: number, a: number, b: number, opChildren: boolean): void {
    this.checkAlive();
    if (a < this.base || b > this.end) fail(ZxStatus.INVALID_ARGS, 'range outside the VMAR');
    const list: Mapping[] = [];
    // Usually one mapping of this VMAR covers the whole range: cover() would find just it.
    const only = this.children.at(a);
    if (only instanceof Mapping && only.end >= b) list.push(only);
    else this.cover(a, b, list, ZxStatus.NOT_FOUND);
    for (const m of list) {
      // Nested: the mapping lives in a sub-region of this one.
      const nested = m.parent !== this;
      if (nested && !opChildren) fail(ZxStatus.INVALID_ARGS, 'mapping in a sub-VMAR needs OP_CHILDREN');
      if (hasAny(perms, ~m.maxPerms)) fail(ZxStatus.ACCESS_DENIED, 'beyond the mapping maximum');
      if (nested && hasAny(perms, ~m.perms)) fail(ZxStatus.ACCESS_DENIED, 'sub-VMAR mappings may only lose permissions');
    }
    // Every check passed: now change, splitting at the range ends.
    for (const m of list) {
      if (m.perms === perms) continue;
      // Only VmarObject creates mappings, so a mapping's parent is one (mapping.ts sees it through MappingParent).
      const owner = m.parent as VmarObject;
      if (m.base >= a && m.end <= b) {
        m.perms = perms;
        continue;
      }
      const s = Math.max(a, m.base);
      const e = Math.min(b, m.end);
      const end = m.end;
      const mid = m.slice(s, e - s);
      mid.perms = perms;
      const hi = e < end ? m.slice(e, end - e) : null;
      if (s > m.base) {
        // m stays as the part below the range.
        owner.#resize(m, s);
      } else {
        owner.removeChild(m);
        m.release();
      }
      owner.addChild(mid);
      if (hi !== null) owner.addChild(hi);
    }
    // Usually every mapping is this VMAR's own: no set of owners to build.
    let own = false;
    let nestedOwners: Set<VmarObject> | null = null;
    for (const m of list) {
      if (m.parent === this) own = true;
      else (nestedOwners ??= new Set()).add(m.parent as VmarObject);
    }
    if (own) this.mergeAround(a, b);
    if (nestedOwners !== null) for (const owner of nestedOwners) owner.mergeAround(a, b);
  }

  /** Destroys this region and everything under it (not removing it from its parent). */
  teardown(): void {
    this.#walk(
      () => undefined,
      (m) => m.release(),
      0,
      (v) => {
        v.children = new RangeTree();
        v.dead = true;
        v.priority = MemoryPriority.DEFAULT;
      },
    );
  }

  /**
   * Visits this region and everything under it depth first in address order, as recursion would (`leave` after a
   * region's children), but with an explicit stack: sub-VMARs nest as deep as callers make them.
   */
  #walk(enter: (v: VmarObject, depth: number) => void, mapping: (m: Mapping, depth: number) => void, depth: number, leave?: (v: VmarObject) => void): void {
    const stack: { v: VmarObject; depth: number; items: Child[]; i: number }[] = [];
    const push = (v: VmarObject, d: number): void => {
      const items = v.children.values();
      enter(v, d);
      stack.push({ v, depth: d, items, i: 0 });
    };
    push(this, depth);
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const c = f.items[f.i++];
      if (c === undefined) {
        stack.pop();
        leave?.(f.v);
      } else if (c instanceof VmarObject) push(c, f.depth + 1);
      else mapping(c, f.depth + 1);
    }
  }

  destroy(): void {
    if (this.parent === null) fail(ZxStatus.NOT_SUPPORTED, 'the root VMAR cannot be destroyed');
    this.checkAlive();
    this.parent.removeChild(this);
    this.teardown();
  }

  // ---- op_range -------------------------------------------------------------------------------------------------

  rangeList(a: number, b: number): Mapping[] {
    const list: Mapping[] = [];
    this.cover(a, b, list, ZxStatus.BAD_STATE);
    return list;
  }

  // ---- priority -------------------------------------------------------------------------------------------------

  setPriority(p: MemoryPriority): void {
    this.#walk(
      (v) => (v.priority = p),
      (c) => {
        c.setHigh(p === MemoryPriority.HIGH);
        // HIGH makes a best effort to populate: bring compressed pages back.
        if (p === MemoryPriority.HIGH) for (let n: CowNode | null = c.vmo.node; n !== null; n = n.parent) n.populateAll();
      },
      0,
    );
  }

  // ---- info -----------------------------------------------------------------------------------------------------

  mapsRecords(depth: number, out: VmarMapsRecord[]): void {
    this.#walk(
      (v, d) => out.push({ name: v.name, base: v.base, size: v.size, depth: d, type: MapsType.VMAR }),
      (c, d) => {
        const vmo = c.vmo;
        const from = (vmo.coreOffset + c.vmoOffset) / PAGE_SIZE;
        const to = from + Math.max(0, Math.min(c.size, vmo.size - c.vmoOffset)) / PAGE_SIZE;
        const use = to > from ? vmo.node.attributed(from, Math.ceil(to)) : { committed: 0, populated: 0 };
        out.push({
          name: vmo.name,
          base: c.base,
          size: c.size,
          depth: d,
          type: MapsType.MAPPING,
          mapping: {
            mmuFlags: c.perms,
            vmoKoid: vmo.koid,
            vmoOffset: c.vmoOffset,
            committedBytes: use.committed * PAGE_SIZE,
            populatedBytes: use.populated * PAGE_SIZE,
          },
        });
      },
      depth,
    );
  }

  /** The mapping containing `addr`, looking into sub-VMARs. */
  resolve(addr: number): Mapping | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts here and descends
    let v: VmarObject = this;
    for (;;) {
      const c = v.children.at(addr);
      if (c === undefined) return undefined;
      if (c instanceof VmarObject) v = c;
      else return c;
    }
  }
}
