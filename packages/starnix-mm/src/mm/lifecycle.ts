/**
 * Birth and death of an address space (gVisor's lifecycle.go): a new state with its initial [stack] VMA, and the
 * teardown exec and dispose do.
 */
import { PAGE, VM } from '../abi/constants.js';
import type { Kernel } from '@memsim/zircon-objects';
import { MmState } from './state.js';
import type { Counters, MemoryManagerOptions } from './types.js';
import { insert, newAnonVma, newVma } from './vma-ops.js';
import { backingOf } from './anon-backing/select.js';

/** A new address space: the state, plus the initial 132 KiB MAP_GROWSDOWN [stack] VMA unless options.stack is false. */
export function createState(kernel: Kernel, options: MemoryManagerOptions, counters: Counters): MmState {
  const mm = new MmState(kernel, options, counters);
  if (options.stack ?? true) {
    // MmState placed the stack: startStack is 0x100 below its top.
    const stackTop = mm.startStack + 0x100;
    const v = newVma(mm, stackTop - 0x21000, stackTop, VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.GROWSDOWN | VM.ACCOUNT, backingOf(mm).create(mm, stackTop - 0x21000, stackTop), (stackTop - 0x21000) / PAGE);
    v.anonVma = newAnonVma(mm);
    insert(mm, v);
  }
  return mm;
}

/** Tears the address space down: pins released, the user VMAR destroyed. Calls on it then fail with ESRCH. */
export function dispose(mm: MmState): void {
  if (mm.disposed) return;
  mm.disposed = true;
  mm.droppableWatch?.[Symbol.dispose]();
  mm.droppableWatch = null;
  for (const p of mm.pins) p.mapping[Symbol.dispose]();
  mm.pins = [];
  mm.zx.destroy();
}
