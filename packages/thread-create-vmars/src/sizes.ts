/**
 * Size of each compact VMAR a pool allocates: 1 GiB. Big enough that pools rarely grow, small enough not to waste a
 * reduced (shared) address space.
 * @public
 */
export const COMPACT_VMAR_SIZE = 1024 * 1024 * 1024;

/**
 * Size of the probe allocation: 32 MiB. libc's exact allocation sizes are unknown, so the probe over-approximates;
 * at worst this leaves 32 MiB of a 1 GiB VMAR unused.
 * @public
 */
export const PROBE_SIZE = 32 * 1024 * 1024;
