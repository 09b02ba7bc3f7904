import { describeValue } from '../errors/describe.js';
import { LinuxErrno, UffdError } from '../errors/errno.js';
import type { ErrnoName } from '../errors/errno.js';
import type { UffdAddressSpace, UffdContextHooks, UffdVma } from './address-space.js';
import { UffdFeature, UffdMoveMode } from './constants.js';
import { kernelFeatures, validateRange } from './range.js';

// UFFDIO_MOVE (Linux 6.8, mm/userfaultfd.c move_pages): moves present anonymous pages from a source range to
// missing addresses of a destination range registered with this userfaultfd, without copying. Every rule below was
// checked against Linux 6.18 (packages/linux-probe and the differential test in starnix-mm).

/** PROT_WRITE in {@link UffdVma.access}. */
const ACCESS_WRITE = 2;

/** What a UserfaultFD lends the move: its identity (the destination must be registered with it) and its wake-up. */
export interface MoveContext {
  readonly space: UffdAddressSpace;
  readonly ctx: UffdContextHooks;
  readonly mmapChanging: number;
  readonly wake: (start: number, length: number) => void;
}

/**
 * UFFDIO_MOVE of `length` bytes from `source` to `destination` with `mode` ({@link UffdMoveMode} bits): the bytes
 * moved; UffdError otherwise, whose field is the ioctl's `move` field when Linux writes it.
 *
 * @remarks
 * Before the move (no field written): EINVAL when the kernel has no UFFDIO_MOVE (before 6.8), for a bad range or
 * unknown mode bits; ESRCH after exit. Then (field = -errno): ENOENT when no VMA contains the start of either range;
 * EAGAIN while mappings change; EINVAL when a range leaves its VMA, the VMAs differ in protection or mlock, are not
 * writable, are not private anonymous memory, or the destination is not registered with this fd. Page by page:
 * EEXIST when a destination page is present, ENOENT when a source page is missing (unless ALLOW_SRC_HOLES, which
 * counts the hole as moved), EBUSY when a source page is shared (with a fork child: Linux keeps it not exclusive
 * even after the child exits), EFAULT on a poison marker. After a page moved, a failure is EAGAIN with the bytes
 * moved. Moved pages are woken unless DONTWAKE. The source may be registered with any fd, or none.
 */
export function moveIoctl(m: MoveContext, destination: number, source: number, length: number, mode: number): number {
  const space = m.space;
  if ((kernelFeatures(space) & UffdFeature.MOVE) === 0 || space.movePage === undefined) {
    throw new UffdError('EINVAL', 'UFFDIO_MOVE: this kernel has no UFFDIO_MOVE (Linux 6.8)');
  }
  validateRange(space, destination, length);
  validateRange(space, source, length);
  const known = UffdMoveMode.DONTWAKE | UffdMoveMode.ALLOW_SRC_HOLES;
  if (!Number.isSafeInteger(mode) || mode < 0 || (mode & ~known) !== 0) {
    throw new UffdError('EINVAL', `UFFDIO_MOVE: bad mode ${describeValue(mode)}`);
  }
  if (!space.alive) throw new UffdError('ESRCH', 'UFFDIO_MOVE: the process exited');
  const moved = movePages(m, destination, source, length, (mode & UffdMoveMode.ALLOW_SRC_HOLES) !== 0);
  if (moved.done < 0) throw new UffdError(moved.errno!, `UFFDIO_MOVE failed at ${source}`, moved.done);
  if ((mode & UffdMoveMode.DONTWAKE) === 0) m.wake(destination, moved.done);
  if (moved.done !== length) {
    throw new UffdError('EAGAIN', `UFFDIO_MOVE: partial progress, ${moved.done} of ${length} bytes`, moved.done);
  }
  return moved.done;
}

function fail(errno: ErrnoName): { done: number; errno: ErrnoName } {
  return { done: -LinuxErrno[errno], errno };
}

/** The VMA containing `address`, or undefined (find_vma_and_prepare_anon). */
function vmaContaining(space: UffdAddressSpace, address: number): UffdVma | undefined {
  const v = space.vmasIn(address, address + 1)[0];
  return v !== undefined && v.start <= address ? v : undefined;
}

/** validate_move_areas. */
function movable(m: MoveContext, src: UffdVma, dst: UffdVma): boolean {
  if (src.access === undefined || dst.access === undefined || src.access !== dst.access) return false;
  if ((src.access & ACCESS_WRITE) === 0) return false;
  if (dst.uffd !== m.ctx) return false;
  return src.kind === 'anonymous' && dst.kind === 'anonymous';
}

/** move_pages: bytes moved, or a negated errno when none were. */
function movePages(m: MoveContext, dst: number, src: number, length: number, allowHoles: boolean): { done: number; errno?: ErrnoName } {
  const space = m.space;
  space.prepareAnon?.(dst);
  const dstVma = vmaContaining(space, dst);
  const srcVma = vmaContaining(space, src);
  if (dstVma === undefined || srcVma === undefined) return fail('ENOENT');
  if (m.mmapChanging > 0) return fail('EAGAIN');
  if (src + length > srcVma.end || dst + length > dstVma.end) return fail('EINVAL');
  if (!movable(m, srcVma, dstVma)) return fail('EINVAL');
  const page = space.pageSize;
  let done = 0;
  let errno: ErrnoName | undefined;
  for (; done < length; done += page) {
    // move_pages: the source's table (ENOENT without one, unless holes are allowed, which make it), then the
    // destination's, before move_pages_pte looks at either page.
    if (space.pageTable !== undefined) {
      if (!space.pageTable(src + done, allowHoles)) {
        errno = 'ENOENT';
        break;
      }
      space.pageTable(dst + done, true);
    }
    if (space.isPagePresent(dst + done) || space.hasMarker?.(dst + done) === true) {
      errno = 'EEXIST';
      break;
    }
    // move_pages_pte: a source marker is no hole (EFAULT), a destination one no missing page (EEXIST).
    if (space.hasMarker?.(src + done) === true) {
      errno = 'EFAULT';
      break;
    }
    if (!space.isPagePresent(src + done)) {
      if (allowHoles) continue;
      errno = 'ENOENT';
      break;
    }
    const refused = space.movePage!(src + done, dst + done);
    if (refused !== null) {
      errno = refused;
      break;
    }
  }
  if (done > 0 || errno === undefined) return { done };
  return fail(errno);
}
