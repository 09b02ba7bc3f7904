import { PAGE_SIZE, VmOptions, Vmo, ZxError, ZxStatus, type Vmar } from '@memsim/zircon-objects';
import type { ThreadCreateHandles } from './create-handles.js';

/**
 * The machine a runtime models: decides which way the security stack grows (section 6 of the spec).
 * @public
 */
export type Arch = 'x86_64' | 'arm64';

/**
 * Which of a thread's three memory blocks a region holds.
 * @public
 */
export type ThreadRegionKind = 'machine-stack' | 'security-stack' | 'thread-block';

/**
 * One block of a thread's memory: a child VMAR of `parent` at `base` holding one read/write mapping, the rest of
 * the child being guard pages.
 * @public
 */
export interface ThreadRegion {
  readonly kind: ThreadRegionKind;
  /** The (borrowed) VMAR the child was allocated in. */
  readonly parent: Vmar;
  /** The child VMAR's base and size (guards included). */
  readonly base: number;
  readonly size: number;
  /** The mapping inside the child. */
  readonly mappingBase: number;
  readonly mappingSize: number;
  /** Guard bytes below and above the mapping. */
  readonly guardBelow: number;
  readonly guardAbove: number;
  /** Koid of the VMO mapped. */
  readonly vmoKoid: number;
}

/** Sizes of one thread's memory, already page-rounded. */
export interface ThreadMemorySizes {
  readonly stackSize: number;
  readonly guardSize: number;
  readonly threadBlockSize: number;
  readonly arch: Arch;
}

const CHILD_OPTIONS = VmOptions.CAN_MAP_READ | VmOptions.CAN_MAP_WRITE | VmOptions.CAN_MAP_SPECIFIC;
const MAP_OPTIONS = VmOptions.PERM_READ | VmOptions.PERM_WRITE | VmOptions.SPECIFIC;

/**
 * Allocates the three blocks as libc's thread creation does: for each, a child VMAR of guard + size (+ guard)
 * holding one mapping of a fresh VMO, the child handle dropped afterwards. On any failure the blocks already made
 * are unmapped and the kernel's status is thrown.
 */
export function allocateThreadMemory(h: ThreadCreateHandles, s: ThreadMemorySizes): ThreadRegion[] {
  const plan: { kind: ThreadRegionKind; parent: Vmar; size: number; below: number; above: number; name: string }[] = [
    { kind: 'machine-stack', parent: h.machineStackVmar, size: s.stackSize, below: s.guardSize, above: 0, name: 'thread-stack' },
    // x86-64 SafeStack's unsafe stack grows down like the machine stack; arm64's ShadowCallStack grows up.
    s.arch === 'x86_64'
      ? { kind: 'security-stack', parent: h.securityStackVmar, size: s.stackSize, below: s.guardSize, above: 0, name: 'thread-unsafe-stack' }
      : { kind: 'security-stack', parent: h.securityStackVmar, size: s.stackSize, below: 0, above: s.guardSize, name: 'thread-shadow-call-stack' },
    { kind: 'thread-block', parent: h.threadBlockVmar, size: s.threadBlockSize, below: PAGE_SIZE, above: PAGE_SIZE, name: 'thread-block' },
  ];
  const done: ThreadRegion[] = [];
  try {
    for (const p of plan) done.push(allocateOne(p.kind, p.parent, p.size, p.below, p.above, p.name));
  } catch (e) {
    releaseThreadMemory(done);
    throw e;
  }
  return done;
}

function allocateOne(kind: ThreadRegionKind, parent: Vmar, size: number, below: number, above: number, name: string): ThreadRegion {
  const total = below + size + above;
  const { vmar: child, address } = parent.allocate(CHILD_OPTIONS, 0, total);
  try {
    using vmo = Vmo.create(parent.kernel, size);
    vmo.setName(name);
    const mappingBase = child.map(MAP_OPTIONS, below, vmo, 0, size);
    return {
      kind,
      parent,
      base: address,
      size: total,
      mappingBase,
      mappingSize: size,
      guardBelow: below,
      guardAbove: above,
      vmoKoid: vmo.koid(),
    };
  } catch (e) {
    child.destroy();
    throw e;
  } finally {
    // The child handle is dropped: the region is reachable only through its parent from now on.
    child.close();
  }
}

/**
 * Unmaps the blocks through their parents. A parent whose address space is already gone (process killed) needs
 * nothing; any other failure (the parent handle closed before the thread ended) is thrown after trying them all.
 */
export function releaseThreadMemory(regions: readonly ThreadRegion[]): void {
  let first: Error | undefined;
  for (const r of regions) {
    try {
      r.parent.unmap(r.base, r.size);
    } catch (e) {
      if (e instanceof ZxError && e.status === ZxStatus.BAD_STATE) continue;
      first ??= e instanceof Error ? e : new Error(String(e));
    }
  }
  if (first !== undefined) throw first;
}
