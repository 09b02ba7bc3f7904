import { Kernel, Process } from '@memsim/zircon-objects';

/** A fresh kernel with one process: the root VMAR and address space the mappings go into. */
export function newProcess(seed = 1) {
  const kernel = new Kernel({ seed });
  const { process, rootVmar } = Process.create(kernel.rootJob, 'mapped-vmo-test');
  return { kernel, process, rootVmar, target: { rootVmar, addressSpace: process.addressSpace } };
}
