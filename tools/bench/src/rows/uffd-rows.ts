import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Advice } from '@memsim/starnix-mm';
import { SwapManager, SystemClock, UffdFeature, UffdRegisterMode, UserfaultFD, type SwapRenderer } from '@memsim/userspace-swap';
import { PAGE, PRIVATE_ANON, RW } from '../model/field.js';
import { MmUffdSpace, userRead } from '../model/uffd-space.js';
import { since, type RowSpec } from './row.js';

const UFFD_PAGES = 256;
const SWAP_PAGES = 1024;
const REGION_PAGES = 16;

/** A private anonymous region of UFFD_PAGES pages registered MISSING, and a page of 7s to fill it with. */
function missingRegion(mm: MmUffdSpace['mm']) {
  const space = new MmUffdSpace(mm);
  const p = mm.mmap(0, UFFD_PAGES * PAGE, RW, PRIVATE_ANON);
  const uffd = UserfaultFD.open(space, 0);
  uffd.registerRange(p, UFFD_PAGES * PAGE, UffdRegisterMode.MISSING);
  return { space, p, uffd, page: new Uint8Array(PAGE).fill(7) };
}

/** A MISSING fault resolved by a handler with UFFDIO_COPY, per page. */
export const uffdRoundtrip: RowSpec = {
  id: 'uffd_roundtrip',
  title: 'userfaultfd missing-fault round trip',
  unit: 'page',
  perN: false,
  native: { name: 'uffd_roundtrip', iterations: 8, pages: UFFD_PAGES },
  memsim: ({ mm }) => {
    const { space, p, uffd, page } = missingRegion(mm);
    uffd.startWaitingForEvents({
      pagefault: (address) => {
        uffd.copyToRange(address - (address % PAGE), PAGE, page);
        return true;
      },
      closed: () => undefined,
    });
    return {
      units: UFFD_PAGES,
      sample: async () => {
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < UFFD_PAGES; k++) if ((await userRead(space, p + k * PAGE)) !== 7) throw new Error('bad fill');
        const ns = since(t0);
        mm.madvise(p, UFFD_PAGES * PAGE, Advice.DONTNEED);
        return ns;
      },
      dispose: () => {
        uffd.close();
        mm.munmap(p, UFFD_PAGES * PAGE);
      },
    };
  },
};

/** UFFDIO_COPY of one page into a missing page, per page (no fault). */
export const uffdCopy: RowSpec = {
  id: 'uffd_copy',
  title: 'UFFDIO_COPY',
  unit: 'page',
  perN: false,
  native: { name: 'uffd_copy', iterations: 8, pages: UFFD_PAGES },
  memsim: ({ mm }) => {
    const { p, uffd, page } = missingRegion(mm);
    return {
      units: UFFD_PAGES,
      sample: () => {
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < UFFD_PAGES; k++) uffd.copyToRange(p + k * PAGE, PAGE, page);
        const ns = since(t0);
        mm.madvise(p, UFFD_PAGES * PAGE, Advice.DONTNEED);
        return ns;
      },
      dispose: () => {
        uffd.close();
        mm.munmap(p, UFFD_PAGES * PAGE);
      },
    };
  },
};

const NO_NATIVE_SWAP =
  'no native counterpart: Linux has no userspace swap of its own, and kernel swap needs a swap device (this machine has none) and is not the same operation sequence';

interface SwapSetup {
  readonly space: MmUffdSpace;
  readonly renderer: SwapRenderer;
  readonly start: number;
  readonly regions: { start: number; length: number }[];
  dispose(): void;
}

/** A process with 4 MiB of half-compressible touched memory registered with a swap manager's renderer. */
function swapSetup(mm: MmUffdSpace['mm']): SwapSetup {
  const space = new MmUffdSpace(mm);
  const align = REGION_PAGES * PAGE;
  const raw = mm.mmap(0, (SWAP_PAGES + REGION_PAGES) * PAGE, RW, PRIVATE_ANON);
  const start = Math.ceil(raw / align) * align;
  // Half of each page is a counter pattern, half zero: compressible, like a renderer heap.
  const page = new Uint8Array(PAGE);
  for (let k = 0; k < SWAP_PAGES; k++) {
    for (let i = 0; i < PAGE / 2; i++) page[i] = (i * 31 + k) & 0xff;
    mm.kernelWrite(start + k * PAGE, page);
  }
  const directory = mkdtempSync(join(tmpdir(), 'memsim-bench-swap-'));
  const manager = new SwapManager({ directory, clock: new SystemClock() });
  const uffd = UserfaultFD.open(space, UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP);
  uffd.registerRange(start, SWAP_PAGES * PAGE, UffdRegisterMode.MISSING);
  const renderer = manager.addRenderer('bench', uffd);
  const regions: { start: number; length: number }[] = [];
  for (let k = 0; k < SWAP_PAGES; k += REGION_PAGES) regions.push({ start: start + k * PAGE, length: align });
  return {
    space,
    renderer,
    start,
    regions,
    dispose: () => {
      manager.close();
      rmSync(directory, { recursive: true, force: true });
      mm.munmap(raw, (SWAP_PAGES + REGION_PAGES) * PAGE);
    },
  };
}

async function swapInAll(s: SwapSetup): Promise<void> {
  for (let k = 0; k < SWAP_PAGES; k++) await userRead(s.space, s.start + k * PAGE);
}

/**
 * A swap row: every sample swaps the whole area out and back in, and times one of the two halves, so each sample
 * starts from the same state.
 */
function swapRow(id: string, title: string, timed: 'out' | 'in'): RowSpec {
  return {
    id,
    title,
    unit: 'page',
    perN: false,
    bytesPerUnit: PAGE,
    native: { unavailable: NO_NATIVE_SWAP },
    memsim: ({ mm }) => {
      const s = swapSetup(mm);
      return {
        units: SWAP_PAGES,
        sample: async () => {
          const t0 = process.hrtime.bigint();
          const n = s.renderer.swapOut(s.regions);
          const outNs = since(t0);
          if (n !== SWAP_PAGES) throw new Error(`swapped ${n} of ${SWAP_PAGES} pages`);
          const t1 = process.hrtime.bigint();
          await swapInAll(s);
          return timed === 'out' ? outNs : since(t1);
        },
        dispose: () => s.dispose(),
      };
    },
  };
}

/** Swap-out (take pages, compress, encrypt, append to the swap file), per page, in 16-page regions. */
export const swapOut: RowSpec = swapRow('swap_out', 'userspace swap-out', 'out');

/** Swap-in through the fault path (fault, read + decrypt + decompress the record, UFFDIO_COPY), per page. */
export const swapIn: RowSpec = swapRow('swap_in', 'userspace swap-in (fault path)', 'in');

/** The userfaultfd and swap rows. */
export const UFFD_ROWS: readonly RowSpec[] = [uffdRoundtrip, uffdCopy, swapOut, swapIn];
