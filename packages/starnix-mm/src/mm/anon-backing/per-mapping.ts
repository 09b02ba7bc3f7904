/**
 * The 'per-mapping' design: Starnix's memory manager before alternate_anon_allocs, the design of seed 004's
 * "Unmap and remap" example. Each private anonymous mmap gets its own resizable VMO (create_anonymous_mapping_vmo:
 * ZX_VMO_RESIZABLE, named "starnix-anon", replaced as executable). Pieces of one mapping made by mprotect, madvise
 * or mlock keep sharing it. When munmap cuts a mapping, the part above the hole moves to a SNAPSHOT | RESIZABLE
 * child of the VMO covering just that part, and the VMO is resized down to end where the part below the hole ends;
 * pages of the unmapped range stay in the VMO until it is closed. mremap grows a mapping in place by resizing its VMO
 * (and zeroing the new pages), fork gives the child one snapshot child per VMO (a fresh VMO for WIPEONFORK).
 *
 * What Linux programs then see that Linux would not show them is listed in docs/architecture.md
 * ("Per-mapping differences"); the model reproduces it rather than hiding it.
 */
import { PAGE, VM } from '../../abi/constants.js';
import { fail } from '../../errno/errno.js';
import type { AnonObject, Backing, Vma } from '../../vma/vma.js';
import type { MmState } from '../state.js';
import type { AnonBacking } from './backing.js';
import { Vmo, VmoChildOptions, VmoOp, VmoOptions, ZxError } from '@memsim/zircon-objects';

/** The name Starnix gave the VMO of a private anonymous mapping. */
export const PER_MAPPING_VMO_NAME = 'starnix-anon';

/** The VMO offset of `addr` in `v`, whose backing is `obj`. */
export function anonOffset(v: Vma, obj: AnonObject, addr: number): number {
  return (v.pgoff - obj.pgBase) * PAGE + (addr - v.start);
}

function objOf(v: Vma): AnonObject | undefined {
  return v.backing.kind === 'anon' ? v.backing.obj : undefined;
}

/** Runs a Zircon call that can fail for lack of memory; Starnix turns NO_MEMORY and OUT_OF_RANGE into ENOMEM. */
function zx<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ZxError) fail('ENOMEM', `per-mapping anonymous VMO: ${e.message}`);
    throw e;
  }
}

function register(mm: MmState, vmo: Vmo, pgBase: number): AnonObject {
  // The koid from ZX_INFO_HANDLE_BASIC (what Starnix's get_koid asks), not ZX_INFO_VMO, whose committed and
  // populated counts cost the pages a snapshot child sees (fork of a large mapping).
  const obj: AnonObject = { vmo, pgBase, id: vmo.basicInfo().koid, refs: 0 };
  mm.zx.anonObjects.add(obj);
  mm.tree.noteNew(obj);
  return obj;
}

function newObject(mm: MmState, size: number, pgBase: number): AnonObject {
  const vmo = zx(() => Vmo.create(mm.kernel, size, VmoOptions.RESIZABLE).replaceAsExecutable());
  vmo.setName(PER_MAPPING_VMO_NAME);
  return register(mm, vmo, pgBase);
}

/** A SNAPSHOT | RESIZABLE child of `obj` covering [offset, offset + len), as Starnix's munmap and fork make them. */
function childObject(mm: MmState, obj: AnonObject, offset: number, len: number, pgBase: number): AnonObject {
  const vmo = zx(() => obj.vmo.createChild(VmoChildOptions.SNAPSHOT | VmoChildOptions.RESIZABLE, offset, len).replaceAsExecutable());
  return register(mm, vmo, pgBase);
}

/** Zeroes [start, end) of `v` in its VMO, as far as the VMO reaches. */
function zeroIn(v: Vma, start: number, end: number): void {
  const obj = objOf(v);
  if (!obj || end <= start) return;
  const from = anonOffset(v, obj, start);
  const to = Math.min(anonOffset(v, obj, end), obj.vmo.getSize());
  if (to > from) obj.vmo.opRange(VmoOp.ZERO, from, to - from);
}

/** The per-mapping design; its objects live in `mm.zx.anonObjects`. */
export const PER_MAPPING_BACKING: AnonBacking = Object.freeze({
  design: 'per-mapping' as const,
  movesPages: false,
  create(mm: MmState, start: number, end: number): Backing {
    return { kind: 'anon', obj: newObject(mm, end - start, start / PAGE) };
  },
  zero(mm: MmState, v: Vma | undefined, start: number, end: number): void {
    if (v) return zeroIn(v, start, end);
    for (const u of mm.tree.range(start, end)) zeroIn(u, Math.max(start, u.start), Math.min(end, u.end));
  },
  release(): void {
    // Starnix only unmaps: the pages stay in the VMO until the VMO is resized or its last handle goes.
  },
  unmapping(mm: MmState, start: number, end: number, first: Vma): (() => void) | undefined {
    // The mapping cut at its top (the part below the hole stays) and the one cut at its bottom.
    const head = first.start < start && objOf(first) ? first : undefined;
    const last = mm.tree.find(end);
    const tail = last && last.start < end && objOf(last) ? last : undefined;
    if (!head && !tail) return undefined;
    const headObj = head && objOf(head);
    const headSize = head && headObj ? anonOffset(head, headObj, start) : 0;
    const tailObj = tail && objOf(tail);
    const tailOffset = tail && tailObj ? anonOffset(tail, tailObj, end) : 0;
    return () => {
      if (tailObj) {
        // The part above the hole: a snapshot child covering it, mapped in place of the old VMO.
        const hi = mm.tree.find(end) as Vma;
        const child = childObject(mm, tailObj, tailOffset, hi.end - hi.start, hi.pgoff);
        mm.tree.setBacking(hi, { kind: 'anon', obj: child });
        mm.zx.map(hi);
      }
      // The part below: the VMO now ends where it does.
      if (headObj) zx(() => headObj.vmo.setSize(headSize));
    };
  },
  grown(mm: MmState, v: Vma, newEnd: number): number {
    const obj = objOf(v);
    if (!obj) return v.end;
    const oldOff = anonOffset(v, obj, v.end);
    const size = anonOffset(v, obj, newEnd);
    zx(() => obj.vmo.setSize(size));
    // Starnix zeroes the grown part, in case an earlier shrink left pages there.
    obj.vmo.opRange(VmoOp.ZERO, oldOff, size - oldOff);
    // try_remap_in_place maps the whole grown mapping again (SPECIFIC_OVERWRITE from its start): one Zircon mapping.
    return v.start;
  },
  growsDownSeparately(mm: MmState, v: Vma, to: number): Vma | undefined {
    if (!objOf(v)) return undefined;
    // extend_growsdown_mapping_to_address: a new mapping with a VMO of its own below the old one.
    const pgoff = v.pgoff - (v.start - to) / PAGE;
    const obj = newObject(mm, v.start - to, pgoff);
    return { ...v, start: to, end: v.start, pgoff, backing: { kind: 'anon', obj }, uffd: v.uffd };
  },
  moved(mm: MmState, v: Vma, nv: Vma, addr: number, oldLen: number, newLen: number): void {
    const obj = objOf(v);
    if (!obj) return;
    // remap_move: the destination maps a SNAPSHOT | RESIZABLE child of the moved range created at the new length
    // (Zircon reads zeros past the parent's end), so unmapping or shrinking the source afterwards cannot touch it;
    // a growing move then zeroes the pages past the old length, which may still show the parent's.
    const child = childObject(mm, obj, anonOffset(v, obj, addr), newLen, nv.pgoff);
    if (newLen > oldLen) child.vmo.opRange(VmoOp.ZERO, oldLen, newLen - oldLen);
    nv.backing = { kind: 'anon', obj: child };
  },
  forkInto(parent: MmState, child: MmState): (v: Vma, nv: Vma) => void {
    const clones = new Map<AnonObject, AnonObject>();
    return (v: Vma, nv: Vma): void => {
      const obj = objOf(v);
      if (!obj) return;
      let c: AnonObject | undefined;
      if (v.flags & VM.WIPEONFORK) {
        // A fresh VMO as large as the parent's.
        c = newObject(child, obj.vmo.getSize(), obj.pgBase);
      } else {
        c = clones.get(obj);
        if (!c) {
          c = childObject(child, obj, 0, obj.vmo.getSize(), obj.pgBase);
          clones.set(obj, c);
        }
      }
      nv.backing = { kind: 'anon', obj: c };
    };
  },
  present(_mm: MmState, v: Vma, page: number): boolean {
    const obj = objOf(v) as AnonObject;
    const off = anonOffset(v, obj, page);
    return off + PAGE <= obj.vmo.getSize() && obj.vmo.pageState(off) !== 'absent';
  },
  vmos(mm: MmState): Vmo[] {
    return [...mm.zx.anonObjects].map((o) => o.vmo);
  },
  sweep(mm: MmState): void {
    // Only the VMOs whose last VMA left during the call are looked at (the tree counts each VMO's VMAs).
    const objs = mm.zx.anonObjects;
    for (const o of mm.tree.takeOrphans()) {
      if (o.refs > 0 || !objs.has(o)) continue;
      objs.delete(o);
      o.vmo.close();
    }
  },
  destroy(mm: MmState): void {
    for (const o of mm.zx.anonObjects) o.vmo.close();
    mm.zx.anonObjects.clear();
  },
});
