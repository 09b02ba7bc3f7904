import { MapFlags, Prot } from '@memsim/starnix-mm';
import { FIELD_BASE, PAGE, PRIVATE_ANON, RW, scratchArea } from '../model/field.js';
import { timedLoop, type RowSpec } from './row.js';

const BATCH = 50;
const PAIR_BATCH = 25;

/** mmap + munmap of one page where the kernel chooses the address. */
export const mmapMunmap: RowSpec = {
  id: 'mmap_munmap_1page',
  title: 'mmap + munmap of one page',
  unit: 'pair',
  perN: true,
  perMapping: true,
  native: { name: 'mmap_munmap_1page', iterations: 2000 },
  memsim: ({ mm }) => ({
    units: BATCH,
    sample: () =>
      timedLoop(BATCH, () => {
        for (let i = 0; i < BATCH; i++) mm.munmap(mm.mmap(0, PAGE, RW, PRIVATE_ANON), PAGE);
      }),
  }),
};

/** MAP_FIXED over one read-only page in the middle of the field (the VMA count stays N). */
export const mapFixed: RowSpec = {
  id: 'map_fixed',
  title: 'MAP_FIXED into N VMAs',
  unit: 'op',
  perN: true,
  perMapping: true,
  native: { name: 'map_fixed', iterations: 2000 },
  memsim: ({ mm, n }) => {
    // Same page as the probe: an even index (read-only, between PROT_NONE neighbours), so nothing merges.
    const target = n >= 2 ? FIELD_BASE + ((n / 2) & ~1) * PAGE : FIELD_BASE;
    if (n < 2) mm.mmap(target, PAGE, Prot.READ, PRIVATE_ANON | MapFlags.FIXED);
    return {
      units: BATCH,
      sample: () =>
        timedLoop(BATCH, () => {
          for (let i = 0; i < BATCH; i++) mm.mmap(target, PAGE, Prot.READ, PRIVATE_ANON | MapFlags.FIXED);
        }),
    };
  },
};

function scratch3(mm: Parameters<RowSpec['memsim']>[0]['mm'], n: number): number {
  const t = scratchArea(n);
  mm.mmap(t, 3 * PAGE, RW, PRIVATE_ANON | MapFlags.FIXED);
  return t;
}

/** mprotect of a whole three-page VMA, alternating RW and R. */
export const mprotectWhole: RowSpec = {
  id: 'mprotect_whole_vma',
  title: 'mprotect of a whole VMA',
  unit: 'op',
  perN: true,
  perMapping: true,
  native: { name: 'mprotect_whole_vma', iterations: 2000 },
  memsim: ({ mm, n }) => {
    const t = scratch3(mm, n);
    return {
      units: BATCH,
      sample: () =>
        timedLoop(BATCH, () => {
          for (let i = 0; i < BATCH; i++) mm.mprotect(t, 3 * PAGE, i & 1 ? RW : Prot.READ);
        }),
      dispose: () => void mm.munmap(t, 3 * PAGE),
    };
  },
};

/** mprotect of the middle page (a split into three VMAs) and back (a merge into one). */
export const mprotectSplitMerge: RowSpec = {
  id: 'mprotect_split_merge',
  title: 'mprotect split + merge',
  unit: 'pair',
  perN: true,
  perMapping: true,
  native: { name: 'mprotect_split_merge', iterations: 1000 },
  memsim: ({ mm, n }) => {
    const t = scratch3(mm, n);
    return {
      units: PAIR_BATCH,
      sample: () =>
        timedLoop(PAIR_BATCH, () => {
          for (let i = 0; i < PAIR_BATCH; i++) {
            mm.mprotect(t + PAGE, PAGE, Prot.READ);
            mm.mprotect(t + PAGE, PAGE, RW);
          }
        }),
      dispose: () => void mm.munmap(t, 3 * PAGE),
    };
  },
};

/** mremap of a one-page VMA to two pages in place and back. */
export const mremapGrowShrink: RowSpec = {
  id: 'mremap_grow_shrink',
  title: 'mremap grow + shrink',
  unit: 'pair',
  perN: true,
  perMapping: true,
  native: { name: 'mremap_grow_shrink', iterations: 1000 },
  memsim: ({ mm, n }) => {
    const t = scratch3(mm, n);
    mm.munmap(t + PAGE, 2 * PAGE);
    return {
      units: PAIR_BATCH,
      sample: () =>
        timedLoop(PAIR_BATCH, () => {
          for (let i = 0; i < PAIR_BATCH; i++) {
            mm.mremap(t, PAGE, 2 * PAGE, 0);
            mm.mremap(t, 2 * PAGE, PAGE, 0);
          }
        }),
      dispose: () => void mm.munmap(t, 3 * PAGE),
    };
  },
};

/** Every row that runs at each N. */
export const VMA_ROWS: readonly RowSpec[] = [mmapMunmap, mapFixed, mprotectWhole, mprotectSplitMerge, mremapGrowShrink];
