import { Advice, MapFlags } from '@memsim/starnix-mm';
import { PAGE, PRIVATE_ANON, RW, touchPages } from '../model/field.js';
import { since, type RowSpec } from './row.js';

const PAGES = 1024;
const MIB = 1 << 20;
const BULK_MIB = 64;
const FORK_MIB = 256;

/** First write to each page of a fresh private anonymous mapping (a demand-zero fault per page). */
export const firstTouch: RowSpec = {
  id: 'first_touch_fault',
  title: 'first-touch write fault',
  unit: 'page',
  perN: false,
  perMapping: true,
  native: { name: 'first_touch_fault', iterations: 8, pages: PAGES },
  memsim: ({ mm }) => {
    const p = mm.mmap(0, PAGES * PAGE, RW, PRIVATE_ANON);
    return {
      units: PAGES,
      sample: () => {
        const t0 = process.hrtime.bigint();
        touchPages(mm, p, PAGES);
        const ns = since(t0);
        mm.madvise(p, PAGES * PAGE, Advice.DONTNEED);
        return ns;
      },
      dispose: () => void mm.munmap(p, PAGES * PAGE),
    };
  },
};

/** MADV_DONTNEED over touched pages, per page. */
export const madviseDontneed: RowSpec = {
  id: 'madvise_dontneed',
  title: 'MADV_DONTNEED',
  unit: 'page',
  perN: false,
  perMapping: true,
  native: { name: 'madvise_dontneed', iterations: 8, pages: PAGES },
  memsim: ({ mm }) => {
    const p = mm.mmap(0, PAGES * PAGE, RW, PRIVATE_ANON);
    return {
      units: PAGES,
      sample: () => {
        touchPages(mm, p, PAGES);
        const t0 = process.hrtime.bigint();
        mm.madvise(p, PAGES * PAGE, Advice.DONTNEED);
        return since(t0);
      },
      dispose: () => void mm.munmap(p, PAGES * PAGE),
    };
  },
};

/** fork of a process with 256 MiB of touched private memory, then the child's exit. */
export const forkTouched: RowSpec = {
  id: 'fork_256mib_touched',
  title: 'fork with 256 MiB touched',
  unit: 'fork',
  perN: false,
  perMapping: true,
  native: { name: 'fork_touched', iterations: 2, mib: FORK_MIB },
  memsim: ({ mm }) => {
    const pages = (FORK_MIB * MIB) / PAGE;
    const p = mm.mmap(0, pages * PAGE, RW, PRIVATE_ANON);
    touchPages(mm, p, pages);
    return {
      units: 1,
      sample: () => {
        const t0 = process.hrtime.bigint();
        const child = mm.fork();
        child[Symbol.dispose]();
        return since(t0);
      },
      dispose: () => void mm.munmap(p, pages * PAGE),
    };
  },
};

function bulkArea(mm: Parameters<RowSpec['memsim']>[0]['mm']): number {
  const p = mm.mmap(0, BULK_MIB * MIB, RW, PRIVATE_ANON | MapFlags.POPULATE);
  return p;
}

/** Kernel-mode read of 64 MiB of populated user memory (copy_from_user; natively process_vm_readv). */
export const kernelRead: RowSpec = {
  id: 'kernel_read_64mib',
  title: 'bulk kernel-mode read of 64 MiB',
  unit: '64 MiB',
  perN: false,
  bytesPerUnit: BULK_MIB * MIB,
  native: { name: 'pvm_read', iterations: 2, mib: BULK_MIB },
  memsim: ({ mm }) => {
    const p = bulkArea(mm);
    // One output buffer for every sample, touched once, as the probe's process_vm_readv reuses its local buffer.
    const out = new Uint8Array(BULK_MIB * MIB).fill(1);
    return {
      units: 1,
      sample: () => {
        const t0 = process.hrtime.bigint();
        const n = mm.kernelReadInto(p, out);
        const ns = since(t0);
        if (n !== BULK_MIB * MIB) throw new Error(`short read ${n}`);
        return ns;
      },
      dispose: () => void mm.munmap(p, BULK_MIB * MIB),
    };
  },
};

/** Kernel-mode write of 64 MiB into populated user memory (copy_to_user; natively process_vm_writev). */
export const kernelWrite: RowSpec = {
  id: 'kernel_write_64mib',
  title: 'bulk kernel-mode write of 64 MiB',
  unit: '64 MiB',
  perN: false,
  bytesPerUnit: BULK_MIB * MIB,
  native: { name: 'pvm_write', iterations: 2, mib: BULK_MIB },
  memsim: ({ mm }) => {
    const p = bulkArea(mm);
    const src = new Uint8Array(BULK_MIB * MIB).fill(3);
    return {
      units: 1,
      sample: () => {
        const t0 = process.hrtime.bigint();
        const n = mm.kernelWrite(p, src);
        const ns = since(t0);
        if (n !== BULK_MIB * MIB) throw new Error(`short write ${n}`);
        return ns;
      },
      dispose: () => void mm.munmap(p, BULK_MIB * MIB),
    };
  },
};

/** Every per-page and bulk row. */
export const PAGE_ROWS: readonly RowSpec[] = [firstTouch, madviseDontneed, forkTouched, kernelRead, kernelWrite];
