import { VmOptions } from '../constants.js';
import type { VmoMappingRef, VmoObject } from '../vmo/vmo-object.js';
import type { MappingParent } from './mapping-parent.js';

/** PERM_READ | PERM_WRITE | PERM_EXECUTE. */
export const PERM_MASK = VmOptions.PERM_READ | VmOptions.PERM_WRITE | VmOptions.PERM_EXECUTE;

/**
 * A mapping of a VMO range into a VMAR (VmMapping). Not a kernel object: it has no handle of its own. It keeps its
 * VMO alive while it exists.
 */
export class Mapping implements VmoMappingRef {
  // Fields in the order hot paths read them (address lookups, protect): they share the object's first cache line.
  base: number;
  size: number;
  /** Current PERM_* bits. */
  perms: number;
  /** PERM_* bits protect can never exceed (fixed at map time). */
  readonly maxPerms: number;
  readonly parent: MappingParent;
  readonly vmo: VmoObject;
  vmoOffset: number;
  readonly allowFaults: boolean;
  high = false;
  readonly kind = 'mapping' as const;
  prevOnVmo: VmoMappingRef | null = null;
  nextOnVmo: VmoMappingRef | null = null;
  onVmo = false;

  constructor(parent: MappingParent, base: number, size: number, vmo: VmoObject, vmoOffset: number, perms: number, maxPerms: number, allowFaults: boolean) {
    this.parent = parent;
    this.base = base;
    this.size = size;
    this.vmo = vmo;
    this.vmoOffset = vmoOffset;
    this.perms = perms;
    this.maxPerms = maxPerms;
    this.allowFaults = allowFaults;
    this.high = parent.high;
    vmo.addMapping(this);
  }

  get end(): number {
    return this.base + this.size;
  }

  aspaceKoid(): number {
    return this.parent.owner.koid;
  }

  /** A new mapping for [base, base + size) of this one, with the same VMO and limits. */
  slice(base: number, size: number): Mapping {
    return new Mapping(this.parent, base, size, this.vmo, this.vmoOffset + (base - this.base), this.perms, this.maxPerms, this.allowFaults);
  }

  /** Drops the VMO reference. */
  release(): void {
    this.vmo.removeMapping(this);
  }

  setHigh(high: boolean): void {
    if (high === this.high) return;
    // The VMO's node counts HIGH mappings: it is what reclamation checks.
    if (this.onVmo) this.vmo.node.highMappings += high ? 1 : -1;
    this.high = high;
  }
}
