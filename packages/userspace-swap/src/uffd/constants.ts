/** The UFFDIO_API version number every handshake must pass. @public */
export const UFFD_API = 0xaa;

/**
 * UFFDIO_API feature bits (`UFFD_FEATURE_*`), with Linux's values.
 *
 * @public
 */
export const UffdFeature = Object.freeze({
  PAGEFAULT_FLAG_WP: 1 << 0,
  EVENT_FORK: 1 << 1,
  EVENT_REMAP: 1 << 2,
  EVENT_REMOVE: 1 << 3,
  MISSING_HUGETLBFS: 1 << 4,
  MISSING_SHMEM: 1 << 5,
  EVENT_UNMAP: 1 << 6,
  SIGBUS: 1 << 7,
  THREAD_ID: 1 << 8,
  MINOR_HUGETLBFS: 1 << 9,
  MINOR_SHMEM: 1 << 10,
  EXACT_ADDRESS: 1 << 11,
  WP_HUGETLBFS_SHMEM: 1 << 12,
  WP_UNPOPULATED: 1 << 13,
  POISON: 1 << 14,
  WP_ASYNC: 1 << 15,
  MOVE: 1 << 16,
} as const);

/** Every feature bit the model (and Linux 6.18) knows; anything else is EINVAL. @public */
export const UFFD_API_FEATURES = 0x1ffff;

/**
 * UFFDIO_REGISTER modes.
 *
 * @public
 */
export const UffdRegisterMode = Object.freeze({ MISSING: 1 << 0, WP: 1 << 1, MINOR: 1 << 2 } as const);

/**
 * The ioctl numbers (`_UFFDIO_*`); the bigint masks UFFDIO_API and UFFDIO_REGISTER return have bit `1n << BigInt(n)`
 * for each (API is bit 63, past 2^53, hence bigint).
 *
 * @public
 */
export const UffdIoctl = Object.freeze({
  REGISTER: 0x00,
  UNREGISTER: 0x01,
  WAKE: 0x02,
  COPY: 0x03,
  ZEROPAGE: 0x04,
  MOVE: 0x05,
  WRITEPROTECT: 0x06,
  CONTINUE: 0x07,
  POISON: 0x08,
  API: 0x3f,
} as const);

/** UFFDIO_COPY modes. @public */
export const UffdCopyMode = Object.freeze({ DONTWAKE: 1 << 0, WP: 1 << 1 } as const);
/** UFFDIO_ZEROPAGE modes. @public */
export const UffdZeropageMode = Object.freeze({ DONTWAKE: 1 << 0 } as const);
/** UFFDIO_WRITEPROTECT modes. @public */
export const UffdWriteProtectMode = Object.freeze({ WP: 1 << 0, DONTWAKE: 1 << 1 } as const);
/** UFFDIO_POISON modes. @public */
export const UffdPoisonMode = Object.freeze({ DONTWAKE: 1 << 0 } as const);
/** UFFDIO_MOVE modes (Linux 6.8). @public */
export const UffdMoveMode = Object.freeze({ DONTWAKE: 1 << 0, ALLOW_SRC_HOLES: 1 << 1 } as const);

/**
 * `uffd_msg.event` codes.
 *
 * @public
 */
export const UffdEventCode = Object.freeze({
  PAGEFAULT: 0x12,
  FORK: 0x13,
  REMAP: 0x14,
  REMOVE: 0x15,
  UNMAP: 0x16,
} as const);

/**
 * `uffd_msg.arg.pagefault.flags` bits.
 *
 * @public
 */
export const UffdPagefaultFlag = Object.freeze({ WRITE: 1 << 0, WP: 1 << 1, MINOR: 1 << 2 } as const);

/**
 * userfaultfd(2) creation flags (O_CLOEXEC and O_NONBLOCK are accepted and have no effect in the model).
 *
 * @public
 */
export const UffdOpenFlag = Object.freeze({ USER_MODE_ONLY: 1, O_NONBLOCK: 0o4000, O_CLOEXEC: 0o2000000 } as const);

/** The bit an ioctl occupies in the bigint masks UFFDIO_API and UFFDIO_REGISTER return. */
export function ioctlBit(n: number): bigint {
  return 1n << BigInt(n);
}
