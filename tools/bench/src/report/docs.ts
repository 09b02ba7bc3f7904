import { measured } from '../runner/measurement.js';
import type { SuiteResult } from '../suite.js';
import { formatBytes, formatCount, formatNs } from './format.js';
import { bundleText, renderCharts, renderMarkdownResults, unavailableNotes } from './render.js';
import { renderMarkdownTable } from './table.js';
import type { TargetResult } from './targets.js';

/**
 * Why a target is missed and what would close it, keyed by target id prefix. Written from CPU profiles of the
 * suite's own rows (node --cpu-prof); shown only for targets this run missed.
 */
const MISSED: ReadonlyArray<readonly [string, string]> = [
  [
    'ratio:mmap_munmap_1page',
    'Every Linux mapping call does its work twice, as Starnix does: once in the VMA tree and once in the Zircon VMAR ' +
      '(each VMA is a Zircon mapping), where Linux updates one maple tree. The repeated lookups of one call are ' +
      'answered by each RangeTree\'s finger (the leaf of its last descent) without a descent, the top-down gap ' +
      'search looks only into the subtree the last call changed instead of refreshing every gap summary first, and ' +
      '`Vmar.map` checks number arguments without bigints; what is left per pair is one insert and one removal in ' +
      'each tree, the Zircon argument and handle checks, and zeroing the unmapped page in the anonymous VMO ' +
      '(docs/performance.md). Closing the rest: one index whose entries are both the VMA and the Zircon mapping.',
  ],
  [
    'ratio:map_fixed',
    'MAP_FIXED over one private anonymous VMA of the same bounds reuses the VMA and keeps its Zircon mapping; what ' +
      'remains is the argument checks, the VMA lookup, dropping the old page from the anonymous VMO and the ' +
      'neighbour-merge checks, each a separate walk where Linux does one.',
  ],
  [
    'ratio:mprotect_whole_vma',
    'The flags change in place. The VMA lookup, the two neighbour checks and the VMAR\'s own lookup and merge walk ' +
      'all land next to one another, so each tree\'s finger answers them without a descent; what is left is the ' +
      'work of the call itself in two layers (argument checks, accounting, the merge checks of both trees) ' +
      '(docs/performance.md).',
  ],
  [
    'ratio:mprotect_split_merge',
    'A split creates a VMA object (`sliceVma`) and two Zircon mappings, and the merge throws them away again (as ' +
      'Linux allocates and frees vm_area_structs); per pair each of the two trees takes five updates (inserts, ' +
      'removals and end changes), which the finger keeps at the leaf, and the VMAR\'s protect and merge check make ' +
      'about a third of the profile. Carrying the protection on the VMA and splitting the Zircon mapping lazily (on ' +
      'the next fault or query) would halve the tree work (docs/performance.md).',
  ],
  [
    'ratio:mremap_grow_shrink',
    'In place, each half of the pair is now one end change in each tree (the Zircon mapping grows and shrinks in ' +
      'place), after a lookup of the VMA and of its neighbours; what is left is those lookups (answered at each ' +
      'tree\'s finger, without a descent) and the argument checks of both layers (docs/performance.md).',
  ],
  [
    'ratio:fork_256mib_touched',
    'Fork makes the child\'s address space (a Zircon process, its VMAR, the VMA tree) and one snapshot of the anonymous ' +
      'VMO, which moves the page map into a hidden node without visiting a page; the pages fork leaves shared ' +
      '(pagemap bit 56, UFFDIO_MOVE\'s EBUSY) are recorded as the copied VMA ranges, and the child\'s exit merges the ' +
      'hidden node back by adopting its map. Profiled (docs/performance.md): fork plus exit took 0.03-0.1 ms here ' +
      'whether 1,024 or 65,536 pages were committed, nearly all of it creating and tearing down the child\'s process, ' +
      'VMAR and trees; before, listing the 65,536 committed pages into two sets took 98% of about 40 ms. A miss at ' +
      'this cost means native fork took under ten times it, or load delayed the memsim samples.',
  ],
  [
    'growth:',
    'Both layers are RangeTrees, B+trees over flat typed arrays with 64 entries a node, so a million VMAs take four ' +
      'levels where a thousand take two; the calls of these rows stay next to the last lookup, which each tree\'s ' +
      'finger (and, for a lookup just across a leaf boundary, its neighbour leaf) answers without a descent, so the ' +
      'depth no longer shows in their CPU time (docs/performance.md). What still grows with N is garbage collection ' +
      'in a heap holding a million VMA and mapping objects (the 1M cells are one round of seven samples, and a major ' +
      'collection landing in one costs more the larger the heap) and cache misses on the leaves.',
  ],
  [
    'ratio:uffd_roundtrip',
    'The read is starnix-mm\'s own fault path (`readAsync`): it finds the page missing in a VMA registered MISSING, ' +
      'calls the userfaultfd\'s `fault()` (a message and a promise), the dispatcher runs the handler in a microtask ' +
      '(synchronously from there while the handler answers synchronously), UFFDIO_COPY writes the page into the ' +
      'process\'s anonymous VMO, and the read resumes, looks the page up again and completes. 0.1x of native is 1-2 ' +
      'microseconds a fault on this machine, and measured apart the read of a present page and the one-page ' +
      'UFFDIO_COPY that the round trip needs both take 1.5-1.65 us together, most of that budget before the fault ' +
      'itself (message, dispatcher turn, wake, retried lookups: about 1.1 us) (docs/performance.md).',
  ],
  [
    'ratio:uffd_copy',
    'UFFDIO_COPY checks the range, looks the VMA up (a list of VMA views), asks whether the page is present, and ' +
      'writes it into the anonymous VMO; what is left after removing the per-page source copy, the BigInt offset ' +
      'checks and the wake closure is the VMA lookups, done twice (once by the ioctl, once by the install).',
  ],
  [
    'time:swap_',
    'Per 16-page region: take the pages out of the process, compress, encrypt (AES-256-GCM) and append one record ' +
      '(a write system call); on the way in, per record: a fault for its first page, which reads, deciphers and ' +
      'decodes the record into a reused buffer and installs its pages with one UFFDIO_COPY per run; per page: a user ' +
      'read and the copy into the VMO, the largest single cost in the profile (docs/performance.md, "Swap-in and ' +
      'swap-out"). The zlib rows beside these show what the codec costs.',
  ],
  [
    'bandwidth:kernel_read_64mib',
    'The read resolves the VMA and the fault decision once per private anonymous VMA, and copies runs of frames ' +
      'that lie side by side in one 1 MiB slab as one block, found in the page map\'s chunks with one lookup per 64 ' +
      'pages; what is left is the copy (docs/performance.md).',
  ],
  [
    'bandwidth:kernel_write_64mib',
    'The write copies runs of committed frames side by side as one block, as the read does (a page that needs ' +
      'committing first, a COW break or a fresh page, is still done alone); the page map finds each run with one ' +
      'lookup per 64 pages. Profiled (docs/performance.md, "Kernel write"): the copy into the 1 MiB frame slabs is ' +
      'what is left, at the speed of a plain TypedArray.set of the same bytes; a miss means the copy itself ran slower ' +
      'than the native memcpy in that run.',
  ],
  [
    'memory:vma',
    'A VMA costs a VMA record and a Zircon mapping object (with boxed numbers for their addresses), plus a slot in ' +
      'each of the two RangeTrees (about 30 bytes each). Merging the VMA and the Zircon mapping into one object would ' +
      'save about a third.',
  ],
  [
    'memory:page',
    'Page contents live in 1 MiB slabs of frames; the rest is the page map (4 bytes a page in chunks of 64) and the ' +
      'VMA bookkeeping of the touched page, so what is left above 4 KiB is a few bytes per page.',
  ],
];

function missedNote(id: string): string | undefined {
  return MISSED.find(([prefix]) => id.startsWith(prefix))?.[1];
}

const ROW_DESCRIPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['mmap_munmap_1page', 'mmap of one private anonymous page where the kernel chooses the address, then munmap (per pair).'],
  ['map_fixed', 'MAP_FIXED over one read-only page in the middle of the field (the VMA count stays N).'],
  ['mprotect_whole_vma', 'mprotect of a whole three-page VMA, alternating read-write and read-only.'],
  ['mprotect_split_merge', 'mprotect of the middle page of a three-page VMA to read-only (a split into three) and back (a merge), per pair.'],
  ['mremap_grow_shrink', 'mremap of a one-page VMA to two pages in place and back, per pair.'],
  ['first_touch_fault', 'First write to each page of a fresh 1,024-page private anonymous mapping (a demand-zero fault per page).'],
  ['madvise_dontneed', 'MADV_DONTNEED over 1,024 touched pages, per page.'],
  ['fork_256mib_touched', 'fork of a process with 256 MiB of touched private memory, and the child\'s exit (natively: fork, _exit, waitpid).'],
  ['kernel_read_64mib', 'Kernel-mode read of 64 MiB of populated user memory into a reused buffer (memsim: `kernelReadInto`; natively: process_vm_readv).'],
  ['kernel_write_64mib', 'Kernel-mode write of 64 MiB into populated user memory (memsim: `kernelWrite`; natively: process_vm_writev).'],
  ['uffd_roundtrip', 'A user-mode read of a missing page in a range registered with starnix-mm\'s own userfaultfd (memsim: `readAsync`, which traps into the userfaultfd and waits), resolved by a handler with UFFDIO_COPY, per page (256 pages).'],
  ['uffd_copy', 'UFFDIO_COPY of one page into a missing page, no fault, per page.'],
  ['swap_out', 'userspace-swap swap-out of 4 MiB in 16-page regions (take the pages, compress, encrypt, append to the swap file), per page; the default codec (LZ4), its compression ratio beside it.'],
  ['swap_out_deflate', 'swap_out with the zlib codec (level 6, what every record used before the codec became a choice).'],
  ['swap_in_deflate', 'swap_in with the zlib codec.'],
  ['playground_trace_step', 'One forward step of the browser playground through a 10,000-call trace (python3 -c print(1) grown with anonymous mmap/mprotect pairs), from its middle: replay the call on starnix-mm, build the Zircon view, draw the picture (the page\'s HTML views are not included). Run in Node, on the code the page bundles.'],
  ['swap_in', 'Swap-in of those pages through the fault path (a user-mode read faults into starnix-mm\'s userfaultfd; the swap manager reads, decrypts and decompresses the record and UFFDIO_COPYs it), per page.'],
];

/** The whole of docs/benchmarks.md for a run. */
export function renderDocs(result: SuiteResult, targets: readonly TargetResult[]): string {
  const m = result.machine;
  const out: string[] = [];
  out.push('# Benchmarks: memsim against the Linux kernel');
  out.push('');
  out.push(
    'Generated by `pnpm --filter @memsim/bench bench -- --write-docs` (the suite in `tools/bench`); do not edit by ' +
      'hand. Every row runs the same operation sequence twice in one run: in memsim (starnix-mm on zircon-objects, ' +
      'userspace-swap for the userfaultfd and swap rows) and natively on this machine\'s kernel through the C probe of ' +
      '`packages/linux-probe`. The ratio is memsim time / native time, so below 1 means memsim is faster.',
  );
  out.push('');
  out.push('## Machine and run');
  out.push('');
  out.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; ${m.memoryGiB} GiB memory`);
  out.push(`- Kernel: Linux ${m.kernel}`);
  out.push(`- Node: ${m.node}`);
  out.push(`- Date: ${m.date}; the run took ${result.durationS} s${result.quick ? ' (quick run: N up to 10k)' : ''}`);
  if (m.loadAverage !== undefined) {
    out.push(
      `- Load average at the start: ${m.loadAverage.map((x) => x.toFixed(1)).join(', ')} (1, 5, 15 min). The machine is ` +
        'shared with other work, so single samples swing widely; memsim and native samples alternate in rounds so ' +
        'load hits both sides, and the medians are the figures to read.',
    );
  }
  const builds = Object.entries(result.fieldBuildMs);
  const buildLabel = (key: string): string => {
    const [n, design] = key.split(' ');
    return `${formatCount(Number(n))}${design ? ` (${design})` : ''}`;
  };
  if (builds.length > 0) out.push(`- Building the memsim field of N VMAs took ${builds.map(([n, ms]) => `${buildLabel(n)}: ${formatNs(ms * 1e6)}`).join(', ')}`);
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(
    '- The per-N rows run in an address space of N VMAs built the same way on both sides: one read-only mapping of N ' +
      'pages at 0x2000_0000_0000 with every odd page made PROT_NONE, so neighbours never merge. Natively N above ' +
      '`vm.max_map_count` (65,530 by default) needs the limit raised; the suite raises it for the run when it runs ' +
      'as root and restores it afterwards, and reports the cell unavailable otherwise.',
  );
  out.push(
    '- memsim is timed with tinybench: warm-up samples first (at least two and 250 ms, so V8 has optimized the code), then a fixed number of samples, ' +
      'each timing a batch of operations (set-up excluded); the VMA rows repeat their batch until a sample has lasted ' +
      '20 ms, so garbage-collection pauses are spread over the operations that caused them instead of landing in a ' +
      'few samples. A full GC runs between cells. The native side is the ' +
      'probe\'s `bench` op: one warm-up sample, then timed samples of a batch each.',
  );
  out.push(
    '- Figures are medians of the per-unit time over all samples; "spread" is half the interquartile range relative ' +
      'to the median. Samples of both sides are in the JSON (`--json FILE`).',
  );
  if (result.rows.some((r) => r.design === 'per-mapping')) {
    out.push(
      '- memsim backs private anonymous memory with Starnix\'s default design, one VMO per address space (\'single\'). ' +
        'The address-space rows marked `[per-mapping]` run the same operations, in the same rounds and against the same ' +
        'native samples, in Starnix\'s earlier design with a VMO per mapping (docs/architecture.md, "Private anonymous ' +
        'memory: two designs"), on a field of their own. The targets apply to \'single\'; the per-mapping rows have none.',
    );
  }
  out.push('');
  out.push(renderMarkdownTable(['row', 'what runs'], ROW_DESCRIPTIONS.filter(([id]) => result.rows.some((r) => r.row === id)).map(([a, b]) => [`\`${a}\``, b])));
  out.push('## Results');
  out.push('');
  out.push(renderMarkdownResults(result.rows));
  const notes = unavailableNotes(result.rows);
  if (notes.length > 0) {
    out.push('Cells without a figure:');
    out.push('');
    for (const n of notes) out.push(`- ${n}`);
    out.push('');
  }
  if (measured(result.memcpy64MiB)) {
    const bw = (64 * 2 ** 20) / (result.memcpy64MiB.nsPerUnit / 1e9) / 2 ** 30;
    out.push(`Native memcpy of 64 MiB (the bandwidth yardstick): ${formatNs(result.memcpy64MiB.nsPerUnit)} (${bw.toFixed(1)} GiB/s).`);
    out.push('');
  }
  const charts = [...renderCharts(result).keys()];
  if (charts.length > 0) {
    out.push('### Cost against N');
    out.push('');
    for (const name of charts) out.push(`![${name.replace(/\.svg$/, '')}](benchmarks/${name})`);
    out.push('');
  }
  if (result.playgroundBundle) {
    out.push('## Playground bundle');
    out.push('');
    out.push(`The browser playground (apps/playground), built as \`pnpm run docs\` builds it: ${bundleText(result.playgroundBundle)}.`);
    out.push('');
  }
  out.push('## Memory');
  out.push('');
  const mem = result.memory;
  if ('unavailable' in mem) out.push(`Not measured: ${mem.unavailable}.`);
  else {
    out.push(
      `Measured with \`process.memoryUsage()\` after forced full GCs, around ${formatCount(mem.vmas)} VMAs built as above ` +
        `and ${formatCount(mem.pages)} pages first-touched in one mapping:`,
    );
    out.push('');
    out.push(
      renderMarkdownTable(
        ['what', 'V8 heap', 'ArrayBuffers', 'total'],
        [
          ['per VMA', formatBytes(mem.heapBytesPerVma), formatBytes(mem.externalBytesPerVma), formatBytes(mem.heapBytesPerVma + mem.externalBytesPerVma)],
          ['per touched 4 KiB page', formatBytes(mem.heapBytesPerPage), formatBytes(mem.externalBytesPerPage), formatBytes(mem.totalBytesPerPage)],
        ],
        ['left', 'right', 'right', 'right'],
      ),
    );
  }
  out.push('## Targets (issue 10)');
  out.push('');
  out.push(
    renderMarkdownTable(
      ['target', 'measured', 'met'],
      targets.map((t) => [t.target, t.measured, t.noTarget ? 'no target' : t.met === null ? 'not measurable in this run' : t.met ? 'yes' : 'no']),
    ),
  );
  const missed = targets.filter((t) => t.met === false);
  if (missed.length > 0) {
    out.push('### Missed targets: why, and what would close them');
    out.push('');
    // Targets that share an analysis (the growth rows) are one item naming each of them with its figure.
    const groups = new Map<string, typeof missed[number][]>();
    for (const t of missed) {
      const key = missedNote(t.id) ?? t.id;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    for (const ts of groups.values()) {
      const note = missedNote(ts[0].id) ?? 'No analysis recorded for this target yet.';
      out.push(`- ${ts.map((t) => `**${t.target}** (${t.measured})`).join('; ')}. ${note}`);
    }
    out.push('');
  }
  out.push(
    'Swap-out and swap-in have no native counterpart: Linux has no userspace swap of its own, and its kernel swap ' +
      'needs a swap device and is a different operation sequence. Their memsim cost is reported alone.',
  );
  out.push('');
  return out.join('\n');
}
