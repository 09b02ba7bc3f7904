/**
 * A plain-data picture of the model after some step: what `inspect` prints and `draw` renders.
 * @public
 */
export interface ModelState {
  readonly domain: 'zircon' | 'linux';
  /** Steps executed so far (0 = before the first step). */
  readonly step: number;
  /** Label of the last executed step (`zx vmo_create`), empty before the first. */
  readonly label: string;
  /** One line describing the last step's outcome. */
  readonly outcome: string;
  readonly processes: readonly ProcessState[];
  readonly vmos: readonly VmoState[];
  readonly memory: MemoryState;
}

/**
 * One region of a process's address space (a VMAR or a mapping), as ZX_INFO_PROCESS_MAPS reports it.
 * @public
 */
export interface RegionState {
  readonly kind: 'aspace' | 'vmar' | 'mapping';
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** Nesting depth (0 = the address space). */
  readonly depth: number;
  /** `rwx` letters of a mapping, '-' where a permission is missing. */
  readonly perms?: string;
  readonly vmoKoid?: number;
  readonly vmoOffset?: number;
  readonly committedBytes?: number;
  readonly populatedBytes?: number;
  /**
   * Set when `base` is relative (`inspect --relative`): the absolute address it counts from (the probe window's base,
   * or the parent VMAR's). Absent when `base` is absolute.
   */
  readonly origin?: number;
}

/**
 * A process: its regions and, for Linux scenarios, /proc/pid/maps and smaps text.
 * @public
 */
export interface ProcessState {
  readonly name: string;
  readonly koid: number;
  readonly regions: readonly RegionState[];
  /** `/proc/pid/maps` text (Linux scenarios; for Zircon ones, synthesised from the mappings). */
  readonly maps: string;
  /** `/proc/pid/smaps` text (Linux scenarios only). */
  readonly smaps?: string;
  /** The pagemap view: per VMA, a bar of its first pages from /proc/pid/pagemap (Linux scenarios only). */
  readonly pagemap?: string;
}

/**
 * Residency of one VMO page: committed, compressed or absent.
 * @public
 */
export type PageResidency = 'committed' | 'compressed' | 'absent';

/**
 * One VMO of the clone tree.
 * @public
 */
export interface VmoState {
  readonly koid: number;
  readonly name: string;
  readonly sizeBytes: number;
  /** 0 for a root VMO. Hidden copy-on-write nodes are not visible, as in Zircon. */
  readonly parentKoid: number;
  readonly numChildren: number;
  readonly numMappings: number;
  readonly shareCount: number;
  readonly committedBytes: number;
  readonly populatedBytes: number;
  /**
   * Committed bytes this VMO sees but that are attributed to a relative: pages it reads copy-on-write from an
   * ancestor (counted over the first {@link MAX_PAGES_SHOWN} pages).
   */
  readonly sharedBytes: number;
  /** INFO_VMO flag names (`PAGED`, `IS_COW_CLONE`, ...). */
  readonly flags: readonly string[];
  /** Per-page residency of the first pages (at most {@link MAX_PAGES_SHOWN}); empty when unknown. */
  readonly pages: readonly PageResidency[];
  /** False when the VMO is known only through a mapping (its handles are closed). */
  readonly viaHandle: boolean;
}

/**
 * Kernel memory totals and pressure.
 * @public
 */
export interface MemoryState {
  readonly totalBytes: number;
  readonly committedBytes: number;
  readonly compressedBytes: number;
  readonly freeBytes: number;
  readonly pressure: string;
}

/** Pages per VMO whose residency a state records (drawings stay readable). @public */
export const MAX_PAGES_SHOWN = 256;
