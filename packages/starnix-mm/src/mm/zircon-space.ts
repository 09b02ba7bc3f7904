import {
  Process,
  Vmo,
  VmOptions,
  VmoChildOptions,
  VmoOp,
  ZxError,
  type Kernel,
  type Vmar,
} from '@memsim/zircon-objects';
import { VM } from '../abi/constants.js';
import { errnoFromZx } from '../errno/zx-errno.js';

/** What withErrno(f, 'map') throws for an error `e` of a VMAR call. */
function mapErrno(e: unknown): unknown {
  return e instanceof ZxError ? errnoFromZx(e, 'map') : e;
}
import type { AnonObject, Vma } from '../vma/vma.js';
import type { AnonBackingDesign } from './anon-backing/design.js';

/** File offsets from here on are past any file the model holds (files end below 2^46): see mapTarget. */
export const PARKED_FROM = 2 ** 52;
/** Where parked pages map in their VMO: PARKED_BASE + address stays below zircon-objects' 2^53 limit. */
const PARKED_BASE = 2 ** 52;

/**
 * Where the user VMAR sits in the Zircon root VMAR: the whole user range, or its lower half.
 *
 * @public
 */
export type AddressSpaceLayout = 'full' | 'lower-half';

/**
 * The Zircon side of one Linux address space, as Starnix builds it: one process, one user VMAR, and one sparse
 * private-anonymous VMO whose offset equals the address (Starnix's newer design). Every Linux VMA is mapped
 * SPECIFIC_OVERWRITE onto its VMO, so the Zircon mappings always cover exactly the VMAs.
 */
export class ZirconSpace {
  readonly process: Process;
  readonly rootVmar: Vmar;
  readonly vmar: Vmar;
  readonly base: number;
  readonly end: number;
  /** 'single': private anonymous memory of the whole address space, offset = address. Null in 'per-mapping'. */
  anonVmo: Vmo | null;
  /** 'per-mapping': the VMOs of the private anonymous mappings (anon-backing/per-mapping.ts). */
  readonly anonObjects = new Set<AnonObject>();

  constructor(
    readonly kernel: Kernel,
    name: string,
    layout: AddressSpaceLayout,
    readonly design: AnonBackingDesign = 'single',
  ) {
    const { process, rootVmar } = Process.create(kernel.rootJob, name);
    this.process = process;
    this.rootVmar = rootVmar;
    const info = rootVmar.info();
    const len = layout === 'full' ? info.len : Math.floor(info.len / 2 / 4096) * 4096;
    const opts =
      VmOptions.SPECIFIC |
      VmOptions.CAN_MAP_SPECIFIC |
      VmOptions.CAN_MAP_READ |
      VmOptions.CAN_MAP_WRITE |
      VmOptions.CAN_MAP_EXECUTE;
    const { vmar, address } = rootVmar.allocate(opts, 0, len);
    this.vmar = vmar;
    this.base = address;
    this.end = address + len;
    // Linux may map any memory PROT_EXEC, so every VMO Starnix maps carries the EXECUTE right.
    if (design === 'single') {
      this.anonVmo = Vmo.create(kernel, this.end).replaceAsExecutable();
      this.anonVmo.setName('starnix:private-anon');
    } else this.anonVmo = null;
  }

  /** Zircon permissions for Linux flags: write implies read, and x86 exec implies read. */
  static perms(flags: number): number {
    let p = 0;
    if (flags & (VM.READ | VM.WRITE | VM.EXEC)) p |= VmOptions.PERM_READ;
    if (flags & VM.WRITE) p |= VmOptions.PERM_WRITE;
    if (flags & VM.EXEC) p |= VmOptions.PERM_EXECUTE;
    return p;
  }

  /** The VMO and offset that back `addr` inside `v`. */
  static target(space: ZirconSpace, v: Vma, addr: number): { vmo: Vmo; offset: number } {
    const b = v.backing;
    if (b.kind === 'anon') return b.obj ? { vmo: b.obj.vmo, offset: (v.pgoff - b.obj.pgBase) * 4096 + (addr - v.start) } : { vmo: space.anonVmo as Vmo, offset: addr };
    const filePage = v.pgoff + Math.floor((addr - v.start) / 4096);
    if (b.kind === 'shmem') return { vmo: b.obj.vmo, offset: filePage * 4096 + (addr % 4096) };
    if (b.cow && b.cow.copied.has(filePage)) return { vmo: b.cow.vmo, offset: filePage * 4096 + (addr % 4096) };
    return { vmo: b.file.vmo, offset: filePage * 4096 + (addr % 4096) };
  }

  /**
   * The committed (or compressed) pages of [start, end) of the private anonymous VMA `v`, by address, ascending: one
   * query of the single VMO, or of the VMA's own VMO (its offsets follow the addresses linearly). Either costs what
   * the VMO holds, not the size of the range.
   */
  static presentAnon(space: ZirconSpace, v: Vma, start: number, end: number): number[] {
    const single = space.anonVmo;
    if (single) return single.presentPages(start, end - start);
    const { vmo, offset } = ZirconSpace.target(space, v, start);
    // Past the end of a VMO a cut resized is nothing (per-mapping's `present` says the same).
    const len = Math.min(end - start, vmo.getSize() - offset);
    if (len <= 0) return [];
    return vmo.presentPages(offset, len).map((o) => start + (o - offset));
  }

  /**
   * The object a VMA's Zircon mapping uses (a private file mapping maps its copy-on-write child). File pages at
   * offsets of 2^52 and above (Linux maps up to 2^63) lie past the end of every file the model can hold, so they
   * only ever fault with SIGBUS; zircon-objects takes offsets below 2^53 only, so those pages map the same object
   * at PARKED_BASE + address instead: still past its end, and linear in the address, so splits and moves keep it.
   */
  static mapTarget(space: ZirconSpace, v: Vma, addr: number): { vmo: Vmo; offset: number } {
    const b = v.backing;
    if (b.kind === 'file') {
      const offset = (v.pgoff + (addr - v.start) / 4096) * 4096;
      const vmo = b.cow ? b.cow.vmo : b.file.vmo;
      return offset >= PARKED_FROM ? { vmo, offset: PARKED_BASE + addr } : { vmo, offset };
    }
    return ZirconSpace.target(space, v, addr);
  }

  /** The address in `v` where its file offsets reach PARKED_FROM (the Zircon mapping changes there), if inside. */
  private static parkedAt(v: Vma, start: number, end: number): number | undefined {
    if (v.backing.kind !== 'file') return undefined;
    const at = v.start + (PARKED_FROM / 4096 - v.pgoff) * 4096;
    return at > start && at < end ? at : undefined;
  }

  /**
   * Where a write to `addr` in `v` goes, breaking copy-on-write for private file pages: the file page is copied
   * into the mapping's child VMO first (the child is indexed by file offset, so every mapping of it agrees).
   */
  static writeTarget(space: ZirconSpace, v: Vma, addr: number): { vmo: Vmo; offset: number } {
    const b = v.backing;
    if (b.kind === 'file' && b.cow) {
      const page = v.pgoff + Math.floor((addr - v.start) / 4096);
      const off = page * 4096;
      if (!b.cow.copied.has(page)) {
        if (b.cow.vmo.getSize() < off + 4096) b.cow.vmo.setSize(off + 4096);
        const inFile = off + 4096 <= b.file.vmo.getSize();
        // The COW fault reads the file page first, so it enters the page cache (mincore sees it elsewhere).
        if (inFile && b.file.vmo.pageState(off) === 'absent') {
          b.file.vmo.opRange(VmoOp.COMMIT, off, 4096);
          b.file.cleanPages.add(off);
        }
        const src = inFile ? b.file.vmo.read(4096, off) : new Uint8Array(4096);
        b.cow.vmo.write(src, off);
        b.cow.copied.add(page);
      }
      return { vmo: b.cow.vmo, offset: off + (addr % 4096) };
    }
    return ZirconSpace.target(space, v, addr);
  }

  /** (Re)maps [start, end) of `v` with its current permissions. */
  map(v: Vma, start = v.start, end = v.end): void {
    if (end <= start) return;
    const split = ZirconSpace.parkedAt(v, start, end);
    if (split !== undefined) {
      this.map(v, start, split);
      this.map(v, split, end);
      return;
    }
    const t = ZirconSpace.mapTarget(this, v, start);
    const opts = VmOptions.SPECIFIC_OVERWRITE | ZirconSpace.perms(v.flags) | VmOptions.ALLOW_FAULTS;
    // withErrno's conversion, written out: no closure per call on the hot mapping paths.
    try {
      this.vmar.map(opts, start - this.base, t.vmo, t.offset, end - start);
    } catch (e) {
      throw mapErrno(e);
    }
  }

  /** Unmaps [start, end); Linux ranges may reach below or above the user VMAR, which holds no mapping there. */
  unmap(start: number, end: number): void {
    const s = Math.max(start, this.base);
    const e = Math.min(end, this.end);
    if (e <= s) return;
    try {
      this.vmar.unmap(s, e - s);
    } catch (err) {
      throw mapErrno(err);
    }
  }

  protect(v: Vma, start: number, end: number): void {
    if (end <= start) return;
    try {
      this.vmar.protect(ZirconSpace.perms(v.flags), start, end - start);
    } catch (e) {
      throw mapErrno(e);
    }
  }

  /** 'single': a snapshot of the private anonymous VMO for a fork child. */
  snapshotAnon(): Vmo {
    const vmo = this.anonVmo as Vmo;
    return vmo.createChild(VmoChildOptions.SNAPSHOT, 0, vmo.getSize()).replaceAsExecutable();
  }

  destroy(): void {
    try {
      this.vmar.destroy();
    } catch {
      // Already destroyed with its process.
    }
    this.anonVmo?.close();
    for (const o of this.anonObjects) o.vmo.close();
    this.anonObjects.clear();
    this.vmar.close();
    this.rootVmar.close();
    this.process.close();
  }
}
