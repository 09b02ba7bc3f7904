import type { CowNode } from '../vmo/cow-node.js';
import type { Discardable, Kernel } from './kernel.js';
import type { PhysicalMemory } from './physical-memory.js';

/** A kernel's internal state, reached through {@link internals} so none of it shows in the public API. */
export interface KernelState {
  readonly mem: PhysicalMemory;
  /** Every live copy-on-write node, oldest first (reclamation order). */
  readonly nodes: Set<CowNode>;
  /** Every live discardable VMO, oldest first. */
  readonly discardables: Set<Discardable>;
}

export function internals(kernel: Kernel): KernelState {
  return kernel._internal as KernelState;
}
