import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMapsLine, parseTraceFile, TRACE_MAGIC, TraceFormatError, type SysRecord } from './format.js';

const shipped = (name: string): string => readFileSync(new URL(`../../../../docs/traces/${name}`, import.meta.url), 'utf8');

/** The line number a malformed text is reported at. */
function failsAt(text: string): { line: number; message: string } {
  try {
    parseTraceFile(text);
  } catch (e) {
    if (e instanceof TraceFormatError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('parsed');
}

const MINI = [
  TRACE_MAGIC,
  'H kernel 6.18.0-test',
  'H argv /bin/true',
  '1 task 10 10 0 0 0 0x0',
  '2 exec 10 10 10',
  '3 snap 10 exec 0x555555559000 0x7ffffffde000',
  '4 map 10 555555554000-555555555000 r--p 00000000 fe:00 42                        /bin/true',
  '5 mapfile 10 0x555555554000 42 16384',
  '6 map 10 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]',
  '7 sys 10 10 execve 0 0x1 0x2 0x3',
  '8 sys 10 10 mmap 140737354125312 0x0 0x2000 0x3 0x22 0xffffffff 0x0',
  '9 exit 10 10 0 group',
  '10 snap 10 exit 0x555555559000 0x7ffffffde000',
  '11 map 10 555555554000-555555555000 r--p 00000000 fe:00 42                        /bin/true',
  '12 mapfile 10 0x555555554000 42 16384',
  '13 rollup 10 Rss=8 Anonymous=4',
  '14 gone 10 10 0',
  '15 end 0',
].join('\n');

describe('trace file parser', () => {
  it('reads header facts, tasks, snapshots with file sizes, calls with raw registers and the exit status', () => {
    const t = parseTraceFile(MINI);
    expect(t.header['kernel']).toBe('6.18.0-test');
    expect(t.argv).toEqual(['/bin/true']);
    expect(t.exitStatus).toBe(0);
    expect(t.events.map((e) => e.kind)).toEqual(['task', 'exec', 'snap', 'sys', 'sys', 'exit', 'snap', 'gone']);
    const snap = t.events[2];
    expect(snap.kind === 'snap' && snap.maps.map((m) => [m.start, m.name, m.fileSize])).toEqual([
      [0x555555554000, '/bin/true', 16384],
      [0x7ffffffde000, '[stack]', undefined],
    ]);
    const mmap = t.events[4] as SysRecord;
    expect(mmap.ret).toBe(0x7ffff7ffd000n);
    expect(mmap.args).toEqual([0n, 0x2000n, 3n, 0x22n, 0xffffffffn, 0n]);
    const exit = t.events[6];
    expect(exit.kind === 'snap' && exit.rollup).toEqual({ Rss: 8, Anonymous: 4 });
  });

  it('parses the shipped traces, threads and forks interleaved in recording order', () => {
    const node = parseTraceFile(shipped('node-e.trace'));
    const tasks = node.events.filter((e) => e.kind === 'task');
    expect(tasks.filter((e) => e.kind === 'task' && e.how === 'clone').length).toBeGreaterThan(3);
    // Calls of several threads of one process interleave: the recorder writes each at its exit stop.
    const tids = new Set(node.events.filter((e): e is SysRecord => e.kind === 'sys').map((e) => e.tid));
    expect(tids.size).toBeGreaterThan(1);
    const sh = parseTraceFile(shipped('sh-ls.trace'));
    expect(sh.events.filter((e) => e.kind === 'task').map((e) => e.kind === 'task' && e.how)).toEqual(['initial', 'vfork']);
    expect(sh.events.filter((e) => e.kind === 'snap').map((e) => e.kind === 'snap' && e.why)).toEqual(['exec', 'exec', 'exit', 'exit']);
  });

  it('unescapes paths and names (\\ooo, as the kernel escapes maps)', () => {
    const m = parseMapsLine('00400000-00401000 r--p 00000000 fe:00 7                                  /tmp/a\\012b c');
    expect(m?.name).toBe('/tmp/a\nb c');
    const t = parseTraceFile(MINI.replace('8 sys 10 10 mmap', '8 sys 10 10 prctl 0 0x53564d41 0x0 0x7ffff7ffe000 0x1000 0x1234 my\\040name\nX').replace('\nX 140737354125312 0x0 0x2000 0x3 0x22 0xffffffff 0x0', ''));
    const p = t.events[4] as SysRecord;
    expect(p.name).toBe('prctl');
    expect(p.text).toBe('my name');
  });

  it('keeps kernel-half lines ([vsyscall]) past 2^53 without failing', () => {
    const m = parseMapsLine('ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]');
    expect(m?.name).toBe('[vsyscall]');
    expect(m!.start).toBeGreaterThan(2 ** 63);
  });

  it('rejects a foreign file on line 1', () => {
    expect(failsAt('execve("/bin/true", ["true"], 0x7ffd) = 0\n')).toEqual({ line: 1, message: expect.stringContaining('not a memsim trace') as string });
    expect(failsAt('')).toMatchObject({ line: 1 });
  });

  it('rejects a truncated file: no end record, or a line cut short', () => {
    const lines = MINI.split('\n');
    expect(failsAt(lines.slice(0, 12).join('\n'))).toMatchObject({ line: 12, message: expect.stringContaining('truncated') as string });
    const cut = [...lines.slice(0, 7), '8 sys 10 10 mmap 1407373'].join('\n');
    expect(failsAt(cut)).toMatchObject({ line: 8 });
  });

  it('rejects reordered and missing records, naming the line', () => {
    const lines = MINI.split('\n');
    const swapped = [...lines.slice(0, 9), lines[10], lines[9], ...lines.slice(11)];
    expect(failsAt(swapped.join('\n'))).toMatchObject({ line: 10, message: expect.stringContaining('records are missing') as string });
    const dropped = [...lines.slice(0, 9), ...lines.slice(10)];
    expect(failsAt(dropped.join('\n')).line).toBe(10);
    const back = [...lines.slice(0, 10), '7 sys 10 10 brk 0 0x0', ...lines.slice(10)];
    expect(failsAt(back.join('\n'))).toMatchObject({ line: 11, message: expect.stringContaining('out of order') as string });
  });

  it('rejects malformed fields and misplaced lines', () => {
    const lines = MINI.split('\n');
    const at = (i: number, l: string): string => [...lines.slice(0, i), l, ...lines.slice(i + 1)].join('\n');
    expect(failsAt(at(10, '8 sys 10 10 mmap x12 0x0')).message).toContain('result must be an integer');
    expect(failsAt(at(10, '8 frob 10')).message).toContain("unknown record 'frob'");
    expect(failsAt(at(11, '9 map 10 555555554000-555555555000 r--p 00000000 fe:00 42 /bin/true')).message).toContain('no snapshot');
    expect(failsAt(at(3, '1 task 10 10 0 0 spawn 0x0')).message).toContain("unknown creation 'spawn'");
    expect(failsAt(at(4, '2 exec ten 10 10')).message).toContain('pid must be an integer');
    expect(failsAt(at(15, '13 rollup 10 Rss=lots')).message).toContain("bad field 'Rss=lots'");
    expect(failsAt(`${MINI}\n16 sys 10 10 brk 0 0x0`).message).toContain('after the end record');
    const withPages = (run: string): string => [...lines.slice(0, 14), `12 pages 10 0x555555554000 ${run}`, ...lines.slice(14).map((l) => l.replace(/^(\d+)/, (n) => String(Number(n) + 1)))].join('\n');
    const ok = parseTraceFile(withPages('f0+1'));
    const snap = ok.events.find((e) => e.kind === 'snap' && e.why === 'exit');
    expect(snap?.kind === 'snap' && snap.maps[0].pages).toEqual([{ kind: 'f', first: 0, count: 1 }]);
    expect(failsAt(withPages('f0+2')).message).toContain("run 'f0+2' outside the VMA");
    expect(failsAt(withPages('x0+1')).message).toContain("bad run 'x0+1'");
    expect(failsAt(at(2, 'H Bad-Key x')).line).toBe(3);
  });
});
