import type { KernelContext } from './kernel-context.js';
import type { KernelState } from './kernel-state.js';

export { Sys } from './syscall-names.js';

/**
 * Counts one call of syscall `sys` (an index from {@link Sys}) on `kernel`: one typed-array increment, no
 * allocation. Called at each API's entry, before any check, so a failing call counts too.
 */
export function countCall(kernel: KernelContext, sys: number): void {
  (kernel._internal as KernelState).calls[sys]++;
}
