import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Advice, type MemoryManager } from '@memsim/starnix-mm';
import { SwapManager, SystemClock, UffdFeature, UffdRegisterMode, type SwapCodecName, type SwapRenderer } from '@memsim/userspace-swap';
import { PAGE, PRIVATE_ANON, RW } from '../model/field.js';
import { since, type RowSpec } from './row.js';

const UFFD_PAGES = 256;
const SWAP_PAGES = 1024;
const REGION_PAGES = 16;
/** The task that makes the timed accesses (PAGEFAULT messages carry its id). */
const TASK = Object.freeze({ tid: 1 });

/**
 * A user-mode read of one byte by {@link TASK}: starnix-mm's own fault path, which traps a missing page of a
 * registered range into the userfaultfd and waits for the handler, as handle_userfault() does.
 */
async function userRead(mm: MemoryManager, address: number): Promise<number> {
  const r = await mm.readAsync(TASK, address, 1);
  if (!r.ok) throw new Error(`${r.fault.signal} at 0x${r.fault.address.toString(16)}`);
  return (r.data as Uint8Array)[0];
}

/** A private anonymous region of UFFD_PAGES pages registered MISSING with starnix-mm's userfaultfd, and a page of 7s. */
function missingRegion(mm: MemoryManager) {
  const p = mm.mmap(0, UFFD_PAGES * PAGE, RW, PRIVATE_ANON);
  const uffd = mm.userfaultfd({ features: 0 });
  uffd.registerRange(p, UFFD_PAGES * PAGE, UffdRegisterMode.MISSING);
  return { p, uffd, page: new Uint8Array(PAGE).fill(7) };
}

/** A MISSING fault resolved by a handler with UFFDIO_COPY, per page. */
export const uffdRoundtrip: RowSpec = {
  id: 'uffd_roundtrip',
  title: 'userfaultfd missing-fault round trip',
  unit: 'page',
  perN: false,
  native: { name: 'uffd_roundtrip', iterations: 8, pages: UFFD_PAGES },
  memsim: ({ mm }) => {
    const { p, uffd, page } = missingRegion(mm);
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
        for (let k = 0; k < UFFD_PAGES; k++) if ((await userRead(mm, p + k * PAGE)) !== 7) throw new Error('bad fill');
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
  readonly mm: MemoryManager;
  readonly renderer: SwapRenderer;
  readonly start: number;
  readonly regions: { start: number; length: number }[];
  /** Plaintext bytes over record bytes of everything swapped out so far. */
  compressionRatio(): number;
  dispose(): void;
}

/** A process with 4 MiB of half-compressible touched memory registered with a swap manager's renderer. */
function swapSetup(mm: MemoryManager, codec: SwapCodecName): SwapSetup {
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
  const manager = new SwapManager({ directory, clock: new SystemClock(), swapFile: { codec } });
  const uffd = mm.userfaultfd({ features: UffdFeature.EVENT_REMOVE | UffdFeature.EVENT_UNMAP | UffdFeature.EVENT_REMAP });
  uffd.registerRange(start, SWAP_PAGES * PAGE, UffdRegisterMode.MISSING);
  const renderer = manager.addRenderer('bench', uffd);
  const regions: { start: number; length: number }[] = [];
  for (let k = 0; k < SWAP_PAGES; k += REGION_PAGES) regions.push({ start: start + k * PAGE, length: align });
  return {
    mm,
    renderer,
    start,
    regions,
    compressionRatio: () => manager.metrics().compressionRatio,
    dispose: () => {
      // Closing the manager closes the userfaultfd, which unregisters the range: the munmap raises no UNMAP event.
      manager.close();
      rmSync(directory, { recursive: true, force: true });
      mm.munmap(raw, (SWAP_PAGES + REGION_PAGES) * PAGE);
    },
  };
}

async function swapInAll(s: SwapSetup): Promise<void> {
  for (let k = 0; k < SWAP_PAGES; k++) await userRead(s.mm, s.start + k * PAGE);
}

/**
 * A swap row: every sample swaps the whole area out and back in, and times one of the two halves, so each sample
 * starts from the same state.
 */
function swapRow(id: string, title: string, timed: 'out' | 'in', codec: SwapCodecName): RowSpec {
  let lastRatio: number | null = null;
  return {
    id,
    title,
    unit: 'page',
    perN: false,
    bytesPerUnit: PAGE,
    native: { unavailable: NO_NATIVE_SWAP },
    compression: { codec, ratio: () => lastRatio },
    memsim: ({ mm }) => {
      const s = swapSetup(mm, codec);
      return {
        units: SWAP_PAGES,
        sample: async () => {
          const t0 = process.hrtime.bigint();
          const n = s.renderer.swapOut(s.regions);
          const outNs = since(t0);
          if (n !== SWAP_PAGES) throw new Error(`swapped ${n} of ${SWAP_PAGES} pages`);
          const t1 = process.hrtime.bigint();
          await swapInAll(s);
          const inNs = since(t1);
          lastRatio = s.compressionRatio();
          return timed === 'out' ? outNs : inNs;
        },
        dispose: () => s.dispose(),
      };
    },
  };
}

/** Swap-out (take pages, compress, encrypt, append to the swap file), per page, in 16-page regions; the default codec (LZ4). */
export const swapOut: RowSpec = swapRow('swap_out', 'userspace swap-out', 'out', 'lz4');

/** Swap-in through the fault path (fault, read + decrypt + decompress the record, UFFDIO_COPY), per page; LZ4. */
export const swapIn: RowSpec = swapRow('swap_in', 'userspace swap-in (fault path)', 'in', 'lz4');

/** swap_out with the zlib codec (level 6, what every record used before the codec became a choice). */
export const swapOutDeflate: RowSpec = swapRow('swap_out_deflate', 'userspace swap-out, zlib', 'out', 'deflate');

/** swap_in with the zlib codec. */
export const swapInDeflate: RowSpec = swapRow('swap_in_deflate', 'userspace swap-in (fault path), zlib', 'in', 'deflate');

/** The userfaultfd and swap rows. */
export const UFFD_ROWS: readonly RowSpec[] = [uffdRoundtrip, uffdCopy, swapOut, swapIn, swapOutDeflate, swapInDeflate];
