/**
 * The on-disk layout of one swap record, versioned: seal (compress, encrypt, checksum) and open (verify, decrypt,
 * decompress). Format 1 (the first) and format 2 (now written) both open; any other version is refused by name.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { SwapError } from '../errors/swap-error.js';
import { codecById, CodecId, type SwapCodec } from './codec/swap-codec.js';

const MAGIC = 0x4d535752; // "MSWR"
/**
 * Record format versions. 1: body always zlib (deflate), bytes 5-7 reserved (zero). 2 (written now): byte 5 names the
 * codec (CodecId), bytes 6-7 reserved. Both read; any other version is refused by name.
 */
export const VERSION = 2;
export const VERSION_DEFLATE_ONLY = 1;
// magic u32, version u8, codec u8, 2 reserved, id u64, plain length u32, cipher length u32 | crc32 u32, nonce 12, tag 16
const AAD_BYTES = 24;
export const HEADER_BYTES = AAD_BYTES + 4 + 12 + 16;

/**
 * Builds one record: header, then `data` compressed by `codec` and encrypted (AES-256-GCM under `key`, the header's
 * first {@link AAD_BYTES} authenticated), in one buffer.
 */
export function sealRecord(key: Buffer, nonce: Buffer, id: number, codec: SwapCodec, data: Uint8Array): Buffer {
  const compressed = codec.compress(data);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const record = Buffer.allocUnsafe(HEADER_BYTES + compressed.byteLength);
  record.writeUInt32LE(MAGIC, 0);
  record.writeUInt8(VERSION, 4);
  record.writeUInt8(codec.id, 5);
  record.writeUInt16LE(0, 6);
  record.writeBigUInt64LE(BigInt(id), 8);
  record.writeUInt32LE(data.byteLength, 16);
  record.writeUInt32LE(compressed.byteLength, 20);
  cipher.setAAD(record.subarray(0, AAD_BYTES));
  // AES-GCM is a stream mode: the ciphertext is as long as the plaintext, and final() adds nothing.
  const n = cipher.update(compressed).copy(record, HEADER_BYTES);
  cipher.final().copy(record, HEADER_BYTES + n);
  const body = record.subarray(HEADER_BYTES);
  record.writeUInt32LE(crc32(body), AAD_BYTES);
  nonce.copy(record, AAD_BYTES + 4);
  cipher.getAuthTag().copy(record, AAD_BYTES + 16);
  return record;
}

/**
 * Verifies and opens a record of format 1 or 2 (header, CRC, authentication tag, lengths) and returns its plaintext;
 * throws {@link SwapError} `CORRUPT_RECORD` otherwise, naming an unknown format version or codec. The plaintext may be
 * decoded into `into` and be a view of it (see {@link SwapCodec.decompress}).
 */
export function openRecord(key: Buffer, record: Buffer, id: number, plainLength: number, decoders: Map<number, SwapCodec>, into?: Uint8Array): Uint8Array {
  const corrupt = (why: string, cause?: unknown): SwapError =>
    new SwapError('CORRUPT_RECORD', `record ${id}: ${why}`, cause === undefined ? undefined : { cause });
  if (record.byteLength < HEADER_BYTES || record.readUInt32LE(0) !== MAGIC) throw corrupt('bad magic');
  const version = record.readUInt8(4);
  let codec: SwapCodec | null;
  if (version === VERSION_DEFLATE_ONLY) {
    if (record.readUIntLE(5, 3) !== 0) throw corrupt('bad magic');
    codec = codecById(CodecId.deflate, decoders);
  } else if (version === VERSION) {
    if (record.readUInt16LE(6) !== 0) throw corrupt('bad magic');
    codec = codecById(record.readUInt8(5), decoders);
    if (codec === null) throw corrupt(`unknown codec id ${record.readUInt8(5)} (format version ${version})`);
  } else {
    throw corrupt(`unsupported record format version ${version} (this build reads versions ${VERSION_DEFLATE_ONLY} and ${VERSION})`);
  }
  if (record.readBigUInt64LE(8) !== BigInt(id)) throw corrupt('id mismatch');
  const storedPlain = record.readUInt32LE(16);
  const cipherLength = record.readUInt32LE(20);
  if (storedPlain !== plainLength || HEADER_BYTES + cipherLength !== record.byteLength) throw corrupt('length mismatch');
  const body = record.subarray(HEADER_BYTES);
  if (crc32(body) !== record.readUInt32LE(AAD_BYTES)) throw corrupt('CRC mismatch');
  let compressed: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, record.subarray(AAD_BYTES + 4, AAD_BYTES + 16));
    decipher.setAAD(record.subarray(0, AAD_BYTES));
    decipher.setAuthTag(record.subarray(AAD_BYTES + 16, HEADER_BYTES));
    const head = decipher.update(body);
    const tail = decipher.final();
    compressed = tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
  } catch (e) {
    throw corrupt('authentication failed', e);
  }
  let plain: Uint8Array;
  try {
    plain = (codec as SwapCodec).decompress(compressed, into);
  } catch (e) {
    throw corrupt('decompression failed', e);
  }
  if (plain.byteLength !== plainLength) throw corrupt('decompressed length mismatch');
  return plain.constructor === Uint8Array ? plain : new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
}
