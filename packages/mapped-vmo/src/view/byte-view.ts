import { MappedVmoArgumentError } from '../errors.js';
import { byteArg, integerArg, relativeIndex } from './indices.js';
import { ReadonlyByteView } from './readonly-byte-view.js';

/**
 * A read/write window onto mapped memory. Writes go through the process address space, so they land in the VMO and
 * show in `vmo.read` (and writes to the VMO show here).
 * @public
 */
export class ByteView extends ReadonlyByteView {
  /** Stores `value` (an integer 0..255, never wrapped) at `index` (negative counts from the end). */
  set(index: number, value: number): void {
    const i = integerArg(index, 'index');
    const resolved = i < 0 ? this.length + i : i;
    if (resolved < 0 || resolved >= this.length) {
      throw new MappedVmoArgumentError(`index ${i} is outside a view of ${this.length} bytes`);
    }
    this.writeRange(resolved, Uint8Array.of(byteArg(value, 'value')));
  }

  /** Copies `data` into the view at `offset`; throws if it does not fit. */
  write(data: Uint8Array | readonly number[], offset = 0): void {
    const at = integerArg(offset, 'offset');
    if (!(data instanceof Uint8Array) && !Array.isArray(data)) {
      throw new MappedVmoArgumentError('data must be a Uint8Array or an array of bytes');
    }
    const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data, (v, i) => byteArg(v, `data[${i}]`));
    if (at < 0 || at > this.length || this.length - at < bytes.length) {
      throw new MappedVmoArgumentError(`${bytes.length} bytes at offset ${at} do not fit in ${this.length} bytes`);
    }
    this.writeRange(at, bytes);
  }

  /** Sets `[begin, end)` to `value` (relative indices as in `Uint8Array.fill`). */
  fill(value: number, begin?: number, end?: number): this {
    const byte = byteArg(value, 'value');
    const from = relativeIndex(begin, this.length, 0, 'begin');
    const to = relativeIndex(end, this.length, this.length, 'end');
    if (to > from) this.writeRange(from, new Uint8Array(to - from).fill(byte));
    return this;
  }

  /** A writable view of `[begin, end)` sharing this view's memory. */
  override subarray(begin?: number, end?: number): ByteView {
    return this.derive((region, start, length) => new ByteView(region, start, length), begin, end);
  }
}
