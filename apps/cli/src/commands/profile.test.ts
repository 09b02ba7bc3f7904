import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeAvailability } from '@memsim/linux-probe';
import { capture } from '../test-support/capture.js';

const availability = probeAvailability();

/**
 * An independent check of the host (not the probe): a read fault on a private anonymous page (Rss 0 means the zero
 * page), then VM_ACCOUNT after mprotect(PROT_READ) of an untouched and of a written page.
 */
const C_CHECK = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
static char *page(void) { char *g = mmap(0, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return mmap(g + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); }
static void field(char *p, const char *key, char *out) { char l[512], h[32]; int in = 0; FILE *f = fopen("/proc/self/smaps", "r");
  snprintf(h, sizeof h, "%lx-", (unsigned long)p);
  while (fgets(l, sizeof l, f)) { unsigned long a, b; char sp;
    if (sscanf(l, "%lx-%lx%c", &a, &b, &sp) == 3 && sp == ' ') in = !strncmp(l, h, strlen(h));
    else if (in && !strncmp(l, key, strlen(key))) strcpy(out, l + strlen(key)); }
  fclose(f); }
int main(void) { char r[512] = "", u[512] = "", w[512] = "";
  char *a = page(); volatile char c = a[0]; (void)c; field(a, "Rss:", r);
  char *b = page(); mprotect(b, 4096, PROT_READ); field(b, "VmFlags:", u);
  char *d = page(); d[0] = 1; mprotect(d, 4096, PROT_READ); field(d, "VmFlags:", w);
  int rss = 0; sscanf(r, "%d", &rss);
  printf("%d %d %d\n", rss == 0, strstr(u, " ac") != NULL, strstr(w, " ac") != NULL); return 0; }
`;

const LINUX_READ = `name: read fault
suite: demo
source: profile test
steps:
  - linux: mmap
    args: {addr: 0, length: 0x2000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
  - access: read
    args: {addr: 0, length: 0x2000}
`;

describe('memsim profile and --profile', () => {
  it('prints a shipped profile with what each field changes, and lists them', async () => {
    const r = await capture(['profile', 'linux-6.18-v1272']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('kernel profile linux-6.18-v1272 (builtin, measured on 6.18.44-fc-v1272)');
    expect(r.out).toMatch(/zeroPageOnReadFault +false\n +followed: /);
    expect(r.out).toMatch(/overcommitMemory +0\n +recorded, not followed: /);
    expect(r.out).toContain('same behaviour as the shipped profile linux-6.18-v1272');
    const list = await capture(['profile', '--list']);
    expect(list.out).toContain('linux-6.18-v669 (default)');
    expect((await capture(['profile', 'linux-5'])).code).toBe(2);
  });

  it.skipIf(!availability.available)("prints the host's measured profile, which a C program of its own confirms", async () => {
    const r = await capture(['profile', '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out) as { source: string; zeroPageOnReadFault: boolean; mprotectAccount: string; kernel: string };
    expect(p.source).toBe('detected');
    const dir = mkdtempSync(join(tmpdir(), 'memsim-profile-'));
    writeFileSync(join(dir, 'check.c'), C_CHECK);
    const compiler = availability.available ? availability.compiler : 'cc';
    execFileSync(compiler, ['-O1', '-o', join(dir, 'check'), join(dir, 'check.c')]);
    const [zero, untouchedAc, writtenAc] = execFileSync(join(dir, 'check'), { encoding: 'utf8' }).trim().split(' ').map(Number);
    expect(p.zeroPageOnReadFault).toBe(zero === 1);
    expect(p.mprotectAccount).toBe(untouchedAc ? 'keep' : writtenAc ? 'drop-without-anon-vma' : 'drop');
    const text = await capture(['profile']);
    expect(text.out).toContain(`kernel profile host (detected on ${p.kernel})`);
  });

  it('run and inspect follow --profile and say which profile they used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memsim-profile-'));
    const file = join(dir, 'read.yaml');
    writeFileSync(file, LINUX_READ);
    const zero = await capture(['inspect', file, '--smaps']);
    expect(zero.out).toContain('kernel profile linux-6.18-v669 (builtin, measured on 6.18.44-fc-v669)');
    const noZero = await capture(['inspect', file, '--smaps', '--profile', 'linux-6.18-v1272']);
    expect(noZero.out).toContain('kernel profile linux-6.18-v1272');
    const rss = (out: string): string | undefined => /Rss:\s+(\d+) kB/.exec(out.slice(out.indexOf('100000000000-')))?.[1];
    expect([rss(zero.out), rss(noZero.out)]).toEqual(['0', '8']);
    const run = await capture(['run', file, '--json', '--profile', 'linux-6.18-v1272']);
    expect((JSON.parse(run.out) as { profile: { name: string } }).profile.name).toBe('linux-6.18-v1272');
    const saved = join(dir, 'p.json');
    writeFileSync(saved, (await capture(['profile', 'linux-6.18-v1272', '--json'])).out);
    const bad = await capture(['run', file, '--profile', saved]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown kernel profile field 'followed'");
    const missing = await capture(['inspect', file, '--profile', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.json: neither a profile name .* nor a readable file \(ENOENT\)/);
  });
});
