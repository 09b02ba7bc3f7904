import type { KernelState } from '../kernel/kernel-state.js';
import { isCompressed } from '../kernel/physical-memory.js';
import type { CowNode } from './cow-node.js';

/**
 * Checks a kernel's copy-on-write forest (Zircon's VmCowPages DebugValidate, for tests): every page held by a node
 * must be reachable by a live VMO, and the pages held by nodes must be exactly the pages physical memory counts.
 * Returns one line per problem; empty when the forest is consistent. Costs O(nodes x pages): tests only.
 *
 * Reachability: a leaf (a root or snapshot VMO's content) with live viewers sees its whole size, because a slice or
 * reference keeps its parent's content alive (as Zircon's slice keeps the parent's VmCowPages). A page of a hidden
 * node is reachable when some leaf below reads through to it.
 */
export function auditCowPages(state: KernelState): string[] {
  const problems: string[] = [];
  const ids = new Map<CowNode, number>();
  for (const n of state.nodes) ids.set(n, ids.size);
  const name = (n: CowNode): string => `${n.hidden ? 'hidden' : 'leaf'} node #${ids.get(n) ?? '?'}`;
  const reachable = new Map<CowNode, Set<number>>();
  let held = 0;
  for (const n of state.nodes) {
    reachable.set(n, new Set());
    for (const v of n.pages.values()) if (v >= 0 || isCompressed(v)) held++;
    if (n.hidden) {
      if (n.left === null || n.right === null) problems.push(`${name(n)} has fewer than two children and did not merge`);
      continue;
    }
    if (n.viewers <= 0) problems.push(`${name(n)} has no viewer but was not destroyed`);
  }
  for (const leaf of state.nodes) {
    if (leaf.hidden || leaf.viewers <= 0) continue;
    for (let i = 0; i < leaf.sizePages; i++) {
      let n: CowNode = leaf;
      let idx = i;
      for (;;) {
        if (n.pages.has(idx)) {
          reachable.get(n)?.add(idx);
          break;
        }
        if (n.parent === null || idx >= n.parentLimit) break;
        idx += n.parentOffset;
        n = n.parent;
      }
    }
  }
  for (const n of state.nodes) {
    const seen = reachable.get(n) as Set<number>;
    for (const [i, v] of n.pages) {
      if ((v >= 0 || isCompressed(v)) && !seen.has(i)) problems.push(`${name(n)} holds page ${i}, which no live VMO can reach`);
    }
  }
  const counted = state.mem.usedFrames() + state.mem.compressedPages();
  if (counted !== held) problems.push(`physical memory counts ${counted} pages but the nodes hold ${held}`);
  return problems;
}
