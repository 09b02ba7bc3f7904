import { expect } from 'vitest';
import { Kernel, Process, Vmo, ZxError, statusName, type KernelOptions, type Vmar, type ZxStatus } from '../index.js';

export const PAGE = 4096;

/** Asserts that `fn` throws a ZxError with `status`. */
export function expectStatus(fn: () => unknown, status: ZxStatus): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ZxError);
    expect(statusName((e as ZxError).status)).toBe(statusName(status));
    return;
  }
  expect.fail(`expected ${statusName(status)}, but the call succeeded`);
}

export function setup(options: KernelOptions = {}): { kernel: Kernel; process: Process; root: Vmar } {
  const kernel = new Kernel(options);
  const { process, rootVmar } = Process.create(kernel.rootJob, 'test');
  return { kernel, process, root: rootVmar };
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

export function vmoWithPages(kernel: Kernel, pages: number, value?: number): Vmo {
  const vmo = Vmo.create(kernel, pages * PAGE);
  if (value !== undefined) vmo.write(filled(pages * PAGE, value), 0);
  return vmo;
}
