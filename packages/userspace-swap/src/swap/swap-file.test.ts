import { mkdtempSync, openSync, readSync, rmSync, truncateSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SwapError, SwapFile } from '../index.js';
import { mulberry32 } from '@memsim/zircon-objects';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'usw-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});


function flipByte(path: string, position: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, position);
  b[0] = b[0] ^ 0x40;
  writeSync(fd, b, 0, 1, position);
  closeSync(fd);
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SwapError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('SwapFile', () => {
  it('writes with the codec chosen (LZ4 by default) and reads each back', () => {
    const page = new Uint8Array(16 * 4096);
    for (let i = 0; i < page.length; i += 2) page[i] = (i >> 3) & 0xff;
    for (const codec of [undefined, 'lz4', 'deflate', 'none'] as const) {
      using f = SwapFile.create({ directory: dir, codec });
      expect(f.codec).toBe(codec ?? 'lz4');
      const id = f.write(page);
      expect(f.read(id)).toEqual(page);
      if (codec !== 'none') expect(f.recordBytes(id)).toBeLessThan(page.length / 2);
    }
    expect(codeOf(() => SwapFile.create({ directory: dir, codec: 'zstd' as never }))).toBe('INVALID_ARGUMENT');
  });

  it('writes and reads a record; the file is on disk and deleted on close', () => {
    const f = SwapFile.create({ directory: dir });
    const id = f.write(new TextEncoder().encode('hello swap'));
    expect(new TextDecoder().decode(f.read(id))).toBe('hello swap');
    expect(existsSync(f.path)).toBe(true);
    f.close();
    expect(existsSync(f.path)).toBe(false);
    expect(codeOf(() => f.read(id))).toBe('CLOSED');
  });

  it('1,000 random records of 1 B to 10 KB read back intact in random order', () => {
    using f = SwapFile.create({ directory: dir });
    const next = mulberry32(8);
    const stored = new Map<number, Uint8Array>();
    for (let i = 0; i < 1000; i++) {
      const len = 1 + Math.floor(next() * 10 * 1024);
      const data = new Uint8Array(len);
      // Half compressible, half random.
      for (let j = 0; j < len; j++) data[j] = i % 2 === 0 ? (j >> 6) & 0xff : Math.floor(next() * 256);
      stored.set(f.write(data), data);
    }
    const ids = [...stored.keys()];
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    let mismatches = 0;
    for (const id of ids) if (Buffer.compare(f.read(id), stored.get(id)!) !== 0) mismatches++;
    expect(mismatches).toBe(0);
    expect(f.stats().records).toBe(1000);
  });

  it('usage shrinks after drops, and compaction shrinks the file, keeping the live records readable', () => {
    using f = SwapFile.create({ directory: dir, compactionThreshold: 0.6, compactionMinBytes: 0 });
    const next = mulberry32(3);
    const ids: number[] = [];
    const data = new Map<number, Uint8Array>();
    for (let i = 0; i < 100; i++) {
      const d = new Uint8Array(2000).map(() => Math.floor(next() * 256));
      const id = f.write(d);
      ids.push(id);
      data.set(id, d);
    }
    const before = f.stats();
    expect(before.liveBytes).toBe(before.fileBytes);
    for (const id of ids.slice(0, 50)) f.drop(id);
    const mid = f.stats();
    expect(mid.liveBytes).toBeLessThan(before.liveBytes);
    expect(mid.records).toBe(50);
    expect(mid.compactions).toBe(0);
    for (const id of ids.slice(50, 70)) f.drop(id);
    const after = f.stats();
    expect(after.compactions).toBe(1);
    expect(after.fileBytes).toBeLessThan(before.fileBytes / 2);
    expect(after.fileBytes).toBe(after.liveBytes + after.garbageBytes);
    expect(after.bytesWritten).toBeGreaterThan(before.bytesWritten);
    for (const id of ids.slice(70)) expect(f.read(id)).toEqual(data.get(id));
    expect(codeOf(() => f.read(ids[0]))).toBe('MISSING_RECORD');
    expect(codeOf(() => f.drop(ids[0]))).toBe('MISSING_RECORD');
  });

  it('dropping the last record empties the file; compaction moves records down and the file keeps working', () => {
    using f = SwapFile.create({ directory: dir, compactionMinBytes: 0 });
    const d = (i: number): Uint8Array => new Uint8Array(3000).map((_, j) => (i * 13 + j * 7) & 0xff);
    const ids = [0, 1, 2, 3].map((i) => f.write(d(i)));
    // Dropping the first three crosses the threshold: the last record moves to the front.
    for (const id of ids.slice(0, 3)) f.drop(id);
    let st = f.stats();
    expect(st.compactions).toBeGreaterThanOrEqual(1);
    expect(st.fileBytes).toBe(st.liveBytes + st.garbageBytes);
    expect(f.read(ids[3])).toEqual(d(3));
    const more = f.write(d(4));
    expect(f.read(more)).toEqual(d(4));
    f.drop(ids[3]);
    f.drop(more);
    st = f.stats();
    expect(st).toMatchObject({ records: 0, liveBytes: 0, garbageBytes: 0, fileBytes: 0, plaintextBytes: 0 });
    // Still usable after emptying.
    const again = f.write(d(5));
    expect(f.read(again)).toEqual(d(5));
    expect(f.stats().fileBytes).toBe(f.stats().liveBytes);
  });

  it('read into a caller\'s scratch buffer: the bytes land there when it is long enough, else in a new buffer', () => {
    using f = SwapFile.create({ directory: dir });
    const data = new Uint8Array(5000).map((_, j) => (j >> 3) & 0xff);
    const id = f.write(data);
    const big = new Uint8Array(8192).fill(0xaa);
    const viaBig = f.read(id, big);
    expect(viaBig).toEqual(data);
    expect(viaBig.buffer).toBe(big.buffer);
    const small = new Uint8Array(100);
    const viaSmall = f.read(id, small);
    expect(viaSmall).toEqual(data);
    expect(viaSmall.buffer).not.toBe(small.buffer);
    // The deflate codec never uses it, and says nothing wrong either way.
    using z = SwapFile.create({ directory: dir, codec: 'deflate' });
    expect(z.read(z.write(data), big)).toEqual(data);
    expect(codeOf(() => f.read(id, [1, 2] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
  });

  it('detects a flipped bit anywhere in a record (header, nonce, tag or body), never returning wrong bytes', () => {
    using f = SwapFile.create({ directory: dir });
    const a = f.write(new Uint8Array(3000).fill(1));
    const sizeA = f.stats().liveBytes;
    const b = f.write(new Uint8Array(3000).fill(2));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
        const pos = seed % sizeA;
        flipByte(f.path, pos);
        try {
          expect(codeOf(() => f.read(a))).toBe('CORRUPT_RECORD');
          expect(f.read(b)).toEqual(new Uint8Array(3000).fill(2));
        } finally {
          flipByte(f.path, pos);
        }
        expect(f.read(a)).toEqual(new Uint8Array(3000).fill(1));
      }),
      { numRuns: 60 },
    );
  });

  it('a truncated file is detected: the cut record is corrupt, records past the end are missing', () => {
    using f = SwapFile.create({ directory: dir });
    const a = f.write(new Uint8Array(100).fill(1));
    const b = f.write(new Uint8Array(100).fill(2));
    const c = f.write(new Uint8Array(100).fill(3));
    const per = f.stats().liveBytes / 3;
    truncateSync(f.path, per + 10);
    expect(f.read(a)).toEqual(new Uint8Array(100).fill(1));
    expect(codeOf(() => f.read(b))).toBe('CORRUPT_RECORD');
    expect(codeOf(() => f.read(c))).toBe('MISSING_RECORD');
  });

  it('rejects bad input with typed errors', () => {
    using f = SwapFile.create({ directory: dir });
    expect(codeOf(() => f.write('x' as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => f.read(1.5))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => f.read(2 ** 60))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => f.read(99))).toBe('MISSING_RECORD');
    expect(codeOf(() => SwapFile.create({ directory: '' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => SwapFile.create({ directory: join(dir, 'nope') }))).toBe('IO');
    expect(codeOf(() => SwapFile.create({ directory: dir, compactionThreshold: 2 }))).toBe('INVALID_ARGUMENT');
  });

  it('uses a unique nonce per record: identical plaintexts give different ciphertexts', () => {
    using f = SwapFile.create({ directory: dir });
    f.write(new Uint8Array(500));
    f.write(new Uint8Array(500));
    const size = f.stats().liveBytes / 2;
    const fd = openSync(f.path, 'r');
    const buf = Buffer.alloc(size * 2);
    readSync(fd, buf, 0, size * 2, 0);
    closeSync(fd);
    const nonce = (i: number): string => buf.subarray(i * size + 28, i * size + 40).toString('hex');
    const body = (i: number): string => buf.subarray(i * size + 56, (i + 1) * size).toString('hex');
    expect(nonce(0)).not.toBe(nonce(1));
    expect(body(0)).not.toBe(body(1));
  });

  it('any bad argument gets a SwapError, never a crash', () => {
    using f = SwapFile.create({ directory: dir });
    fc.assert(
      fc.property(fc.anything(), (a) => {
        for (const call of [() => f.write(a as never), () => f.read(a as never), () => f.drop(a as never), () => SwapFile.create(a as never)]) {
          try {
            call();
          } catch (e) {
            if (!(e instanceof SwapError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
