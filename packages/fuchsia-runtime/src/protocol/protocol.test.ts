import { ZxStatus } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import {
  AsyncProxy,
  INFINITE,
  SyncProxy,
  createEndpoints,
  createProxyAndStream,
  createSyncProxyAndStream,
  defineProtocol,
  err,
  ok,
  serve,
} from '../index.js';
import { Echo, type EchoMethods } from '../test-support/echo.js';

const status = (s: ZxStatus): Error => expect.objectContaining({ status: s }) as Error;

describe('defineProtocol', () => {
  it('validates names and methods', () => {
    expect(() => defineProtocol('', ['A'])).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => defineProtocol('a/b', ['A'])).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => defineProtocol('x'.repeat(256), ['A'])).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => defineProtocol('ok', [])).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(defineProtocol('ok', ['A']).methods).toEqual(['A']);
  });
});

describe('serve', () => {
  it('answers arguments that are not a server end and handlers with INVALID_ARGS', () => {
    const { server } = createEndpoints(Echo);
    for (const bad of [undefined, null, 7, 'server', {}, { channel: {} }])
      expect(() => serve(bad as unknown as typeof server, { Echo: (p) => p, Fail: () => ok({}) })).toThrow(status(ZxStatus.INVALID_ARGS));
    const noHandlers: unknown = null;
    expect(() => serve(server, noHandlers as Parameters<typeof serve<EchoMethods>>[1])).toThrow(status(ZxStatus.INVALID_ARGS));
  });
});

describe('SyncProxy', () => {
  it('gets replies from an inline server, including error results', () => {
    const { client, server } = createEndpoints(Echo);
    serve(server, {
      Echo: (p) => ({ value: p.value.toUpperCase() }),
      Fail: (p) => (p.status === 0 ? ok({}) : err(p.status as ZxStatus)),
    });
    const proxy = new SyncProxy(client);
    expect(proxy.call('Echo', { value: 'hi' }, INFINITE)).toEqual({ value: 'HI' });
    expect(proxy.call('Fail', { status: ZxStatus.NOT_FOUND })).toEqual({ ok: false, error: ZxStatus.NOT_FOUND });
    expect(proxy.call('Fail', { status: 0 })).toEqual({ ok: true, value: {} });
  });

  it('times out when the server never replies, and ignores the late reply', () => {
    const { proxy, stream } = createSyncProxyAndStream(Echo);
    const held: { send(v: { value: string }): void }[] = [];
    let answer = false;
    stream.onRequest((req) => {
      if (req.method !== 'Echo') return;
      if (answer) req.responder.send({ value: 'now ' + req.payload.value });
      else held.push(req.responder);
    });
    expect(() => proxy.call('Echo', { value: 'a' }, 10)).toThrow(status(ZxStatus.TIMED_OUT));
    held[0].send({ value: 'late' });
    answer = true;
    expect(proxy.call('Echo', { value: 'b' })).toEqual({ value: 'now b' });
  });

  it('times out when the stream is consumed asynchronously (the server cannot run while the caller blocks)', () => {
    const { proxy, stream } = createSyncProxyAndStream(Echo);
    expect(() => proxy.call('Echo', { value: 'a' })).toThrow(status(ZxStatus.TIMED_OUT));
    expect(stream.tryNext()?.method).toBe('Echo');
  });

  it('fails with PEER_CLOSED when the server end is gone, or with the epitaph', () => {
    const { proxy, stream } = createSyncProxyAndStream(Echo);
    stream[Symbol.dispose]();
    expect(() => proxy.call('Echo', { value: 'a' })).toThrow(status(ZxStatus.PEER_CLOSED));
    const pair = createSyncProxyAndStream(Echo);
    pair.stream.shutdownWithEpitaph(ZxStatus.ACCESS_DENIED);
    expect(() => pair.proxy.call('Echo', { value: 'a' })).toThrow(status(ZxStatus.ACCESS_DENIED));
  });

  it('closes the connection with an epitaph when a bound handler throws', () => {
    const { client, server } = createEndpoints(Echo);
    serve(server, {
      Echo: () => {
        throw new Error('boom');
      },
      Fail: () => ok({}),
    });
    const proxy = new SyncProxy(client);
    expect(() => proxy.call('Echo', { value: 'a' })).toThrow(status(ZxStatus.INTERNAL));
    expect(() => proxy.call('Fail', { status: 0 })).toThrow(status(ZxStatus.INTERNAL));
  });

  it('treats a throwing onRequest handler as a crashed server', () => {
    const { proxy, stream } = createSyncProxyAndStream(Echo);
    const boom = new Error('handler bug');
    stream.onRequest(() => {
      throw boom;
    });
    expect(() => proxy.call('Echo', { value: 'a' })).toThrow(status(ZxStatus.INTERNAL));
    expect(stream.handlerError).toBe(boom);
    expect(stream.isTerminated).toBe(true);
  });

  it('rejects unknown methods and bad deadlines', () => {
    const { proxy } = createSyncProxyAndStream(Echo);
    expect(() => proxy.call('Nope' as 'Echo', { value: '' })).toThrow(status(ZxStatus.INVALID_ARGS));
    expect(() => proxy.call('Echo', { value: '' }, Number.NaN)).toThrow(status(ZxStatus.INVALID_ARGS));
  });
});

describe('AsyncProxy and RequestStream', () => {
  it('lets a test play the server and inspect each request', async () => {
    const { proxy, stream } = createProxyAndStream(Echo);
    const reply = proxy.call('Echo', { value: 'x' });
    const next = await stream.next();
    expect(next.done).toBe(false);
    const req = next.value!;
    expect(req.method).toBe('Echo');
    expect(req.payload).toEqual({ value: 'x' });
    if (req.method === 'Echo') req.responder.send({ value: 'y' });
    expect(req.responder.sent).toBe(true);
    expect(() => {
      if (req.method === 'Echo') req.responder.send({ value: 'z' });
    }).toThrow(status(ZxStatus.BAD_STATE));
    await expect(reply).resolves.toEqual({ value: 'y' });
  });

  it('iterates requests until the client closes', async () => {
    const { proxy, stream } = createProxyAndStream(Echo);
    const replies = [proxy.call('Echo', { value: '1' }), proxy.call('Echo', { value: '2' })];
    const seen: string[] = [];
    for await (const req of stream) {
      if (req.method !== 'Echo') continue;
      seen.push(req.payload.value);
      req.responder.send({ value: req.payload.value + '!' });
      if (seen.length === 2) proxy[Symbol.dispose]();
    }
    expect(seen).toEqual(['1', '2']);
    await expect(Promise.all(replies)).resolves.toEqual([{ value: '1!' }, { value: '2!' }]);
    expect(stream.isTerminated).toBe(true);
  });

  it('times out when the server never replies', async () => {
    const { proxy, stream } = createProxyAndStream(Echo);
    await expect(proxy.call('Echo', { value: 'a' }, { timeoutMs: 5 })).rejects.toThrow(status(ZxStatus.TIMED_OUT));
    expect(stream.tryNext()?.method).toBe('Echo');
  });

  it('rejects pending calls with PEER_CLOSED when the server goes', async () => {
    const { proxy, stream } = createProxyAndStream(Echo);
    const p = proxy.call('Echo', { value: 'a' });
    await stream.next();
    stream[Symbol.dispose]();
    await expect(p).rejects.toThrow(status(ZxStatus.PEER_CLOSED));
    await expect(proxy.call('Echo', { value: 'b' })).rejects.toThrow(status(ZxStatus.PEER_CLOSED));
  });

  it('serves async clients through bound handlers, with error results', async () => {
    const { client, server } = createEndpoints(Echo);
    serve(server, { Echo: (p) => p, Fail: (p) => err(p.status as ZxStatus) });
    const proxy = new AsyncProxy(client);
    await expect(proxy.call('Fail', { status: ZxStatus.WRONG_TYPE })).resolves.toEqual({ ok: false, error: ZxStatus.WRONG_TYPE });
  });

  it('closes the connection on a request for an unknown method', () => {
    const { client, server } = createEndpoints(Echo);
    const stream = serve(server, { Echo: (p) => p, Fail: () => ok({}) });
    client.channel.write({ kind: 'request', txid: 1, method: 'Bogus', body: null });
    expect(stream.isTerminated).toBe(true);
    expect(client.channel.peerClosed).toBe(true);
  });
});
