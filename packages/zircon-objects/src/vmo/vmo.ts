import { type U64, hasAll, hasAny, pageAlignedU64, roundUpPageU64, small, smallPair, str, truncateName, u32, u64 } from '../args.js';
import { PAGE_SIZE, Rights, VmoChildOptions, VmoOp, VmoOptions } from '../constants.js';
import { Handle } from '../handles/handle.js';
import { Kernel } from '../kernel/kernel.js';
import { Sys, countCall } from '../kernel/syscalls.js';
import { ZxStatus, fail } from '../status.js';
import { VmoObject } from './vmo-object.js';

/**
 * `ZX_INFO_VMO`, camel-cased.
 * @public
 */
export interface VmoInfo {
  koid: number;
  name: string;
  sizeBytes: number;
  parentKoid: number;
  numChildren: number;
  numMappings: number;
  shareCount: number;
  flags: number;
  /** Committed, uncompressed bytes attributed to this VMO. */
  committedBytes: number;
  /** Committed plus compressed bytes. */
  populatedBytes: number;
  handleRights: number;
  cachePolicy: number;
  metadataBytes: number;
  committedChangeEvents: number;
  committedPrivateBytes: number;
  populatedPrivateBytes: number;
  committedScaledBytes: number;
  populatedScaledBytes: number;
}

/**
 * What `ZX_VMO_OP_LOCK` / `TRY_LOCK` report (`zx_vmo_lock_state_t`).
 * @public
 */
export interface VmoLockState {
  offset: number;
  size: number;
  discardedOffset: number;
  discardedSize: number;
}

/**
 * A pinned range of a VMO (memsim extension; see {@link Vmo.pin}). Unpinning twice is BAD_STATE.
 * @public
 */
export interface VmoPin extends Disposable {
  readonly offset: number;
  readonly length: number;
  unpin(): void;
}

/**
 * Residency of one page (memsim extension, for mincore and userfaultfd modelling).
 * @public
 */
export type PageState = 'committed' | 'compressed' | 'absent';

const CREATE_OPTIONS = VmoOptions.RESIZABLE | VmoOptions.DISCARDABLE | VmoOptions.UNBOUNDED;
const CHILD_OPTIONS =
  VmoChildOptions.SNAPSHOT |
  VmoChildOptions.RESIZABLE |
  VmoChildOptions.SLICE |
  VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE |
  VmoChildOptions.NO_WRITE |
  VmoChildOptions.REFERENCE |
  VmoChildOptions.SNAPSHOT_MODIFIED;
const SNAPSHOT_TYPES =
  VmoChildOptions.SNAPSHOT | VmoChildOptions.SNAPSHOT_AT_LEAST_ON_WRITE | VmoChildOptions.SNAPSHOT_MODIFIED;
/** Largest VMO the model holds (Zircon's limit is near 2^64; ours is the largest page multiple below 2^53). */
const MAX_VMO_SIZE = Math.floor(Number.MAX_SAFE_INTEGER / PAGE_SIZE) * PAGE_SIZE;
const MAX_VMO_SIZE_U = BigInt(MAX_VMO_SIZE);
/**
 * Zircon's own limit (VmPageList::MAX_SIZE: UINT64_MAX rounded down to 32 pages). A child size above it is
 * OUT_OF_RANGE before any per-type check (vmo-slice.cc NonSlice).
 */
const ZX_MAX_VMO_SIZE = (1n << 64n) - (1n << 17n);

/**
 * A handle to a virtual memory object.
 * @public
 */
export class Vmo extends Handle {
  /** The kernel the object belongs to (narrowed from {@link KernelContext}: a kernel's objects are its own). */
  declare readonly kernel: Kernel;

  /** `zx_vmo_create`. */
  static create(kernel: Kernel, size: U64, options = 0): Vmo {
    if (!(kernel instanceof Kernel)) fail(ZxStatus.INVALID_ARGS, 'kernel must be a Kernel');
    countCall(kernel, Sys.zx_vmo_create);
    const opts = u32(options, 'options');
    const sz = u64(size, 'size');
    if ((opts & ~CREATE_OPTIONS) !== 0) fail(ZxStatus.INVALID_ARGS, 'unknown VMO options');
    const resizable = hasAny(opts, VmoOptions.RESIZABLE);
    const unbounded = hasAny(opts, VmoOptions.UNBOUNDED);
    if (resizable && unbounded) fail(ZxStatus.INVALID_ARGS, 'RESIZABLE and UNBOUNDED exclude each other');
    const rounded = roundUpPageU64(sz);
    if (rounded === null || rounded > MAX_VMO_SIZE_U) fail(ZxStatus.OUT_OF_RANGE, 'size too large');
    const obj = VmoObject.createRoot(kernel, unbounded ? MAX_VMO_SIZE : small(rounded), small(sz), {
      resizable,
      discardable: hasAny(opts, VmoOptions.DISCARDABLE),
      unbounded,
    });
    return new Vmo(obj, resizable ? Rights.DEFAULT_VMO | Rights.RESIZE : Rights.DEFAULT_VMO);
  }

  /** @internal */
  protected _wrap(object: object, rights: number): this {
    return new Vmo(object, rights) as this;
  }

  /** `zx_vmo_read` into a new buffer. Needs READ. */
  read(length: U64, offset: U64): Uint8Array {
    countCall(this.kernel, Sys.zx_vmo_read);
    const o = vmoObjectOf(this, Rights.READ);
    const lenU = u64(length, 'length');
    const offU = u64(offset, 'offset');
    checkRange(o, offU, lenU);
    const len = small(lenU);
    const off = small(offU);
    // A valid range can still be larger than a JS buffer may be; say so rather than leak the engine's RangeError.
    let out: Uint8Array;
    try {
      out = new Uint8Array(len);
    } catch {
      throw new RangeError(`read: length ${len} is larger than a Uint8Array can hold; use readInto in pieces`);
    }
    o.read(out, off);
    return out;
  }

  /** `zx_vmo_read` into `buf`. Needs READ. */
  readInto(buf: Uint8Array, offset: U64): void {
    countCall(this.kernel, Sys.zx_vmo_read);
    const o = vmoObjectOf(this, Rights.READ);
    if (!(buf instanceof Uint8Array)) fail(ZxStatus.INVALID_ARGS, 'buffer must be a Uint8Array');
    if (isSmallOffset(offset)) {
      if (offset + buf.length > o.size) fail(ZxStatus.OUT_OF_RANGE, 'range past the end of the VMO');
      o.read(buf, offset);
      return;
    }
    const off = u64(offset, 'offset');
    checkRange(o, off, BigInt(buf.length));
    o.read(buf, small(off));
  }

  /** `zx_vmo_write`. Needs WRITE. */
  write(data: Uint8Array, offset: U64): void {
    countCall(this.kernel, Sys.zx_vmo_write);
    const o = vmoObjectOf(this, Rights.WRITE);
    if (!(data instanceof Uint8Array)) fail(ZxStatus.INVALID_ARGS, 'data must be a Uint8Array');
    if (isSmallOffset(offset)) {
      if (offset + data.length > o.size) fail(ZxStatus.OUT_OF_RANGE, 'range past the end of the VMO');
      o.write(data, offset);
      return;
    }
    const off = u64(offset, 'offset');
    checkRange(o, off, BigInt(data.length));
    o.write(data, small(off));
  }

  /** `zx_vmo_get_size` (no right needed). */
  getSize(): number {
    countCall(this.kernel, Sys.zx_vmo_get_size);
    return vmoObjectOf(this).size;
  }

  /** `zx_vmo_set_size`: WRITE, then resizable (UNAVAILABLE), then RESIZE (ACCESS_DENIED). */
  setSize(size: U64): void {
    countCall(this.kernel, Sys.zx_vmo_set_size);
    const o = vmoObjectOf(this, Rights.WRITE);
    const szU = u64(size, 'size');
    if (!o.resizable) fail(ZxStatus.UNAVAILABLE, 'VMO is not resizable');
    if (!hasAll(this.rights, Rights.RESIZE)) fail(ZxStatus.ACCESS_DENIED, 'set_size needs RESIZE');
    const roundedU = roundUpPageU64(szU);
    if (roundedU === null || roundedU > MAX_VMO_SIZE_U) fail(ZxStatus.OUT_OF_RANGE, 'size too large');
    const rounded = small(roundedU);
    const sz = small(szU);
    if (rounded < o.size && o.pinnedIn(rounded, o.size)) fail(ZxStatus.BAD_STATE, 'pinned pages in the truncated range');
    if (rounded < o.size) o.resize(rounded);
    else if (rounded > o.size) o.resize(rounded);
    // Bytes between the new size and the page boundary read as zeros.
    if (sz < rounded) o.zero(sz, rounded);
    o.cell.contentSize = sz;
  }

  /** `ZX_PROP_VMO_CONTENT_SIZE` (needs GET_PROPERTY). */
  getContentSize(): number {
    countCall(this.kernel, Sys.zx_object_get_property);
    return vmoObjectOf(this, Rights.GET_PROPERTY).cell.contentSize;
  }

  /** Sets `ZX_PROP_VMO_CONTENT_SIZE` (needs WRITE and SET_PROPERTY); shrinking below the size zeroes the tail. */
  setContentSize(size: U64): void {
    countCall(this.kernel, Sys.zx_object_set_property);
    const o = vmoObjectOf(this, Rights.WRITE | Rights.SET_PROPERTY);
    const szU = u64(size, 'content size');
    // The model keeps content sizes as numbers; past 2^53 it can hold no VMO of that size either.
    if (szU > BigInt(Number.MAX_SAFE_INTEGER)) fail(ZxStatus.OUT_OF_RANGE, 'content size too large');
    const sz = small(szU);
    if (sz < o.size) o.zero(sz, o.size);
    o.cell.contentSize = sz;
  }

  /** `ZX_PROP_NAME` (needs GET_PROPERTY). */
  getName(): string {
    countCall(this.kernel, Sys.zx_object_get_property);
    return vmoObjectOf(this, Rights.GET_PROPERTY).name;
  }

  /** Sets `ZX_PROP_NAME` (needs SET_PROPERTY); truncated to 31 bytes. */
  setName(name: string): void {
    countCall(this.kernel, Sys.zx_object_set_property);
    const o = vmoObjectOf(this, Rights.SET_PROPERTY);
    o.name = truncateName(str(name, 'name'));
  }

  /** `zx_vmo_create_child`, with the kernel's check order and child-rights formula. */
  createChild(options: number, offset: U64, size: U64): Vmo {
    countCall(this.kernel, Sys.zx_vmo_create_child);
    const parent = vmoObjectOf(this);
    const opts = u32(options, 'options');
    const off = u64(offset, 'offset');
    const sz = u64(size, 'size');
    const rounded = roundUpPageU64(sz);
    if (rounded === null || rounded > ZX_MAX_VMO_SIZE) fail(ZxStatus.OUT_OF_RANGE, 'size too large');
    const noWrite = hasAny(opts, VmoChildOptions.NO_WRITE);
    const resizable = hasAny(opts, VmoChildOptions.RESIZABLE);
    if (noWrite && resizable) fail(ZxStatus.INVALID_ARGS, 'NO_WRITE and RESIZABLE exclude each other');
    if (!hasAll(this.rights, Rights.DUPLICATE | Rights.READ)) fail(ZxStatus.ACCESS_DENIED, 'needs DUPLICATE and READ');
    if (parent.discardable) fail(ZxStatus.NOT_SUPPORTED, 'discardable VMOs have no children');
    // Unknown bits are caught by the object's CreateChild, after the syscall's own checks.
    if ((opts & ~CHILD_OPTIONS) !== 0) fail(ZxStatus.INVALID_ARGS, 'unknown child options');
    const kernel = parent.kernel;
    let child: VmoObject;
    let snapshot = false;
    if (hasAny(opts, VmoChildOptions.SLICE)) {
      if ((opts & ~(VmoChildOptions.SLICE | VmoChildOptions.NO_WRITE)) !== 0)
        fail(ZxStatus.INVALID_ARGS, 'SLICE takes only NO_WRITE');
      if (!pageAlignedU64(off)) fail(ZxStatus.INVALID_ARGS, 'slice offset must be page-aligned');
      // Exact: an offset + size past 2^64 is simply not inside the parent (vmo-slice.cc NonSlice).
      if (off + rounded > BigInt(parent.size)) fail(ZxStatus.INVALID_ARGS, 'slice range past the parent');
      if (parent.resizable) fail(ZxStatus.NOT_SUPPORTED, 'slices of resizable VMOs are not supported');
      child = new VmoObject(kernel, {
        node: parent.node,
        coreOffset: parent.coreOffset + small(off),
        cell: { size: small(rounded), contentSize: small(sz) },
        kind: 'slice',
        resizable: false,
        parent,
      });
    } else if (hasAny(opts, VmoChildOptions.REFERENCE)) {
      if ((opts & ~(VmoChildOptions.REFERENCE | VmoChildOptions.NO_WRITE | VmoChildOptions.RESIZABLE)) !== 0)
        fail(ZxStatus.INVALID_ARGS, 'REFERENCE takes only NO_WRITE and RESIZABLE');
      if (off !== 0n || sz !== 0n) fail(ZxStatus.INVALID_ARGS, 'REFERENCE needs offset 0 and size 0');
      if (resizable && !parent.resizable) fail(ZxStatus.NOT_SUPPORTED, 'parent is not resizable');
      child = new VmoObject(kernel, {
        node: parent.node,
        coreOffset: parent.coreOffset,
        cell: parent.cell,
        kind: 'reference',
        resizable: parent.resizable,
        parent,
      });
    } else {
      const types = opts & SNAPSHOT_TYPES;
      if (types === 0 || (types & (types - 1)) !== 0) fail(ZxStatus.INVALID_ARGS, 'exactly one child type is needed');
      if (!pageAlignedU64(off)) fail(ZxStatus.INVALID_ARGS, 'snapshot offset must be page-aligned');
      if (off + rounded > MAX_VMO_SIZE_U) fail(ZxStatus.OUT_OF_RANGE, 'offset + size overflows');
      if (hasAny(types, VmoChildOptions.SNAPSHOT) && parent.pinCount > 0)
        fail(ZxStatus.BAD_STATE, 'SNAPSHOT of a pinned VMO');
      // AT_LEAST_ON_WRITE and MODIFIED are allowed to behave as a full snapshot for anonymous memory, and
      // Zircon does exactly that (its core tests run the same expectations for both).
      const offN = small(off);
      const offPages = (parent.coreOffset + offN) / PAGE_SIZE;
      const limit = Math.max(0, Math.ceil((parent.size - offN) / PAGE_SIZE));
      const node = parent.node.snapshot(offPages, limit, small(rounded) / PAGE_SIZE);
      child = new VmoObject(kernel, {
        node,
        coreOffset: 0,
        cell: { size: small(rounded), contentSize: small(sz) },
        kind: 'snapshot',
        resizable,
        immutable: noWrite && hasAny(types, VmoChildOptions.SNAPSHOT),
        parent,
      });
      snapshot = true;
    }
    // The syscall layer gives every kind of child its parent's name (vmo-clone2.cc NameProperty).
    child.name = parent.name;
    let rights = ((this.rights & ~Rights.RESIZE) | Rights.GET_PROPERTY | Rights.SET_PROPERTY) >>> 0;
    if (resizable) rights |= Rights.RESIZE;
    if (noWrite) rights &= ~Rights.WRITE;
    else if (snapshot) rights = (rights | Rights.WRITE) & ~Rights.EXECUTE;
    return new Vmo(child, rights >>> 0);
  }

  /** `zx_vmo_op_range`. LOCK and TRY_LOCK return the lock state. */
  opRange(op: number, offset: U64, size: U64): VmoLockState | undefined {
    countCall(this.kernel, Sys.zx_vmo_op_range);
    const o = vmoObjectOf(this);
    const code = u32(op, 'op');
    if (code === VmoOp.ZERO && smallPair(offset, size)) {
      // The common case (starnix-mm frees pages this way on every unmap) without bigints: same checks, same order.
      needRights(this.rights, Rights.WRITE);
      if (offset + (size as number) > o.size) fail(ZxStatus.OUT_OF_RANGE, 'range past the end of the VMO');
      o.zero(offset, offset + (size as number));
      return undefined;
    }
    const offU = u64(offset, 'offset');
    const lenU = u64(size, 'size');
    // Used only after a range check has bounded them below the VMO size.
    const off = Number(offU);
    const len = Number(lenU);
    switch (code) {
      case VmoOp.COMMIT:
        needRights(this.rights, Rights.WRITE);
        checkRange(o, offU, lenU);
        o.commit(off, off + len);
        return undefined;
      case VmoOp.DECOMMIT:
        needRights(this.rights, Rights.WRITE);
        // Not while the pages sit in a copy-on-write hierarchy (a child, or a parent whose pages moved into a hidden
        // node shared with its children): vmo-clone.cc Decommit. It works again once the children are gone.
        if (o.kind === 'snapshot' || o.node.parent !== null) fail(ZxStatus.NOT_SUPPORTED, 'DECOMMIT in a copy-on-write hierarchy');
        checkRange(o, offU, lenU);
        if (!pageAlignedU64(offU) || !pageAlignedU64(lenU)) fail(ZxStatus.INVALID_ARGS, 'DECOMMIT range must be page-aligned');
        if (o.pinnedIn(off, off + len)) fail(ZxStatus.BAD_STATE, 'DECOMMIT of pinned pages');
        o.zero(off, off + len);
        return undefined;
      case VmoOp.ZERO:
        needRights(this.rights, Rights.WRITE);
        checkRange(o, offU, lenU);
        o.zero(off, off + len);
        return undefined;
      case VmoOp.LOCK:
      case VmoOp.TRY_LOCK:
      case VmoOp.UNLOCK: {
        if (!hasAny(this.rights, Rights.READ | Rights.WRITE)) fail(ZxStatus.ACCESS_DENIED, 'lock needs READ or WRITE');
        if (!o.discardable) fail(ZxStatus.NOT_SUPPORTED, 'only discardable VMOs lock');
        if (offU !== 0n || lenU !== BigInt(o.size)) fail(ZxStatus.OUT_OF_RANGE, 'lock covers the whole VMO');
        if (code === VmoOp.UNLOCK) {
          if (o.lockCount === 0) fail(ZxStatus.BAD_STATE, 'not locked');
          o.lockCount--;
          if (o.lockCount === 0) o.discardedSinceLock = false;
          return undefined;
        }
        if (code === VmoOp.TRY_LOCK && o.lockCount === 0 && o.discardedSinceLock)
          fail(ZxStatus.UNAVAILABLE, 'VMO was discarded');
        const discarded = o.lockCount === 0 && o.discardedSinceLock;
        o.lockCount++;
        o.discardedSinceLock = false;
        return { offset: 0, size: o.size, discardedOffset: 0, discardedSize: discarded ? o.size : 0 };
      }
      case VmoOp.DONT_NEED:
      case VmoOp.ALWAYS_NEED:
        checkRange(o, offU, lenU);
        return undefined;
      case VmoOp.PREFETCH:
        needRights(this.rights, Rights.READ);
        checkRange(o, offU, lenU);
        o.prefetch(off, off + len);
        return undefined;
      case VmoOp.CACHE_SYNC:
      case VmoOp.CACHE_INVALIDATE:
      case VmoOp.CACHE_CLEAN:
      case VmoOp.CACHE_CLEAN_INVALIDATE:
        needRights(this.rights, code === VmoOp.CACHE_INVALIDATE ? Rights.WRITE : Rights.READ);
        // A cache op over nothing is a bad argument (vmo.cc CacheOp), unlike the other ops.
        if (lenU === 0n) fail(ZxStatus.INVALID_ARGS, 'cache op of length 0');
        checkRange(o, offU, lenU);
        return undefined;
      default:
        fail(ZxStatus.INVALID_ARGS, 'unknown op');
    }
  }

  /** `ZX_INFO_VMO` (no right needed). */
  info(): VmoInfo {
    countCall(this.kernel, Sys.zx_object_get_info);
    const o = vmoObjectOf(this);
    const { committed, populated } = o.usage();
    return {
      koid: o.koid,
      name: o.name,
      sizeBytes: o.size,
      parentKoid: o.parent?.koid ?? 0,
      numChildren: o.liveChildren,
      numMappings: o.mappingCount,
      shareCount: o.shareCount(),
      flags: o.flags(),
      committedBytes: committed,
      populatedBytes: populated,
      handleRights: this.rights,
      cachePolicy: 0,
      // No page-list metadata until a page is used (vmo.cc MetadataBytes).
      metadataBytes: o.node.pages.size === 0 ? 0 : 64 + 8 * o.node.pages.size,
      committedChangeEvents: 0,
      committedPrivateBytes: committed,
      populatedPrivateBytes: populated,
      committedScaledBytes: committed,
      populatedScaledBytes: populated,
    };
  }

  /**
   * memsim extension: commits and pins a page-aligned range, as `zx_bti_pin` does to the VMO (needs MAP and READ,
   * plus WRITE when `writable`). While pinned, pages are never decommitted (BAD_STATE), truncated away (BAD_STATE),
   * reclaimed or discarded, and SNAPSHOT children are refused (BAD_STATE).
   */
  pin(offset: U64, length: U64, writable = false): VmoPin {
    countCall(this.kernel, Sys.zx_bti_pin);
    const o = vmoObjectOf(this, Rights.MAP | Rights.READ | (writable ? Rights.WRITE : 0));
    const offU = u64(offset, 'offset');
    const lenU = u64(length, 'length');
    if (lenU === 0n || !pageAlignedU64(offU) || !pageAlignedU64(lenU))
      fail(ZxStatus.INVALID_ARGS, 'pin range must be page-aligned and non-empty');
    checkRange(o, offU, lenU);
    const off = small(offU);
    const len = small(lenU);
    const range = o.pin(off, off + len);
    let pinned = true;
    const unpin = (): void => {
      countCall(o.kernel, Sys.zx_pmt_unpin);
      if (!pinned) fail(ZxStatus.BAD_STATE, 'already unpinned');
      pinned = false;
      o.unpin(range);
    };
    return {
      offset: off,
      length: len,
      unpin,
      [Symbol.dispose]: () => {
        if (pinned) unpin();
      },
    };
  }

  /** memsim extension: residency of the page holding `offset` (OUT_OF_RANGE past the size). */
  pageState(offset: U64): PageState {
    const o = vmoObjectOf(this);
    if (isSmallOffset(offset)) {
      if (offset >= o.size) fail(ZxStatus.OUT_OF_RANGE, 'offset past the end');
      return o.node.state(Math.floor((o.coreOffset + offset) / PAGE_SIZE));
    }
    const offU = u64(offset, 'offset');
    if (offU >= BigInt(o.size)) fail(ZxStatus.OUT_OF_RANGE, 'offset past the end');
    const off = small(offU);
    return o.node.state(Math.floor((o.coreOffset + off) / PAGE_SIZE));
  }

  /**
   * memsim extension: the offsets of the pages overlapping [offset, offset + length) that are committed or
   * compressed, ascending. It costs what the VMO (and the parents a clone reads through) holds there, not the size of
   * the range, so a sparse terabyte is as cheap as a page.
   */
  presentPages(offset: U64, length: U64): number[] {
    const o = vmoObjectOf(this);
    const offU = u64(offset, 'offset');
    const lenU = u64(length, 'length');
    if (offU + lenU > BigInt(o.size)) fail(ZxStatus.OUT_OF_RANGE, 'range past the end');
    const off = small(offU);
    const len = small(lenU);
    if (len === 0) return [];
    const first = Math.floor((o.coreOffset + off) / PAGE_SIZE);
    const last = Math.floor((o.coreOffset + off + len - 1) / PAGE_SIZE);
    return o.node.presentIn(first, last + 1).map((i) => i * PAGE_SIZE - o.coreOffset);
  }

  /**
   * memsim extension: the offset of the first page overlapping [offset, offset + length) that is absent (neither
   * committed nor compressed), or -1 when every one is present. No allocation; a page-map lookup per page, so a
   * caller can act on the absent pages of a range and then copy the range whole.
   */
  firstAbsentPage(offset: U64, length: U64): number {
    const o = vmoObjectOf(this);
    const offU = u64(offset, 'offset');
    const lenU = u64(length, 'length');
    if (offU + lenU > BigInt(o.size)) fail(ZxStatus.OUT_OF_RANGE, 'range past the end');
    const off = small(offU);
    const len = small(lenU);
    if (len === 0) return -1;
    const last = Math.floor((o.coreOffset + off + len - 1) / PAGE_SIZE);
    for (let i = Math.floor((o.coreOffset + off) / PAGE_SIZE); i <= last; i++) {
      if (o.node.state(i) === 'absent') return i * PAGE_SIZE - o.coreOffset;
    }
    return -1;
  }

  /** `zx_vmo_replace_as_executable`: a new handle with EXECUTE added; this one is invalidated. */
  replaceAsExecutable(): Vmo {
    countCall(this.kernel, Sys.zx_vmo_replace_as_executable);
    const rights = this.rights;
    return this._replaceWith((rights | Rights.EXECUTE) >>> 0);
  }
}

/** ACCESS_DENIED unless `rights` has every bit of `r` (an op's needed right). */
function needRights(rights: number, r: number): void {
  if (!hasAll(rights, r)) fail(ZxStatus.ACCESS_DENIED, 'missing right for op');
}

/**
 * An offset given as a non-negative safe-integer number: it needs no BigInt to check (the common case, and the
 * cheap one; anything else takes the u64 path with its errors).
 */
function isSmallOffset(offset: U64): offset is number {
  return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0;
}

/** `offset + length` inside the VMO, exactly: a sum past 2^64 (a wrap in C) is out of range too. */
function checkRange(o: VmoObject, off: bigint, len: bigint): void {
  if (off + len > BigInt(o.size)) fail(ZxStatus.OUT_OF_RANGE, 'range past the end of the VMO');
}

/** The VMO object behind a handle, requiring `rights` (BAD_HANDLE, then ACCESS_DENIED). */
export function vmoObjectOf(h: Vmo, rights = 0): VmoObject {
  return h._require(rights) as VmoObject;
}
