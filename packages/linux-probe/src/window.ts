/**
 * The absolute base of the probe's address window. Scenario addresses are offsets from it.
 *
 * @public
 */
export const PROBE_WINDOW_BASE = 0x1000_0000_0000n;

/**
 * The size of the probe's address window (1 GiB). Results report addresses inside it as offsets.
 *
 * @public
 */
export const PROBE_WINDOW_SIZE = 1 << 30;
