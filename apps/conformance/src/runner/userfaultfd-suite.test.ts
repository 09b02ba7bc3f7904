import { describe, expect, it } from 'vitest';
import { linuxBackendUnavailable } from '../backends/linux-probe.js';
import { ConformanceError, createModelSession, parseScenarios, runSuites } from '../index.js';

const probeMissing = linuxBackendUnavailable();

describe('userfaultfd suite on the model', () => {
  it('passes every scenario on starnix-mm (threads as pending tasks, events in the probe format)', async () => {
    const r = await runSuites({ suites: ['userfaultfd'], backend: 'model', differential: false, inProcess: true });
    expect(r.inputErrors).toEqual([]);
    const notPassed = r.cases.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.status} ${c.message ?? ''}`);
    expect(notPassed).toEqual([]);
    expect(r.cases.length).toBeGreaterThanOrEqual(16);
  });

  it.skipIf(probeMissing !== undefined)('agrees with the live kernel on every scenario (differential)', async () => {
    const r = await runSuites({ suites: ['userfaultfd'], backend: 'both', differential: true, jobs: 2 });
    const failed = r.cases.filter((c) => c.status === 'failed').map((c) => `${c.id} [${c.backend}]: ${c.message ?? ''}`);
    expect(failed).toEqual([]);
    const disagree = r.comparisons.filter((d) => !d.compared || !d.agree).map((d) => `${d.id}: ${JSON.stringify(d.divergence ?? d.reason)}`);
    expect(disagree).toEqual([]);
    expect(r.comparisons.length).toBeGreaterThanOrEqual(16);
  });

  it('refuses to guess a thread state when a session is stepped without yielding to the event loop', () => {
    const [sc] = parseScenarios(
      `name: sync threads
suite: demo
source: test
steps:
  - linux: mmap
    args: {addr: 0, length: 0x1000, prot: [READ, WRITE], flags: [PRIVATE, ANONYMOUS, FIXED]}
  - linux: uffd_create
    args: {flags: [NONBLOCK]}
  - linux: uffd_api
    args: {features: [THREAD_ID]}
  - linux: uffd_register
    args: {addr: 0, length: 0x1000, mode: [MISSING]}
  - access: read
    thread: t
    args: {addr: 0, length: 1}
  - linux: uffd_read
  - linux: join
    args: {thread: t}
`,
      'sync.yaml',
    );
    const s = createModelSession(sc);
    const outcomes = s.runTo(6).map((x) => x.outcome);
    expect(outcomes[4]).toEqual({ kind: 'ok', value: 'started' });
    // The fault is raised synchronously, so the handler already sees it.
    expect(outcomes[5]).toEqual({ kind: 'ok', value: [{ event: 'PAGEFAULT', flags: [], address: 0, ptid: 't' }] });
    let err: unknown;
    try {
      s.step();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('NOT_MODELLED');
  });
});
