import type { AddressSpace, Vmar } from '@memsim/zircon-objects';
import { MappingDisposedError, MappingFaultError } from './errors.js';
import type { Region } from './view/region.js';

/**
 * A live mapping `[base, base + size)` in `vmar`, accessed as user code of the owning process would: every read and
 * write goes through the address space (permission checks, faults, copy-on-write), never through a private copy.
 */
export class MappedRegion implements Region {
  private live = true;

  constructor(
    readonly vmar: Vmar,
    readonly addressSpace: AddressSpace,
    readonly base: number,
    readonly size: number,
  ) {}

  get disposed(): boolean {
    return !this.live;
  }

  assertLive(): void {
    if (!this.live) throw new MappingDisposedError();
  }

  readAt(offset: number, into: Uint8Array): void {
    const result = this.addressSpace.read(this.base + offset, into);
    if (!result.ok) throw new MappingFaultError(result.fault);
  }

  writeAt(offset: number, data: Uint8Array): void {
    const result = this.addressSpace.write(this.base + offset, data);
    if (!result.ok) throw new MappingFaultError(result.fault);
  }

  /** Unmaps once. Errors are ignored as in the Rust crate's Drop: a dead process has already lost the mapping. */
  unmap(): void {
    if (!this.live) return;
    this.live = false;
    try {
      this.vmar.unmap(this.base, this.size);
    } catch {
      // BAD_STATE after the process or VMAR died: nothing is left to unmap.
    }
  }
}

/** The region of a zero-size view: nothing is mapped, so only liveness is tracked. */
export class EmptyRegion implements Region {
  private live = true;

  get disposed(): boolean {
    return !this.live;
  }

  assertLive(): void {
    if (!this.live) throw new MappingDisposedError();
  }

  readAt(): void {
    // Views never call this for zero-length ranges.
  }

  writeAt(): void {
    // As readAt.
  }

  unmap(): void {
    this.live = false;
  }
}
