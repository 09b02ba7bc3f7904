/**
 * The private anonymous pages fork left shared in one address space (not PageAnonExclusive: pagemap clears bit 56,
 * UFFDIO_MOVE refuses them with EBUSY), kept without looking at a single page at fork time.
 *
 * A page is fork-shared when it was present at a fork (in a VMA the child got a copy of) and nothing has written it,
 * freed it or put a page there since. Rather than listing the pages present at each fork (which made fork cost
 * its committed pages), this keeps the address ranges the forks covered and the pages of those ranges that stopped
 * being shared since: a page of the ranges that nothing has touched since the fork is still exactly as present as
 * it was then, so "present now" (asked of the VMO by the caller, pages.ts) stands in for "present at the fork".
 * Every change of a page's presence in the ranges must therefore go through `unshare` (a write, a commit, a page
 * moved in) or `forget` (the range freed or unmapped).
 */
import { PAGE } from '../abi/constants.js';
import { GuardSet } from './guard-set.js';

/** The fork-shared pages of one address space, as ranges and the pages taken out of them since. */
export class ForkShared {
  /** The ranges of the VMAs copied at forks, as far as nothing freed or unmapped them since. */
  readonly #ranges = new GuardSet();
  /** Pages of #ranges written (or given a page by other means) since the fork that covered them. */
  readonly #unshared = new Set<number>();

  /** Whether any fork left ranges here (when not, no page is shared and `unshare` has nothing to do). */
  get active(): boolean {
    return this.#ranges.size !== 0;
  }

  /** Whether page `page` lies in a forked range and was not touched since; shared if it is also present. */
  covers(page: number): boolean {
    return this.#ranges.size !== 0 && this.#ranges.has(page) && !this.#unshared.has(page);
  }

  /** Page `page` is this process's own from now on (written, committed, or given a page by a move or copy). */
  unshare(page: number): void {
    if (this.#ranges.size !== 0 && this.#ranges.has(page)) this.#unshared.add(page);
  }

  /** [start, end) no longer holds fork-shared pages (zapped, freed or unmapped). */
  forget(start: number, end: number): void {
    if (this.#ranges.size === 0) return;
    this.#ranges.remove(start, end);
    const set = this.#unshared;
    if (set.size === 0) return;
    if (this.#ranges.size === 0) return set.clear();
    if (set.size < (end - start) / PAGE) {
      for (const p of set) if (p >= start && p < end) set.delete(p);
    } else for (let p = start; p < end; p += PAGE) set.delete(p);
  }

  /**
   * A fork copied `ranges` (the child's, or the parent's side of it): every page present there now is shared.
   * Costs the ranges and the pages unshared since the last fork, not the pages present.
   */
  share(ranges: GuardSet): void {
    if (ranges.size === 0) return;
    if (this.#unshared.size !== 0) for (const p of this.#unshared) if (ranges.has(p)) this.#unshared.delete(p);
    this.#ranges.addAll(ranges);
  }

  /** mremap moved [from, from + len) to `to`: its fork-shared pages are shared at their new address. */
  move(from: number, len: number, to: number): void {
    if (this.#ranges.size === 0) return;
    const ranges = this.#ranges.rangesIn(from, from + len);
    if (ranges.length === 0) return;
    const unshared = this.#unshared.size === 0 ? [] : [...this.#unshared].filter((p) => p >= from && p < from + len);
    this.forget(to, to + len);
    for (const [s, e] of ranges) this.#ranges.add(to + (s - from), to + (e - from));
    for (const p of unshared) this.#unshared.add(to + (p - from));
  }

  /** The forked ranges, in order (validate checks they lie in private anonymous VMAs). */
  ranges(): Array<[number, number]> {
    return this.#ranges.ranges();
  }
}
