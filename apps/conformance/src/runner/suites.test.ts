import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agreementCell, builtinSuites, builtinSuitesDir, loadScenarios, renderTable, runSuites } from '../index.js';

describe('shipped suites', () => {
  it('lists the five suites', () => {
    expect(builtinSuites()).toEqual(['linux-mm', 'seeds', 'userfaultfd', 'zircon', 'zircon-core']);
  });

  it('passes every ported Zircon core test, each naming its file, test and revision', async () => {
    const r = await runSuites({ suites: ['zircon-core'], backend: 'model', differential: false, inProcess: true });
    expect(r.inputErrors).toEqual([]);
    const failed = r.cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    for (const c of r.cases) {
      expect(c.upstream, c.id).toBeDefined();
      expect(c.upstream?.file, c.id).toMatch(/^zircon\/system\/utest\/core\/(vmo|vmar)\/[a-z0-9-]+\.cc$/);
      expect(c.upstream?.revision, c.id).toMatch(/^[0-9a-f]{40}$/);
      expect(c.name, c.id).toBe(c.upstream?.test);
    }
    const row = r.suites.find((s) => s.suite === 'zircon-core');
    expect(row).toMatchObject({ upstreamRun: r.cases.length, upstreamAgreed: r.cases.length });
    expect(renderTable(r)).toContain(`agrees with Zircon core tests: ${r.cases.length}/${r.cases.length}`);
  });

  it('the zircon-core README counts the ported and the left-out cases', () => {
    const { scenarios } = loadScenarios([], ['zircon-core']);
    const readme = readFileSync(join(builtinSuitesDir(), 'zircon-core', 'README.md'), 'utf8');
    const totals = /\| \*\*total\*\* \| \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|/.exec(readme);
    expect(totals).not.toBeNull();
    const [all, ported, left] = (totals ?? []).slice(1).map(Number);
    expect(ported).toBe(scenarios.length);
    expect(ported + left).toBe(all);
    expect(readme).toContain(`## Left out (${left}), and why`);
    // Every left-out case is listed by name: one backticked name per bullet, some bullets naming several.
    const section = readme.slice(readme.indexOf('## Left out'), readme.indexOf('Parts of ported cases'));
    const named: [string, string][] = [];
    let file = '';
    for (const line of section.split('\n')) {
      const group = /^([a-z0-9-]+\.cc) \(\d+\)$/.exec(line);
      if (group) file = group[1];
      const bullet = /^- (.+?):/.exec(line);
      if (bullet) for (const x of bullet[1].matchAll(/`([A-Za-z0-9]+)`/g)) named.push([file, x[1]]);
    }
    expect(named).toHaveLength(left);
    for (const [f, n] of named) {
      const ported = scenarios.some((s) => s.upstream?.file.endsWith(`/${f}`) && s.name.endsWith(`.${n}`));
      expect(ported, `${f} ${n}`).toBe(false);
    }
  });

  it('formats the agreement cell for Linux, upstream tests, both and neither', () => {
    expect(agreementCell({ compared: 0, agreed: 0, upstreamRun: 0, upstreamAgreed: 0 })).toBe('n/a');
    expect(agreementCell({ compared: 4, agreed: 3, upstreamRun: 0, upstreamAgreed: 0 })).toBe('75.0% (3/4) with Linux');
    expect(agreementCell({ compared: 0, agreed: 0, upstreamRun: 5, upstreamAgreed: 4 })).toBe('agrees with Zircon core tests: 4/5');
    expect(agreementCell({ compared: 2, agreed: 2, upstreamRun: 1, upstreamAgreed: 1 })).toBe(
      '100.0% (2/2) with Linux; agrees with Zircon core tests: 1/1',
    );
  });

  it('passes the whole zircon suite on the model backend', async () => {
    const r = await runSuites({ suites: ['zircon'], backend: 'model', differential: false, inProcess: true });
    expect(r.inputErrors).toEqual([]);
    const failed = r.cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    expect(r.cases.length).toBeGreaterThanOrEqual(87);
    expect(new Set(r.cases.map((c) => c.source.split(';')[0]))).toContain('zircon-vm.md §7 VMAR DestroyTest');
  });

  it('passes the Zircon-level seed behaviours on the model backend', async () => {
    const r = await runSuites({ suites: ['seeds'], backend: 'model', differential: false, inProcess: true });
    const failed = r.cases.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    // Anything the model cannot run is skipped with a one-line reason, never passed.
    for (const c of r.cases.filter((x) => x.status === 'skipped')) expect(c.message).toMatch(/^model: .+/);
    // Seed 004's "Unmap and remap" example through starnix-mm, in each design (issue 25).
    const seed004 = r.cases.filter((c) => c.name.startsWith('seed 004 unmap and remap'));
    expect(seed004.map((c) => [c.name.split(',')[0] + ',' + c.name.split(',')[1].split(':')[0], c.status])).toEqual([
      ['seed 004 unmap and remap, per-mapping', 'passed'],
      ['seed 004 unmap and remap, single', 'passed'],
    ]);
  });
});
