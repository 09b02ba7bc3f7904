import { ZxStatus } from '@memsim/zircon-objects';
import { Kernel } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { Namespace, Runtime, connectToProtocol, connectToProtocolSync, ok, serve } from '../index.js';
import { Echo } from '../test-support/echo.js';

const status = (s: ZxStatus): Error => expect.objectContaining({ status: s }) as Error;

function echoNamespace(): Namespace {
  const ns = new Namespace();
  ns.offerProtocol(Echo, (server) => serve(server, { Echo: (p) => p, Fail: () => ok({}) }));
  return ns;
}

describe('Namespace', () => {
  it('connects to an offered protocol, synchronously and asynchronously', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'client', namespace: echoNamespace() });
    expect(rt.connectToProtocolSync(Echo).call('Echo', { value: 'v' })).toEqual({ value: 'v' });
    await expect(rt.connectToProtocol(Echo).call('Echo', { value: 'w' })).resolves.toEqual({ value: 'w' });
    // The ambient forms use the calling process's namespace.
    expect(rt.run(() => connectToProtocolSync(Echo).call('Echo', { value: 'a' }))).toEqual({ value: 'a' });
    await expect(rt.run(() => connectToProtocol(Echo).call('Echo', { value: 'b' }))).resolves.toEqual({ value: 'b' });
  });

  it('connects to a missing protocol, but the first call fails with PEER_CLOSED', async () => {
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'client' });
    const proxy = rt.connectToProtocolSync(Echo);
    expect(() => proxy.call('Echo', { value: 'v' })).toThrow(status(ZxStatus.PEER_CLOSED));
    await expect(rt.connectToProtocol(Echo).call('Echo', { value: 'v' })).rejects.toThrow(status(ZxStatus.PEER_CLOSED));
  });

  it('lists, refuses duplicates, withdraws offers and drops connections a provider cannot take', () => {
    const ns = echoNamespace();
    expect(ns.names()).toEqual(['test.Echo']);
    expect(() => ns.offer('test.Echo', () => undefined)).toThrow(status(ZxStatus.ALREADY_EXISTS));
    expect(() => ns.offer('bad/name', () => undefined)).toThrow(status(ZxStatus.INVALID_ARGS));
    const offer = ns.offer('broken', () => {
      throw new Error('provider crashed');
    });
    const kernel = new Kernel();
    using rt = Runtime.create(kernel, { name: 'c', namespace: ns });
    const broken = { ...Echo, name: 'broken' };
    expect(() => rt.connectToProtocolSync(broken).call('Echo', { value: '' })).toThrow(status(ZxStatus.PEER_CLOSED));
    offer[Symbol.dispose]();
    expect(ns.has('broken')).toBe(false);
  });
});
