import { Kernel, type KernelOptions } from '@memsim/zircon-objects';
import { ErrnoError } from '../errno/errno.js';
import { MemoryManager, type MemoryManagerOptions } from '../mm/memory-manager.js';
import { MapFlags, Prot } from '../abi/constants.js';
import type { AnonBackingDesign } from '../mm/anon-backing/design.js';

export const P = 4096;
export const W = 0x1000_0000_0000;
export const RW = Prot.READ | Prot.WRITE;
export const PA = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
export const SA = MapFlags.SHARED | MapFlags.ANONYMOUS;
export const FIX = MapFlags.FIXED;

/**
 * The private anonymous backing the test helpers create address spaces with: 'single' unless the environment
 * variable MEMSIM_TEST_ANON_BACKING says 'per-mapping' (the differential suites run once per design this way; see
 * docs/testing.md). Only test helpers read it; the library's default is always 'single'.
 */
export function testDesign(): AnonBackingDesign {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.MEMSIM_TEST_ANON_BACKING === 'per-mapping' ? 'per-mapping' : 'single';
}

export function newMm(options: MemoryManagerOptions = {}, kernel: KernelOptions = {}): MemoryManager {
  return MemoryManager.create(new Kernel({ seed: 7, ...kernel }), { anonymousBacking: testDesign(), ...options });
}

/** The errno name a call throws, or 'ok'. */
export function errno(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

export function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

/** Reads user memory and expects success. */
export function peek(mm: MemoryManager, addr: number, len: number): Uint8Array {
  const r = mm.read(addr, len);
  if (!r.ok) throw new Error(`fault ${r.fault.signal} ${r.fault.code} at ${r.fault.address.toString(16)}`);
  return r.data as Uint8Array;
}

export function poke(mm: MemoryManager, addr: number, data: Uint8Array): void {
  const r = mm.write(addr, data);
  if (!r.ok) throw new Error(`fault ${r.fault.signal} ${r.fault.code} at ${r.fault.address.toString(16)}`);
}

/** The /proc/pid/maps lines inside [W, W + 1 GiB), addresses relative to W. */
export function windowMaps(mm: MemoryManager): string[] {
  return mm
    .maps()
    .split('\n')
    .filter((l) => l.startsWith('1000'))
    .map((l) => {
      const [range = '', ...rest] = l.split(' ');
      const [s = '0', e = '0'] = range.split('-');
      return `${(parseInt(s, 16) - W).toString(16)}-${(parseInt(e, 16) - W).toString(16)} ${rest.join(' ').trim()}`;
    });
}
