/**
 * What a mapping needs of the VMAR that holds it, in a file of its own so that `mapping.ts` and `vmar-object.ts`
 * (which creates mappings) do not import each other.
 */

/** The process (address space) a VMAR belongs to. */
export interface AspaceOwner {
  readonly koid: number;
}

/** The VMAR that holds a mapping, as the mapping sees it; every mapping's parent is in fact a `VmarObject`. */
export interface MappingParent {
  readonly owner: AspaceOwner;
  /** Whether the region is under a MemoryPriority.HIGH VMAR. */
  readonly high: boolean;
}
