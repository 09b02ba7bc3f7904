import { Kernel, Process } from '@memsim/zircon-objects';

/** A fresh kernel with one process: the root VMAR and address space the mappings go into. */
export function newProcess(seed = 1) {
  const kernel = new Kernel({ seed });
  const { process, rootVmar } = Process.create(kernel.rootJob, 'mapped-vmo-test');
  return { kernel, process, rootVmar, target: { rootVmar, addressSpace: process.addressSpace } };
}

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The kernel status carried as `cause` by the error `fn` throws. */
export function causeStatus(fn: () => unknown): unknown {
  const error = thrown(fn) as { cause?: { status?: unknown } };
  return error.cause?.status;
}
