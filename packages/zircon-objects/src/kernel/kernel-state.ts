import type { CowNode } from '../vmo/cow-node.js';
import type { KernelContext } from './kernel-context.js';
import type { PhysicalMemory } from './physical-memory.js';

/** Something reclamation can discard (an unlocked discardable VMO). */
export interface Discardable {
  tryDiscard(): number;
  isProtected(): boolean;
}

/** A kernel's internal state, reached through {@link internals} so none of it shows in the public API. */
export interface KernelState {
  readonly mem: PhysicalMemory;
  /** Every live copy-on-write node, oldest first (reclamation order). */
  readonly nodes: Set<CowNode>;
  /** Every live discardable VMO, oldest first. */
  readonly discardables: Set<Discardable>;
  /** Zircon syscalls made on the kernel, indexed as `ZX_SYSCALLS` (see syscalls.ts). */
  readonly calls: Float64Array;
}

export function internals(kernel: KernelContext): KernelState {
  return kernel._internal as KernelState;
}
