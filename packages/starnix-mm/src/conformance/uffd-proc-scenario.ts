/**
 * The model half of the UFFDIO_MOVE / pagemap / PAGEMAP_SCAN / /proc/PID/mem scenario whose Linux half is
 * native/uffd-proc.c: the same steps on a MemoryManager, printed as the same "name value" lines.
 */
import { UffdError, UffdFeature, UffdRegisterMode, type UserfaultFD } from '@memsim/userspace-swap';
import { MapFlags, Prot } from '../abi/constants.js';
import { ErrnoError } from '../errno/errno.js';
import type { MemoryManager } from '../mm/memory-manager.js';
import type { PagemapScanArgs } from '../mm/pagemap-scan.js';

const PG = 4096;
const RW = Prot.READ | Prot.WRITE;
const PA = MapFlags.PRIVATE | MapFlags.ANONYMOUS;

/** Runs the scenario on `mm` (which it forks once) and returns its lines. */
export function runUffdProcScenario(mm: MemoryManager): string[] {
  const out: string[] = [];
  const put = (mmAddr: number, v: number): void => void mm.write(mmAddr, new Uint8Array([v]));
  const get = (mmAddr: number): void => void mm.read(mmAddr, 1);
  const pm = (name: string, p: number): void => {
    out.push(`pagemap.${name} ${(mm.pagemap(p, 1)[0] >> 55n).toString(16)}`);
  };
  const mv = (name: string, fd: UserfaultFD, d: number, s: number, len: number, mode: number): void => {
    try {
      out.push(`move.${name} 0 0 ${fd.move(d, s, len, mode)}`);
    } catch (e) {
      if (!(e instanceof UffdError)) throw e;
      out.push(`move.${name} -1 ${e.errno} ${e.field ?? '-'}`);
    }
  };
  const scan = (name: string, s: number, e: number, flags: number, inv: number, mask: number, any: number, ret: number, max: number): void => {
    const args: PagemapScanArgs = { start: s, end: e, flags, categoryInverted: inv, categoryMask: mask, categoryAnyofMask: any, returnMask: ret, maxPages: max, vecLen: 16 };
    try {
      const r = mm.pagemapScan(args);
      const regions = r.regions.map((x) => ` ${(x.start - s) / PG}-${(x.end - s) / PG}:${x.categories.toString(16)}`).join('');
      out.push(`scan.${name} ${r.regions.length} end=${(r.walkEnd - s) / PG}${regions}`);
    } catch (err) {
      if (!(err instanceof ErrnoError)) throw err;
      out.push(`scan.${name} ${-err.errno}`);
    }
  };
  const mem = (name: string, p: number, n: number, data?: string): void => {
    try {
      const r = data === undefined ? mm.procMemRead(p, n).length : mm.procMemWrite(p, new TextEncoder().encode(data).subarray(0, n));
      out.push(`mem.${name} ${r} 0`);
    } catch (err) {
      if (!(err instanceof ErrnoError)) throw err;
      out.push(`mem.${name} -1 ${err.errno}`);
    }
  };
  const fd = mm.userfaultfd({ features: 0 });
  // pagemap
  const a = mm.mmap(0, 8 * PG, RW, PA);
  put(a, 1);
  get(a + PG);
  pm('anon-written', a);
  pm('anon-zero', a + PG);
  pm('anon-missing', a + 2 * PG);
  const sh = mm.mmap(0, 4 * PG, RW, MapFlags.SHARED | MapFlags.ANONYMOUS);
  put(sh, 1);
  get(sh + PG);
  pm('shared-written', sh);
  pm('shared-read', sh + PG);
  pm('shared-missing', sh + 3 * PG);
  const mf = mm.memfdCreate('differential', 4 * PG);
  mm.fd(mf).file.pwrite(new TextEncoder().encode('orig'), 0);
  const fp = mm.mmap(0, 4 * PG, RW, MapFlags.PRIVATE, mf, 0);
  get(fp);
  put(fp + PG, 1);
  pm('private-file-read', fp);
  pm('private-file-written', fp + PG);
  const fs = mm.mmap(0, 4 * PG, RW, MapFlags.SHARED, mf, 0);
  get(fs);
  pm('shared-file-twice', fs);
  // UFFDIO_MOVE
  const d = mm.mmap(0, 8 * PG, RW, PA);
  const s = mm.mmap(0, 8 * PG, RW, PA);
  mm.write(s, new Uint8Array(4 * PG).fill(0x78));
  put(d + 6 * PG, 1);
  fd.registerRange(d, 8 * PG, UffdRegisterMode.MISSING);
  mv('basic', fd, d, s, PG, 0);
  pm('move-dst', d);
  pm('move-src', s);
  mv('dst-exists', fd, d, s + PG, PG, 0);
  mv('src-hole', fd, d + PG, s + 5 * PG, PG, 0);
  mv('src-hole-allowed', fd, d + PG, s + 5 * PG, PG, 2);
  pm('hole-dst', d + PG);
  mv('partial', fd, d + 5 * PG, s + PG, 2 * PG, 0);
  mv('bad-mode', fd, d + 2 * PG, s + 2 * PG, PG, 4);
  mv('unaligned', fd, d + 2 * PG + 1, s + 2 * PG, PG, 0);
  mv('zero-length', fd, d + 2 * PG, s + 2 * PG, 0, 0);
  mv('dst-unregistered', fd, s + 6 * PG, s + 2 * PG, PG, 0);
  mv('dst-past-vma', fd, d + 7 * PG, s + 2 * PG, 2 * PG, 0);
  mv('dst-shared', fd, sh + 2 * PG, s + 2 * PG, PG, 0);
  const child = mm.fork();
  mv('src-fork-shared', fd, d + 2 * PG, s + 2 * PG, PG, 0);
  pm('fork-shared', s + 2 * PG);
  child[Symbol.dispose]();
  put(s + 3 * PG, 0x79);
  mv('src-written-after-fork', fd, d + 3 * PG, s + 3 * PG, PG, 0);
  get(s + 7 * PG);
  mv('src-zero-page', fd, d + 4 * PG, s + 7 * PG, PG, 0);
  pm('moved-zero', d + 4 * PG);
  // PAGEMAP_SCAN
  const c = mm.mmap(0, 8 * PG, RW, PA);
  put(c, 1);
  put(c + PG, 1);
  get(c + 3 * PG);
  put(c + 5 * PG, 1);
  scan('all', c, c + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan('present', c, c + 8 * PG, 0, 0, 8, 0, 0x1ff, 0);
  scan('not-present', c, c + 8 * PG, 0, 8, 8, 0, 0x1ff, 0);
  scan('pfnzero', c, c + 8 * PG, 0, 0, 0x20, 0, 0x1ff, 0);
  scan('max-pages', c, c + 8 * PG, 0, 0, 8, 0, 0x1ff, 1);
  scan('file', fp, fp + 4 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan('bad-flags', c, c + 8 * PG, 4, 0, 0, 0, 0x1ff, 0);
  scan('bad-category', c, c + 8 * PG, 0, 0, 0x200, 0, 0x1ff, 0);
  scan('unaligned', c + 1, c + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  scan('end-before-start', c + PG, c, 0, 0, 0, 0, 0x1ff, 0);
  scan('check-wpasync', c, c + 8 * PG, 2, 0, 0, 0, 0x1ff, 0);
  const wfd = mm.userfaultfd({ features: UffdFeature.WP_ASYNC | UffdFeature.WP_UNPOPULATED });
  const w = mm.mmap(0, 8 * PG, RW, PA);
  put(w, 1);
  put(w + PG, 1);
  wfd.registerRange(w, 8 * PG, UffdRegisterMode.WP);
  scan('wp-before', w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  wfd.writeProtect(w, 8 * PG, 1);
  pm('wp-present', w);
  pm('wp-marker', w + 2 * PG);
  scan('wp-after', w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  put(w, 5);
  put(w + 3 * PG, 5);
  get(w + 4 * PG);
  pm('wp-async-written', w);
  pm('wp-async-marker-written', w + 3 * PG);
  pm('wp-marker-read', w + 4 * PG);
  scan('written', w, w + 8 * PG, 0, 0, 2, 0, 0x1ff, 0);
  scan('wp-matching', w, w + 8 * PG, 3, 0, 2, 0, 0x1ff, 0);
  scan('after-matching', w, w + 8 * PG, 0, 0, 0, 0, 0x1ff, 0);
  // /proc/self/mem
  const ro = mm.mmap(0, 4 * PG, Prot.READ, PA);
  mem('write-ro-private', ro, 2, 'hi');
  out.push(`mem.ro-private-value ${mm.procMemRead(ro, 1)[0]}`);
  const pn = mm.mmap(0, 4 * PG, Prot.NONE, PA);
  mem('read-prot-none', pn, 4);
  mem('write-prot-none', pn, 1, 'x');
  const fr = mm.mmap(0, 4 * PG, Prot.READ, MapFlags.PRIVATE, mf, 0);
  mem('write-ro-private-file', fr, 4, 'EDIT');
  out.push(`mem.file-after ${new TextDecoder().decode(mm.fd(mf).file.pread(4, 0))}`);
  out.push(`mem.mapping-after ${new TextDecoder().decode(mm.procMemRead(fr, 4))}`);
  const fsr = mm.mmap(0, 4 * PG, Prot.READ, MapFlags.SHARED, mf, 0);
  mem('write-ro-shared-file', fsr, 4, 'SHRD');
  const hole = mm.mmap(0, 2 * PG, RW, PA);
  mm.munmap(hole + PG, PG);
  mem('read-into-hole', hole + PG - 4, 8);
  mem('read-unmapped', hole + PG, 4);
  mem('read-uffd-missing', d + 7 * PG, 4);
  mem('read-zero-length', hole, 0);
  return out;
}
