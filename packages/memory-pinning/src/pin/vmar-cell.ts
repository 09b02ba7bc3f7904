import type { Vmar } from '@memsim/zircon-objects';

/**
 * The shadow VMAR as pins see it: the `Weak<zx::Vmar>` of the Rust original. It empties when the shadow process
 * goes, so later unpins do nothing; its identity is what pins compare.
 */
export class VmarCell {
  vmar: Vmar | null;
  constructor(vmar: Vmar) {
    this.vmar = vmar;
  }
}
