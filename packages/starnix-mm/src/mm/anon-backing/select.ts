/**
 * The design an address space uses, picked by the option its Zircon space was created with.
 */
import type { MmState } from '../state.js';
import type { AnonBacking } from './backing.js';
import { PER_MAPPING_BACKING } from './per-mapping.js';
import { SINGLE_BACKING } from './single.js';

/** The private anonymous backing of `mm` (both designs keep their state in `mm.zx`). */
export function backingOf(mm: MmState): AnonBacking {
  return mm.zx.design === 'single' ? SINGLE_BACKING : PER_MAPPING_BACKING;
}
