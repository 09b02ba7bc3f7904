/**
 * The kernel-profile facts `probe --info` measures agree with what scenarios observe on the same host, and are
 * measured once per process.
 */
import { describe, expect, it } from 'vitest';
import { probeInfo, runScenario, type SmapsEntry } from './index.js';
import { PAGE, available } from './test-support/probe.js';

function entryAt(v: unknown, start: string): SmapsEntry | undefined {
  return (v as SmapsEntry[]).find((e) => e.line.startsWith(start));
}

describe.skipIf(!available)('probe --info: the host profile', () => {
  it('is measured once per process', async () => {
    const [a, b] = [probeInfo(), probeInfo()];
    expect(a).toBe(b);
    expect(await a).toBe(await probeInfo());
  });

  it('says what a read fault and an mprotect really do on this host', async () => {
    const { profile } = await probeInfo();
    const rw = ['READ', 'WRITE'] as const;
    const flags = ['PRIVATE', 'ANONYMOUS', 'FIXED'] as const;
    const r = await runScenario([
      { op: 'mmap', addr: 0, length: PAGE, prot: [...rw], flags: [...flags] },
      { op: 'read', addr: 0, length: 1 },
      { op: 'mmap', addr: 2 * PAGE, length: PAGE, prot: [...rw], flags: [...flags] },
      { op: 'mprotect', addr: 2 * PAGE, length: PAGE, prot: ['READ'] },
      { op: 'mmap', addr: 4 * PAGE, length: PAGE, prot: [...rw], flags: [...flags] },
      { op: 'write', addr: 4 * PAGE, data: '01' },
      { op: 'mprotect', addr: 4 * PAGE, length: PAGE, prot: ['READ'] },
      { op: 'smaps' },
    ]);
    const smaps = r[7].ok ? r[7].value : [];
    const hasAc = (e?: SmapsEntry): boolean => String(e?.fields.VmFlags ?? '').split(' ').includes('ac');
    expect(entryAt(smaps, '00000000-')?.fields.Rss).toBe(profile.zero_page_read_fault ? 0 : 4);
    const untouched = hasAc(entryAt(smaps, '00002000-'));
    const written = hasAc(entryAt(smaps, '00004000-'));
    expect(profile.mprotect_account).toBe(untouched ? 'keep' : written ? 'drop-without-anon-vma' : 'drop');
    expect(profile.max_map_count).toBeGreaterThan(0);
    expect(['0', '1', '2']).toContain(String(profile.overcommit_memory));
  });
});
