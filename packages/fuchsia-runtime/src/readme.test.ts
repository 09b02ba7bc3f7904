import { Kernel, type ZxError } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { Namespace, Runtime, defineProtocol, ok, serve, vmarRootSelf, type MethodResult } from './index.js';

// The README example, kept runnable.
describe('README example', () => {
  it('runs as documented', async () => {
    type EchoMethods = { Echo: { request: { text: string }; response: MethodResult<{ text: string }> } };
    const Echo = defineProtocol<EchoMethods>('example.Echo', ['Echo']);

    const kernel = new Kernel({ seed: 1 });
    const namespace = new Namespace();
    namespace.offerProtocol(Echo, (server) => serve(server, { Echo: ({ text }) => ok({ text }) }));
    using runtime = Runtime.create(kernel, { name: 'example', namespace });

    const reply = runtime.run(() => {
      expect(vmarRootSelf() === runtime.rootVmar).toBe(true);
      return runtime.connectToProtocolSync(Echo).call('Echo', { text: 'hi' });
    });
    expect(reply).toEqual({ ok: true, value: { text: 'hi' } });

    const Missing = defineProtocol<EchoMethods>('example.Missing', ['Echo']);
    let message = '';
    try {
      runtime.connectToProtocolSync(Missing).call('Echo', { text: 'hi' });
    } catch (e) {
      message = (e as ZxError).message;
    }
    expect(message).toBe('ZX_ERR_PEER_CLOSED: example.Missing.Echo: channel closed');

    const thread = runtime.spawnThread(() => 6 * 7, { stackSize: 64 * 1024 });
    expect(thread.regions.map((r) => r.kind)).toEqual(['machine-stack', 'security-stack', 'thread-block']);
    expect(await thread.join()).toBe(42);
  });
});
