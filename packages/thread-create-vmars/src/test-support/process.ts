import { Kernel, Process, type Vmar, VmOptions, ZxError } from '@memsim/zircon-objects';

/** A fresh kernel with one process. */
export function newProcess(seed = 1) {
  const kernel = new Kernel({ seed });
  const { process, rootVmar } = Process.create(kernel.rootJob, 'thread-create-vmars-test');
  return { kernel, process, rootVmar };
}

/**
 * Allocates `size`-byte child VMARs in `vmar` until it is full (as the seed's `fill_vmar`), and returns a function
 * that destroys them again.
 */
export function fillVmar(vmar: Vmar, size: number): { count: number; release: () => void } {
  const children: Vmar[] = [];
  for (;;) {
    try {
      children.push(vmar.allocate(VmOptions.CAN_MAP_READ, 0, size).vmar);
    } catch (error) {
      if (error instanceof ZxError) break;
      throw error;
    }
  }
  return {
    count: children.length,
    release: () => {
      for (const child of children) {
        child.destroy();
        child.close();
      }
    },
  };
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
