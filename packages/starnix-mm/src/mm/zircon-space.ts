import {
  Process,
  Vmo,
  VmOptions,
  VmoChildOptions,
  VmoOp,
  type Kernel,
  type Vmar,
} from '@memsim/zircon-objects';
import { VM } from '../abi/constants.js';
import type { Vma } from '../vma/vma.js';

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
  /** Private anonymous memory of the whole address space, offset = address. */
  anonVmo: Vmo;

  constructor(
    readonly kernel: Kernel,
    name: string,
    layout: AddressSpaceLayout,
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
    this.anonVmo = Vmo.create(kernel, this.end).replaceAsExecutable();
    this.anonVmo.setName('starnix:private-anon');
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
    if (b.kind === 'anon') return { vmo: space.anonVmo, offset: addr };
    const filePage = v.pgoff + Math.floor((addr - v.start) / 4096);
    if (b.kind === 'shmem') return { vmo: b.obj.vmo, offset: filePage * 4096 + (addr % 4096) };
    if (b.cow && b.cow.copied.has(filePage)) return { vmo: b.cow.vmo, offset: filePage * 4096 + (addr % 4096) };
    return { vmo: b.file.vmo, offset: filePage * 4096 + (addr % 4096) };
  }

  /** The object a VMA's Zircon mapping uses (a private file mapping maps its copy-on-write child). */
  static mapTarget(space: ZirconSpace, v: Vma, addr: number): { vmo: Vmo; offset: number } {
    const b = v.backing;
    if (b.kind === 'file' && b.cow) return { vmo: b.cow.vmo, offset: (v.pgoff + (addr - v.start) / 4096) * 4096 };
    return ZirconSpace.target(space, v, addr);
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
    const t = ZirconSpace.mapTarget(this, v, start);
    const opts = VmOptions.SPECIFIC_OVERWRITE | ZirconSpace.perms(v.flags) | VmOptions.ALLOW_FAULTS;
    this.vmar.map(opts, start - this.base, t.vmo, t.offset, end - start);
  }

  unmap(start: number, end: number): void {
    // munmap may name addresses below the VMAR (Linux accepts any range under TASK_SIZE); nothing is mapped there,
    // and Zircon refuses a range that leaves its VMAR, so only the part inside is passed on.
    const s = Math.max(start, this.base);
    const e = Math.min(end, this.end);
    if (e > s) this.vmar.unmap(s, e - s);
  }

  protect(v: Vma, start: number, end: number): void {
    if (end > start) this.vmar.protect(ZirconSpace.perms(v.flags), start, end - start);
  }

  /** Frees private anonymous pages (they read back as zero afterwards). */
  zeroAnon(start: number, end: number): void {
    if (end > start) this.anonVmo.opRange(VmoOp.ZERO, start, end - start);
  }

  /** A snapshot of the private anonymous VMO for a fork child. */
  snapshotAnon(): Vmo {
    return this.anonVmo.createChild(VmoChildOptions.SNAPSHOT, 0, this.anonVmo.getSize()).replaceAsExecutable();
  }

  destroy(): void {
    try {
      this.vmar.destroy();
    } catch {
      // Already destroyed with its process.
    }
    this.anonVmo.close();
    this.vmar.close();
    this.rootVmar.close();
    this.process.close();
  }
}
