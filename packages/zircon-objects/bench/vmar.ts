import { Kernel, Process, VmOptions, Vmo, type Vmar } from '../src/index.js';
import { meanUs, ratioLine, runBench } from './support.js';

const PAGE = 4096;
const RW = VmOptions.PERM_READ | VmOptions.PERM_WRITE;

function populated(count: number, aslr: boolean): { root: Vmar; vmo: Vmo; addrs: number[]; kernel: Kernel } {
  const kernel = new Kernel({ aslr });
  const { rootVmar } = Process.create(kernel.rootJob, 'bench');
  const vmo = Vmo.create(kernel, PAGE);
  const addrs: number[] = [];
  for (let i = 0; i < count; i++) addrs.push(rootVmar.map(RW, 0, vmo, 0, PAGE));
  return { root: rootVmar, vmo, addrs, kernel };
}

/** Per-operation cost of map/unmap/protect must not depend on the number of mappings (within 2x, 1k vs 100k). */
export async function vmarBench(): Promise<boolean> {
  let ok = true;
  for (const aslr of [false, true]) {
    const worlds = [populated(1_000, aslr), populated(100_000, aslr)];
    const bench = await runBench(`VMAR operations, ASLR ${aslr ? 'on' : 'off'} (1k vs 100k mappings)`, (b) => {
      for (const w of worlds) {
        const n = w.addrs.length;
        let i = 0;
        b.add(`map+unmap @${n}`, () => {
          const a = w.root.map(RW, 0, w.vmo, 0, PAGE);
          w.root.unmap(a, PAGE);
        });
        b.add(`protect x2 @${n}`, () => {
          const a = w.addrs[(i = (i + 7919) % n)];
          w.root.protect(VmOptions.PERM_READ, a, PAGE);
          w.root.protect(RW, a, PAGE);
        });
        b.add(`unmap+map specific @${n}`, () => {
          const a = w.addrs[(i = (i + 7919) % n)];
          w.root.unmap(a, PAGE);
          w.root.map(RW | VmOptions.SPECIFIC, a - w.root.info().base, w.vmo, 0, PAGE);
        });
      }
    });
    for (let t = 0; t < 3; t++) {
      const small = bench.tasks[t];
      const large = bench.tasks[t + 3];
      ok = ratioLine(`${small?.name ?? ''} -> @100000 (ASLR ${aslr ? 'on' : 'off'})`, meanUs(small), meanUs(large), 2) && ok;
    }
  }
  return ok;
}
