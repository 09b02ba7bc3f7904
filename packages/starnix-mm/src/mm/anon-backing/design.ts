/**
 * The names of Starnix's two designs for private anonymous memory and what the memory manager reports of their
 * VMOs (kept apart from backing.ts so the Zircon space can name the design without importing the state).
 */

/**
 * Which of Starnix's two designs backs private anonymous memory (see docs/architecture.md).
 *
 * @public
 */
export type AnonBackingDesign = 'single' | 'per-mapping';

/**
 * One private anonymous VMO of an address space, as `MemoryManager.anonVmos()` lists it.
 *
 * @public
 */
export interface AnonVmoInfo {
  readonly koid: number;
  readonly name: string;
  readonly size: number;
  readonly committedBytes: number;
  /** Koid of the VMO it is a snapshot child of, if that parent is still alive. */
  readonly parentKoid: number | null;
  /** How many clone levels sit above it (0 for a VMO created with zx_vmo_create). */
  readonly depth: number;
}

/** Parses the option; the default is 'single', today's Starnix. */
export function checkAnonBacking(v: unknown): AnonBackingDesign {
  if (v === undefined) return 'single';
  if (v !== 'single' && v !== 'per-mapping') throw new TypeError("options.anonymousBacking must be 'single' or 'per-mapping'");
  return v;
}
