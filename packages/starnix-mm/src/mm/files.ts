/**
 * The open-file table the memory manager maps files from (open, memfd_create, close, ftruncate).
 */
import { type SysInt, i32, u64 } from '../abi/args.js';
import { fail } from '../errno/errno.js';
import { MemFile } from '../files/mem-file.js';
import { checkDescription } from './common.js';
import type { MmState } from './state.js';
import { type FileDescription } from './types.js';

// ---------------------------------------------------------------------------------------------------------
// Files

/** Opens `file` with an access mode, returning an fd for mmap. */
export function open(mm: MmState, file: MemFile, mode: 'RDONLY' | 'WRONLY' | 'RDWR'): number {
  checkDescription({ file, readable: true, writable: true }, 'open');
  if (mode !== 'RDONLY' && mode !== 'WRONLY' && mode !== 'RDWR') throw new TypeError("open: mode must be 'RDONLY', 'WRONLY' or 'RDWR'");
  let fd = 3;
  while (mm.fds.has(fd)) fd++;
  mm.fds.set(fd, { file, readable: mode !== 'WRONLY', writable: mode !== 'RDONLY' });
  return fd;
}

/** memfd_create: a new in-memory file opened read-write. */
export function memfdCreate(mm: MmState, name: string, size = 0): number {
  if (typeof name !== 'string') throw new TypeError('memfdCreate: name must be a string');
  // MFD_NAME_MAX_LEN: NAME_MAX less the "memfd:" prefix, counted in bytes.
  if (new TextEncoder().encode(name).length > 249) fail('EINVAL', 'memfd name longer than 249 bytes');
  const file = new MemFile(mm.kernel, `/memfd:${name} (deleted)`, { size, inode: mm.counters.nextInode++ });
  return open(mm, file, 'RDWR');
}

/** The description behind an fd (EBADF if none). */
export function fdDescription(mm: MmState, fd: SysInt): FileDescription {
  const d = mm.fds.get(i32(fd, 'fd'));
  if (!d) fail('EBADF');
  return d;
}

/** Installs an existing description at a specific fd number (dup2-like; used when mirroring fd tables). */
export function adoptFd(mm: MmState, fd: number, desc: FileDescription): void {
  // As dup2: a target fd that is not a valid descriptor number is EBADF.
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) fail('EBADF', 'fd out of range');
  checkDescription(desc, 'adoptFd');
  mm.fds.set(fd, desc);
}

export function close(mm: MmState, fd: SysInt): void {
  if (!mm.fds.delete(i32(fd, 'fd'))) fail('EBADF');
}

/** ftruncate on an fd. */
export function ftruncate(mm: MmState, fd: SysInt, size: SysInt): void {
  const d = fdDescription(mm, fd);
  const s = u64(size, 'size');
  if (s >= 1n << 63n) fail('EINVAL');
  if (!d.writable) fail('EINVAL');
  d.file.truncate(Number(s > 2n ** 50n ? 2n ** 50n : s));
}
