import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { probeAvailability } from '@memsim/linux-probe';
import { LINUX_6_18_V1272, LINUX_6_18_V669 } from '@memsim/starnix-mm';
import { PASSING, cli, scenarioDir } from '../test-support/io.js';
import { detectHostProfile, loadKernelProfile } from './host-profile.js';
import { ConformanceError } from '../scenario/errors.js';

const probe = probeAvailability().available;

/**
 * A read fault, then mprotect(PROT_READ) next to a read-only neighbour: with the zero page the faulted VMA has no
 * anon_vma, loses VM_ACCOUNT and merges with the neighbour (one maps line); without it, it keeps both (two lines).
 */
const READ_FAULT = `name: read fault
suite: demo
source: kernel profile test
differential: true
steps:
  - linux: mmap
    args: {addr: 0, length: 0x1000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
  - linux: mmap
    args: {addr: 0x1000, length: 0x1000, prot: [READ], flags: [PRIVATE, ANONYMOUS, FIXED]}
  - access: read
    args: {addr: 0, length: 1}
  - linux: mprotect
    args: {addr: 0, length: 0x1000, prot: [READ]}
  - linux: maps
`;

describe('kernel profiles in memsim-conformance', () => {
  it('resolves --profile names and files, and refuses anything else with the reason', async () => {
    expect(await loadKernelProfile('linux-6.18-v1272')).toBe(LINUX_6_18_V1272);
    const dir = scenarioDir({ 'p.json': JSON.stringify({ ...LINUX_6_18_V669, name: 'mine', source: undefined }), 'bad.json': '{"name": 1}' });
    expect(await loadKernelProfile(join(dir, 'p.json'))).toMatchObject({ name: 'mine', source: 'file', zeroPageOnReadFault: true });
    await expect(loadKernelProfile(join(dir, 'bad.json'))).rejects.toThrow(/field 'name' must be a non-empty string/);
    await expect(loadKernelProfile('linux-9')).rejects.toBeInstanceOf(ConformanceError);
    writeFileSync(join(dir, 'x.json'), '{');
    const r = await cli([scenarioDir({ 'ok.yaml': PASSING }), '--profile', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--profile .*x\.json: .*JSON/);
  });

  it('every report names the kernel and the profile', async () => {
    const dir = scenarioDir({ 'ok.yaml': PASSING });
    const text = await cli([dir, '--profile', 'linux-6.18-v1272']);
    expect(text.out).toContain(`kernel ${release()}, model profile linux-6.18-v1272 (builtin, measured on 6.18.44-fc-v1272)`);
    const json = JSON.parse((await cli([dir, '--json', '--profile', 'linux-6.18-v669'])).out) as { kernel: string; profile: { name: string } };
    expect(json.kernel).toBe(release());
    expect(json.profile.name).toBe('linux-6.18-v669');
    const junit = join(dir, 'r.xml');
    const html = join(dir, 'r.html');
    await cli([dir, '--junit', junit, '--html', html, '--profile', 'linux-6.18-v669']);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(junit, 'utf8')).toContain(`<property name="kernel" value="${release()}"/>`);
    expect(readFileSync(junit, 'utf8')).toContain('<property name="profile" value="linux-6.18-v669 (builtin, measured on 6.18.44-fc-v669)"/>');
    expect(readFileSync(html, 'utf8')).toContain('model profile linux-6.18-v669 (builtin');
  });

  it.skipIf(!probe)('runs the model with the host profile by default, and a contradicting profile fails the differential', async () => {
    const host = await detectHostProfile();
    const dir = scenarioDir({ 'rf.yaml': READ_FAULT });
    const ok = await cli([dir]);
    expect(ok.out).toContain(`model profile host (detected on ${host.kernel})`);
    expect(ok.code).toBe(0);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ ...host, name: 'contradiction', source: 'file', zeroPageOnReadFault: !host.zeroPageOnReadFault }));
    const bad = await cli([dir, '--profile', wrong]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Model and Linux differ \(kernel .*, model profile contradiction \(file, measured on .*\)\)\n {2}demo\/read fault step 5: model .* \/ linux /);
  });
});
