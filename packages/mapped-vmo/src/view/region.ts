/**
 * The memory a byte view reads and writes: a mapped range of a process address space. Internal: the mapping classes
 * implement it, the views only see offsets relative to the start of the range.
 */
export interface Region {
  /** Throws MappingDisposedError once the mapping behind the region is gone. */
  assertLive(): void;
  /** Copies `into.length` bytes starting at `offset` (already range-checked by the view). */
  readAt(offset: number, into: Uint8Array): void;
  /** Copies `data` to `offset` (already range-checked by the view). */
  writeAt(offset: number, data: Uint8Array): void;
}
