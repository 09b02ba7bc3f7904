import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMapsLine, parseTraceFile, type MapsLine } from './format.js';
import { compareMaps, MM_CALLS, TraceReplayer } from './replay.js';

const shipped = (name: string): string => readFileSync(new URL(`../../../../docs/traces/${name}`, import.meta.url), 'utf8');
const SHIPPED = ['python3-print.trace', 'node-e.trace', 'sh-ls.trace', 'ls-l.trace', 'gcc-version.trace', 'python3-fork.trace'];

describe('trace replay on starnix-mm', () => {
  it.each(SHIPPED)('%s: every call and every final VMA agree with Linux', (name) => {
    const r = new TraceReplayer(parseTraceFile(shipped(name))).run();
    expect(r.differences).toEqual([]);
    expect(r.agreeing).toBe(r.calls);
    expect(r.calls).toBeGreaterThan(10);
    expect(r.vmasAgreeing).toBe(r.vmas);
    expect(r.vmas).toBeGreaterThan(20);
    expect(r.ok).toBe(true);
  });

  it('forks the address space as the model forks: the child starts with the parent\'s VMAs', () => {
    const r = new TraceReplayer(parseTraceFile(shipped('python3-fork.trace')));
    const report = r.run();
    const [parent, child] = report.processes;
    expect(child.maps?.vmas).toBe(parent.maps?.vmas);
    // The child's anonymous VMO is a snapshot child of the parent's.
    expect(r.anonParents.size).toBe(1);
  });

  it("touches the parent's resident pages at a fork, so the child's copy shares committed pages as on Linux", () => {
    const t = parseTraceFile(shipped('python3-fork.trace'));
    const forkAt = t.events.findIndex((e) => e.kind === 'task' && e.how === 'fork');
    expect(t.events[forkAt - 1]).toMatchObject({ kind: 'snap', why: 'fork' });
    const before = t.events.slice(0, forkAt).filter((e) => e.kind === 'sys' && MM_CALLS.has(e.name)).length;
    const r = new TraceReplayer(t);
    r.run({ stopAfter: before });
    expect(r.live()).toHaveLength(2);
    expect(r.anonParents.size).toBe(1);
    // Nothing but the fork snapshot has touched pages so far: a system-call replay alone commits almost nothing.
    expect(r.kernel.memory.committedBytes()).toBeGreaterThan(4 << 20);
  });

  it('reports a call whose recorded result the model does not give, with its line', () => {
    // Linux is made to say a munmap failed with EINVAL; the model unmaps.
    const text = shipped('python3-print.trace');
    const lines = text.split('\n');
    const i = lines.findIndex((l) => / sys \d+ \d+ munmap 0 /.test(l));
    lines[i] = lines[i].replace(' munmap 0 ', ' munmap -22 ');
    const r = new TraceReplayer(parseTraceFile(lines.join('\n'))).run();
    expect(r.ok).toBe(false);
    expect(r.differences).toHaveLength(1);
    expect(r.differences[0]).toMatchObject({ line: i + 1, linux: 'EINVAL', model: '0', agree: false });
  });

  it('reports a kernel-chosen address the model already uses as EEXIST (MAP_FIXED_NOREPLACE), not a silent overwrite', () => {
    const text = shipped('sh-ls.trace');
    const t = parseTraceFile(text);
    const calls = t.events.filter((e) => e.kind === 'sys' && e.name === 'mmap' && e.ret > 0n && (e.args[3] & 0x10n) === 0n);
    const a = calls[0] as { ret: bigint; line: number; pid: number };
    const same = calls.find((c) => c !== a && (c as { pid: number }).pid === a.pid) as { ret: bigint; line: number };
    const lines = text.split('\n');
    lines[same.line - 1] = lines[same.line - 1].replace(` mmap ${same.ret} `, ` mmap ${a.ret} `);
    const r = new TraceReplayer(parseTraceFile(lines.join('\n'))).run();
    expect(r.differences[0]).toMatchObject({ line: same.line, model: 'EEXIST' });
  });

  it('compares final maps VMA by VMA, ignoring device and inode, naming special mappings as Linux does', () => {
    const linux = [
      '00400000-00401000 r--p 00000000 fe:00 5                                  /bin/x',
      '7f0000000000-7f0000002000 r-xp 00000000 00:00 0                          [vdso]',
      '7f0000002000-7f0000004000 rw-p 00000000 00:00 0 ',
      'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
    ].map((l) => parseMapsLine(l) as MapsLine);
    const model = [
      '00400000-00401000 r--p 00000000 00:01 1                                  /bin/x',
      '7f0000000000-7f0000002000 r-xp 00000000 00:00 0                          [anon:vdso]',
      '7f0000002000-7f0000005000 rw-p 00000000 00:00 0 ',
    ].join('\n');
    const c = compareMaps(linux, model, 2 ** 47 - 4096);
    expect(c).toEqual({
      vmas: 3,
      agreeing: 2,
      diff: ['- 0x7f0000002000-0x7f0000004000 rw-p 0x0 ', '+ 0x7f0000002000-0x7f0000005000 rw-p 0x0 '],
    });
  });

  it('touches the pages Linux held at exit, so the Zircon view commits what Linux had resident', () => {
    const rep = new TraceReplayer(parseTraceFile(shipped('python3-print.trace')));
    const p = rep.run().processes[0];
    const rp = p.maps?.residentPages;
    // pagemap's resident pages are smaps' Rss.
    expect(rp?.linux).toBe((p.maps?.rollup?.['Rss'] ?? 0) / 4);
    // All but the private copies in read-only VMAs (RELRO) and zero-page reads are made again.
    expect(rp!.notReproduced).toBeGreaterThan(0);
    expect(rp!.notReproduced).toBeLessThan(20);
    expect(rp!.model).toBeGreaterThanOrEqual(rp!.linux - rp!.notReproduced - 4);
    expect(rp!.model).toBeLessThanOrEqual(rp!.linux);
    expect(rep.kernel.memory.committedBytes()).toBeGreaterThan(rp!.model * 4096 * 0.9);
  });

  it('stops after N memory calls for inspect and draw', () => {
    const r = new TraceReplayer(parseTraceFile(shipped('sh-ls.trace')));
    const seen: number[] = [];
    r.run({ stopAfter: 5, onCall: (_r, o) => seen.push(o.index) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(r.calls).toBe(5);
    expect(r.lastCall?.index).toBe(5);
  });
});
