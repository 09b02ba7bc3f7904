import { Vmo, VmoOptions, type Kernel } from '@memsim/zircon-objects';
import { ErrnoError } from '../errno/errno.js';

/**
 * An in-memory file (memfd-like) that supplies a resizable VMO: the object file-backed mappings map.
 *
 * @public
 */
export class MemFile {
  /** The file's VMO (resizable; its size is the file size rounded up to pages). */
  readonly vmo: Vmo;
  /** The path /proc/pid/maps prints (e.g. `/memfd:name (deleted)`). */
  readonly path: string;
  /** Inode number printed in maps. */
  readonly inode: number;
  /** Device major:minor printed in maps. */
  readonly device: readonly [number, number];
  private bytes: number;
  /** Private copies of this file's pages held by MAP_PRIVATE mappings; truncation drops those past EOF. */
  readonly privateCopies = new Set<Set<number>>();
  /** Byte offsets of cached pages that were only read (clean): MADV_PAGEOUT can drop them without swap. */
  readonly cleanPages = new Set<number>();

  constructor(kernel: Kernel, path: string, options: { size?: number; inode?: number; device?: readonly [number, number] } = {}) {
    this.path = path;
    this.inode = options.inode ?? 1;
    this.device = options.device ?? [0, 1];
    this.bytes = 0;
    this.vmo = Vmo.create(kernel, 0, VmoOptions.RESIZABLE).replaceAsExecutable();
    if (options.size) this.truncate(options.size);
  }

  /** The file size in bytes. */
  get size(): number {
    return this.bytes;
  }

  /** ftruncate: grow with zeros or shrink (bytes past the new size are gone; a later grow reads zeros). */
  truncate(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new ErrnoError('EINVAL', 'bad size');
    if (size > 2 ** 46) throw new ErrnoError('EFBIG');
    const old = this.bytes;
    const pages = Math.ceil(size / 4096) * 4096;
    if (size < old && size % 4096 !== 0 && pages <= this.vmo.getSize() && this.vmo.pageState(pages - 4096) !== 'absent') {
      // Zero the tail of the new last page (only if cached, as truncate does) so a later grow reads zeros there.
      this.vmo.write(new Uint8Array(pages - size), size);
    }
    this.vmo.setSize(pages);
    this.bytes = size;
    if (size < old) {
      const first = pages / 4096;
      for (const set of this.privateCopies) for (const p of set) if (p >= first) set.delete(p);
      for (const off of this.cleanPages) if (off >= pages) this.cleanPages.delete(off);
    }
  }

  /** pwrite: writes bytes at offset, growing the file. */
  pwrite(data: Uint8Array, offset: number): number {
    if (!(data instanceof Uint8Array)) throw new ErrnoError('EFAULT', 'data must be a Uint8Array');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new ErrnoError('EINVAL');
    const end = offset + data.length;
    if (end > this.bytes) this.truncate(end);
    this.vmo.write(data, offset);
    for (let p = offset - (offset % 4096); p < end; p += 4096) this.cleanPages.delete(p);
    return data.length;
  }

  /** pread: reads up to length bytes at offset (short at EOF). */
  pread(length: number, offset: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new ErrnoError('EINVAL');
    }
    const n = Math.max(0, Math.min(length, this.bytes - offset));
    return n === 0 ? new Uint8Array(0) : this.vmo.read(n, offset);
  }
}
