import { VM } from '../abi/constants.js';
import type { Vma } from '../vma/vma.js';

/** What the /proc formatter needs from the memory manager. */
export interface MapsContext {
  readonly vmas: Iterable<Vma>;
  readonly startBrk: number;
  readonly brk: number;
  readonly startStack: number;
  resident(v: Vma, addr: number): boolean;
  mapped(v: Vma, addr: number): boolean;
  privateDirty(v: Vma, addr: number): boolean;
  /** The VM_UFFD_* bits of a VMA's userfaultfd registration. */
  uffdFlags?(v: Vma): number;
  /**
   * The addresses of `v` where `mapped` or `privateDirty` can hold, ascending, when listing them is cheaper than
   * walking every page (Linux walks only populated page tables); undefined to walk the whole VMA.
   */
  pagesOf?(v: Vma): readonly number[] | undefined;
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** The name column: file path (newlines escaped as \012), [heap], [stack], [anon:name], /dev/zero (deleted). */
function vmaName(v: Vma, c: MapsContext): string | null {
  const b = v.backing;
  if (b.kind === 'file') return b.file.path.replace(/\n/g, '\\012');
  if (b.kind === 'shmem') return v.anonName !== null ? `[anon_shmem:${v.anonName}]` : '/dev/zero (deleted)';
  if (v.start <= c.brk && v.end >= c.startBrk) return '[heap]';
  if (v.start <= c.startStack && v.end >= c.startStack) return '[stack]';
  if (v.anonName !== null) return `[anon:${v.anonName}]`;
  return null;
}

function header(v: Vma, c: MapsContext): string {
  const f = v.flags;
  const perms = `${f & VM.READ ? 'r' : '-'}${f & VM.WRITE ? 'w' : '-'}${f & VM.EXEC ? 'x' : '-'}${f & VM.MAYSHARE ? 's' : 'p'}`;
  let off = 0;
  let dev = '00:00';
  let ino = 0;
  const b = v.backing;
  if (b.kind === 'file') {
    off = v.pgoff * 4096;
    dev = `${hex(b.file.device[0], 2)}:${hex(b.file.device[1], 2)}`;
    ino = b.file.inode;
  } else if (b.kind === 'shmem') {
    off = v.pgoff * 4096;
    dev = '00:01';
    ino = b.obj.inode;
  }
  let line = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(off, 8)} ${dev} ${ino} `;
  const name = vmaName(v, c);
  if (name !== null) {
    // seq_pad: spaces up to column 72, then one more space before the name.
    line = `${line.padEnd(72, ' ')} ${name}`;
  }
  return line;
}

/** /proc/pid/maps, byte-for-byte in Linux's format. */
export function formatMaps(c: MapsContext): string {
  let out = '';
  for (const v of c.vmas) out += `${header(v, c)}\n`;
  return out;
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [VM.READ, 'rd'],
  [VM.WRITE, 'wr'],
  [VM.EXEC, 'ex'],
  [VM.SHARED, 'sh'],
  [VM.MAYREAD, 'mr'],
  [VM.MAYWRITE, 'mw'],
  [VM.MAYEXEC, 'me'],
  [VM.MAYSHARE, 'ms'],
  [VM.GROWSDOWN, 'gd'],
  [VM.UFFD_MISSING, 'um'],
  // Linux prints in bit order: VM_MAYBE_GUARD is bit 11, VM_DROPPABLE and VM_SEALED lie above bit 31.
  [VM.MAYBE_GUARD, 'gu'],
  [VM.UFFD_WP, 'uw'],
  [VM.LOCKED, 'lo'],
  [VM.SEQ_READ, 'sr'],
  [VM.RAND_READ, 'rr'],
  [VM.DONTCOPY, 'dc'],
  [VM.DONTEXPAND, 'de'],
  [VM.LOCKONFAULT, 'lf'],
  [VM.ACCOUNT, 'ac'],
  [VM.NORESERVE, 'nr'],
  [VM.WIPEONFORK, 'wf'],
  [VM.DONTDUMP, 'dd'],
  [VM.HUGEPAGE, 'hg'],
  [VM.NOHUGEPAGE, 'nh'],
  [VM.MERGEABLE, 'mg'],
  [VM.DROPPABLE, 'dp'],
  [VM.SEALED, 'sl'],
];

const kb = (label: string, v: number): string => `${`${label}:`.padEnd(16)}${String(v).padStart(8)} kB\n`;

/** /proc/pid/smaps: the maps line plus the per-VMA counters and VmFlags. */
export function formatSmaps(c: MapsContext): string {
  let out = '';
  for (const v of c.vmas) {
    let rss = 0;
    let dirty = 0;
    const pages = c.pagesOf?.(v);
    if (pages !== undefined) {
      for (const a of pages) {
        if (c.mapped(v, a)) rss++;
        if (c.privateDirty(v, a)) dirty++;
      }
    } else {
      for (let a = v.start; a < v.end; a += 4096) {
        if (c.mapped(v, a)) rss++;
        if (c.privateDirty(v, a)) dirty++;
      }
    }
    const anon = v.backing.kind === 'anon' || (v.backing.kind === 'file' && v.backing.cow !== null) ? dirty : 0;
    const sizeKb = (v.end - v.start) / 1024;
    out += `${header(v, c)}\n`;
    out += kb('Size', sizeKb) + kb('KernelPageSize', 4) + kb('MMUPageSize', 4);
    out += kb('Rss', rss * 4) + kb('Pss', rss * 4) + kb('Pss_Dirty', dirty * 4);
    out += kb('Shared_Clean', 0) + kb('Shared_Dirty', 0);
    out += kb('Private_Clean', (rss - dirty) * 4) + kb('Private_Dirty', dirty * 4);
    out += kb('Referenced', rss * 4) + kb('Anonymous', anon * 4) + kb('KSM', 0) + kb('LazyFree', 0);
    out += kb('AnonHugePages', 0) + kb('ShmemPmdMapped', 0) + kb('FilePmdMapped', 0);
    out += kb('Shared_Hugetlb', 0) + kb('Private_Hugetlb', 0) + kb('Swap', 0) + kb('SwapPss', 0);
    out += kb('Locked', v.flags & VM.LOCKED ? rss * 4 : 0);
    out += `THPeligible:    ${String(0).padStart(8)}\n`;
    const flags = v.flags | (c.uffdFlags?.(v) ?? 0);
    out += `VmFlags: ${FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => `${n} `).join('')}\n`;
  }
  return out;
}
