import type { VmoState } from './state.js';

/** The clone tree of a state's VMOs: a VMO whose parent is not among them is a root. */
export interface VmoForest {
  readonly byKoid: ReadonlyMap<number, VmoState>;
  readonly roots: readonly VmoState[];
  /** Children by parent koid, in the order the state lists them. */
  readonly children: ReadonlyMap<number, readonly VmoState[]>;
}

export function vmoForest(vmos: readonly VmoState[]): VmoForest {
  const byKoid = new Map(vmos.map((v) => [v.koid, v]));
  const children = new Map<number, VmoState[]>();
  const roots: VmoState[] = [];
  for (const v of vmos) {
    if (v.parentKoid !== 0 && byKoid.has(v.parentKoid)) children.set(v.parentKoid, [...(children.get(v.parentKoid) ?? []), v]);
    else roots.push(v);
  }
  return { byKoid, roots, children };
}
