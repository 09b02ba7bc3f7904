import { describe, expect, it } from 'vitest';
import { Process, Vmo } from '@memsim/zircon-objects';
import {
  ConformanceError,
  LINUX_WINDOW_BASE,
  LinuxModelSession,
  SCENARIO_CONSTANTS,
  ZirconModelSession,
  createModelSession,
  loadScenarios,
  normalizeOutcome,
  parseScenarios,
  runScenario,
} from '../index.js';

const ZIRCON = `name: clone and map
suite: demo
source: test
steps:
  - zx: vmo_create
    args: {size: 8192}
    bind: parent
  - zx: vmo_write
    args: {handle: "\${parent}", data: "0102"}
  - zx: vmo_create_child
    args: {handle: "\${parent}", options: "\${ZX_VMO_CHILD_SNAPSHOT}", size: 8192}
    bind: child
  - zx: process_create
    args: {name: p}
    bind: {process: proc, vmar: root}
  - zx: vmar_map
    args: {handle: "\${root}", options: "\${ZX_VM_PERM_READ}", vmo: "\${child}", len: 8192}
    bind: addr
  - access: write
    args: {process: "\${proc}", addr: "\${addr}", data: "00"}
  - check: "addr != 0"
  - zx: vmo_set_size
    args: {handle: "\${parent}", size: 3}
`;

const LINUX = `name: fork and fault
suite: demo
source: test
steps:
  - linux: mmap
    args: {addr: 0x10000, length: 0x2000, prot: [READ], flags: [PRIVATE, ANONYMOUS, FIXED]}
    bind: a
  - fork: kid
  - access: write
    args: {addr: "\${a}", data: "00"}
  - linux: munmap
    args: {addr: 0x10001, length: 0x1000}
  - linux: heap_maps
`;

describe('ModelSession', () => {
  it('steps a Zircon scenario one call at a time and exposes the live kernel, handles and bindings', () => {
    const [sc] = parseScenarios(ZIRCON, 'z.yaml');
    const s = createModelSession(sc);
    expect(s).toBeInstanceOf(ZirconModelSession);
    if (!(s instanceof ZirconModelSession)) return;
    expect(s.bindings.lookup('root_job')).toBe(s.kernel.rootJob);
    expect(s.bindings.lookup('ZX_VM_PERM_READ')).toBe(SCENARIO_CONSTANTS.get('ZX_VM_PERM_READ'));
    s.step();
    const committedBefore = s.kernel.memory.committedBytes();
    const write = s.step();
    expect(write).toMatchObject({ index: 1, label: 'zx vmo_write', kind: 'call', outcome: { kind: 'ok' } });
    // The write committed a page in the live kernel, visible between steps.
    expect(s.kernel.memory.committedBytes()).toBeGreaterThan(committedBefore);
    const steps = s.runTo(6);
    expect(steps.map((r) => r.index)).toEqual([2, 3, 4, 5]);
    // A read-only mapping refuses the write: a fault outcome, not an exception.
    expect(steps[3].outcome).toMatchObject({ kind: 'fault', signal: 'SIGSEGV', fault: 'access-denied' });
    const handles = s.handles();
    expect(handles.filter((h) => h instanceof Vmo).map((h) => s.nameOf(h))).toEqual(['parent', 'child']);
    const proc = handles.find((h) => h instanceof Process);
    expect(proc && s.nameOf(proc)).toBe('proc');
    expect(s.bindings.lookup('proc')).toBe(proc);
    expect(s.step()).toMatchObject({ kind: 'check', label: 'check addr != 0', holds: true });
    expect(s.step().outcome).toMatchObject({ kind: 'status' });
    expect(s.done).toBe(true);
    expect(() => s.step()).toThrow(ConformanceError);
  });

  it('steps a Linux scenario on starnix-mm with processes by name, probe-shaped outcomes and typed limits', () => {
    const [sc] = parseScenarios(LINUX, 'l.yaml');
    const s = createModelSession(sc);
    expect(s).toBeInstanceOf(LinuxModelSession);
    if (!(s instanceof LinuxModelSession)) return;
    expect([...s.processes.keys()]).toEqual(['parent']);
    expect(s.step().outcome).toEqual({ kind: 'ok', value: 0x10000 });
    expect(s.bindings.lookup('a')).toBe(0x10000);
    s.step();
    expect([...s.processes.keys()]).toEqual(['parent', 'kid']);
    expect(s.processes.get('kid')?.maps()).toContain((LINUX_WINDOW_BASE + 0x10000).toString(16));
    expect(s.step().outcome).toMatchObject({ kind: 'fault', signal: 'SIGSEGV', code: 'SEGV_ACCERR', faultAddr: 0x10000 });
    expect(s.step().outcome).toMatchObject({ kind: 'errno', errno: 'EINVAL' });
    let err: unknown;
    try {
      s.step();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('NOT_MODELLED');
  });

  it('gives the outcomes runScenario judges on the model, for every shipped scenario it runs fully', async () => {
    const { scenarios } = loadScenarios([]);
    let compared = 0;
    for (const sc of scenarios) {
      const r = await runScenario(sc, { backend: 'model' });
      if (r.status === 'skipped' || r.steps.length !== sc.steps.length || sc.steps.some((st) => st.kind === 'debug')) continue;
      const s = createModelSession(sc);
      // Normalised as each step ends, as the runner does: a handle closed later no longer has a koid.
      // Yielding to the event loop after each step, as the runner does, lets threads' tasks settle.
      const outcomes: unknown[] = [];
      while (!s.done) {
        outcomes.push(normalizeOutcome(s.step().outcome));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(outcomes, r.id).toEqual(r.steps.map((x) => normalizeOutcome(x.outcome)));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});
