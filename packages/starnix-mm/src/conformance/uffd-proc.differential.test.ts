/**
 * UFFDIO_MOVE, /proc/PID/pagemap, PAGEMAP_SCAN and /proc/PID/mem against the live kernel: native/uffd-proc.c runs a
 * fixed scenario on Linux, uffd-proc-scenario.ts the same steps on the model (with the host's profile), and every
 * line must agree. Skipped without a C compiler, and on a kernel older than 6.8 (no UFFDIO_MOVE).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kernel } from '@memsim/zircon-objects';
import { probeAvailability, probeInfo } from '@memsim/linux-probe';
import { MemoryManager } from '../mm/memory-manager.js';
import { profileFromHost } from '../profile/kernel-profile.js';
import { runUffdProcScenario } from './uffd-proc-scenario.js';

const availability = probeAvailability();

function runOnLinux(compiler: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'memsim-uffd-proc-'));
  try {
    const exe = join(dir, 'uffd-proc');
    const source = fileURLToPath(new URL('./native/uffd-proc.c', import.meta.url));
    execFileSync(compiler, ['-std=c11', '-O2', '-o', exe, source], { timeout: 60_000 });
    return execFileSync(exe, { timeout: 20_000, encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!availability.available)('UFFDIO_MOVE, pagemap, PAGEMAP_SCAN and /proc/PID/mem against the live kernel', () => {
  it('the model answers every step of the scenario as the host kernel does', async () => {
    if (!availability.available) return;
    const info = await probeInfo();
    const linux = runOnLinux(availability.compiler);
    if (linux[0]?.startsWith('skip') || !info.profile.uffd_features.includes('MOVE')) {
      console.info(`uffd/proc differential skipped: ${info.kernel} has no UFFDIO_MOVE or no userfaultfd`);
      return;
    }
    const profile = profileFromHost({ kernel: info.kernel, ...info.profile } as Parameters<typeof profileFromHost>[0]);
    using mm = MemoryManager.create(new Kernel({ seed: 27 }), { profile, validate: true });
    const model = runUffdProcScenario(mm);
    expect(model, `kernel ${info.kernel}`).toEqual(linux);
  }, 60_000);
});
