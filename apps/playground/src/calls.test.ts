import { inspectScenario } from '@memsim/cli';
import { parseScenarios } from '@memsim/conformance';
import { describe, expect, it } from 'vitest';
import { CallSyntaxError, callToStep } from './calls.js';
import { appendStep, BLANK_SCENARIO } from './edit.js';

describe('C calls to scenario steps', () => {
  it('mmap with C flags becomes the format step, fd -1 and offset 0 left to the defaults', () => {
    expect(callToStep('p = mmap(0, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)')).toEqual({
      linux: 'mmap',
      args: { addr: 0, length: 0x3000, prot: ['READ', 'WRITE'], flags: ['PRIVATE', 'ANONYMOUS'] },
      bind: 'p',
    });
  });

  it('names, strings, fork, process prefixes and mremap flags', () => {
    expect(callToStep('munmap(p, 4096);')).toEqual({ linux: 'munmap', args: { addr: '${p}', length: 4096 } });
    expect(callToStep('write(p, "hi")')).toEqual({ access: 'write', args: { addr: '${p}', data: '6869' } });
    expect(callToStep('child: read(0x1000, 2)')).toEqual({ access: 'read', in: 'child', args: { addr: 0x1000, length: 2 } });
    expect(callToStep('fork()')).toEqual({ fork: 'child' });
    expect(callToStep('fork()', 1)).toEqual({ fork: 'child2' });
    expect(callToStep('kid = fork()')).toEqual({ fork: 'kid' });
    expect(callToStep('mremap(p, 0x1000, 0x2000, MREMAP_MAYMOVE)')).toEqual({
      linux: 'mremap',
      args: { old_address: '${p}', old_size: 0x1000, new_size: 0x2000, flags: ['MAYMOVE'] },
    });
    expect(callToStep('mprotect(p, 0x1000, 0)')).toEqual({ linux: 'mprotect', args: { addr: '${p}', length: 0x1000, prot: ['NONE'] } });
    expect(callToStep('madvise(p, 0x1000, MADV_DONTNEED)')).toEqual({ linux: 'madvise', args: { addr: '${p}', length: 0x1000, advice: 'DONTNEED' } });
  });

  it('says what is wrong with a call it cannot read', () => {
    expect(() => callToStep('mmap(0, 0x1000')).toThrow(CallSyntaxError);
    expect(() => callToStep('frobnicate(1)')).toThrow(/not a call the playground knows/);
    expect(() => callToStep('write(0, 5)')).toThrow(/writes a string/);
    expect(() => callToStep('write(0, "x)')).toThrow(/not closed/);
    expect(() => callToStep('munmap(0, 1, 2)')).toThrow(/at most 2/);
    expect(() => callToStep('mmap(0, 4096, PROT_READ, MAP_PRIVATE, 3, 0)')).toThrow(/fd is -1/);
  });

  it('typed calls appended to a scenario run on the model as the CLI runs them', async () => {
    let text = BLANK_SCENARIO;
    for (const c of ['p = mmap(0, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)', 'write(p, "hello")', 'fork()', 'child: munmap(p, 0x1000)'])
      text = appendStep(text, callToStep(c));
    const [scenario] = parseScenarios(text);
    expect(scenario.steps.map((s) => s.kind)).toEqual(['linux', 'access', 'fork', 'linux']);
    const s = await inspectScenario(scenario);
    expect(s.outcome).toBe('ok: 0');
    const [parent, child] = s.processes;
    expect(parent.maps.split('\n').filter(Boolean)).toHaveLength(2);
    expect(child.maps).toMatch(/^[0-9a-f]+-[0-9a-f]+ rw-p/m);
    expect(child.maps.split('\n').filter(Boolean)).toHaveLength(2);
    // The munmap split the child's 3-page mapping: 2 pages left where there were 3.
    expect(child.maps).not.toBe(parent.maps);
  });

  it('appends to the named scenario of a multi-document file and keeps the others as written', () => {
    const first = appendStep(BLANK_SCENARIO, callToStep('fork()'));
    const text = `${first}---\nname: second\nsuite: s\nsource: x\n# kept\nsteps: []\n`;
    const out = appendStep(text, callToStep('munmap(0x10000, 0x1000)'), 'second');
    const [one, second] = parseScenarios(out);
    expect(one.steps).toHaveLength(1);
    expect(second.steps[0].args).toEqual({ addr: 0x10000, length: 0x1000 });
    expect(out).toContain('addr: 0x10000');
    expect(out).toContain('# kept');
    expect(() => appendStep(text, callToStep('fork()'), 'third')).toThrow(/no scenario named 'third'/);
  });
});
