import { Namespace, Runtime } from '@memsim/fuchsia-runtime';
import { RoleManagerServer } from '@memsim/scheduler-roles';
import { Kernel, type KernelOptions } from '@memsim/zircon-objects';
import type { PinLogger } from '../index.js';

/** A logger that keeps what it is told. */
export function recordingLogger(): PinLogger & { entries: { message: string; fields: Readonly<Record<string, unknown>> }[] } {
  const entries: { message: string; fields: Readonly<Record<string, unknown>> }[] = [];
  return { entries, warn: (message, fields) => void entries.push({ message, fields }) };
}

/** A kernel and a component runtime, with or without a RoleManager in its namespace. */
export function world(opts: { roleManager: boolean; kernel?: KernelOptions }): { kernel: Kernel; rt: Runtime; server: RoleManagerServer } {
  const kernel = new Kernel(opts.kernel);
  const namespace = new Namespace();
  const server = new RoleManagerServer();
  if (opts.roleManager) server.offerIn(namespace);
  return { kernel, rt: Runtime.create(kernel, { name: 'starnix_kernel', namespace }), server };
}
