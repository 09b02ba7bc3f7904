import { Namespace, Runtime } from '@memsim/fuchsia-runtime';
import { Kernel, MemoryPriority, VmOptions, ZxStatus } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { RoleManagerServer, connectToRoleManagerSync, createRoleManagerProxyAndStream, parseRoleConfig } from './index.js';

// The README's example and format sample, kept runnable.
describe('README', () => {
  it('example runs as documented', async () => {
    const kernel = new Kernel();
    const namespace = new Namespace();
    new RoleManagerServer().offerIn(namespace);
    using runtime = Runtime.create(kernel, { name: 'example', namespace });

    const { vmar } = runtime.rootVmar.allocate(VmOptions.CAN_MAP_READ, 0, 1 << 20);
    const roles = connectToRoleManagerSync(runtime);
    expect(roles.setRole({ target: { vmar: vmar.duplicate() }, role: { role: 'fuchsia.starnix.mlock' } })).toEqual({ ok: true, value: { outputParameters: [] } });
    expect(vmar.memoryPriority() === MemoryPriority.HIGH).toBe(true);
    expect(roles.setRole({ target: { vmar: vmar.duplicate() }, role: { role: 'no.such.role' } })).toEqual({ ok: false, error: ZxStatus.NOT_FOUND });

    const { proxy, stream } = createRoleManagerProxyAndStream();
    const reply = proxy.setRole({ target: { vmar: vmar.duplicate() }, role: { role: 'anything' } });
    const { value: request } = await stream.next();
    expect(request?.payload.role).toEqual({ role: 'anything' });
    request?.responder.send({ ok: true, value: {} });
    expect(await reply).toEqual({ ok: true, value: {} });
  });

  it('format sample parses', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const sample = /```json5\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const c = parseRoleConfig(sample!, 'README.md');
    expect(c.threadRole('example.tuned', { input: 'fast', level: '2' })?.outputParameters).toHaveLength(3);
    expect(c.memoryRole('fuchsia.starnix.pinned_memory')?.priority).toBe(MemoryPriority.HIGH);
  });
});
