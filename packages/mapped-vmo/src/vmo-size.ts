import { Handle, Vmo, ZxError, ZxStatus } from '@memsim/zircon-objects';
import { GetVmoSizeError } from './errors.js';

/** `zx_vmo_get_size`, with a non-VMO argument reported as the syscall would (BAD_HANDLE / WRONG_TYPE). */
export function vmoSize(vmo: unknown): number | bigint {
  // The model's sizes are numbers; the bigint case is what a 64-bit kernel could report.
  try {
    if (!(vmo instanceof Vmo)) {
      throw new ZxError(vmo instanceof Handle ? ZxStatus.WRONG_TYPE : ZxStatus.BAD_HANDLE, 'not a VMO handle');
    }
    return vmo.getSize();
  } catch (error) {
    throw error instanceof ZxError ? new GetVmoSizeError(error) : error;
  }
}

/** True for a size a JavaScript number indexes exactly. */
export function isSafeSize(size: number | bigint): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size);
}
