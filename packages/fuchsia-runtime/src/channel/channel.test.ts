import { Kernel, Rights, Vmo, ZxError, ZxStatus } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel } from '../index.js';

const status = (s: ZxStatus): Error => expect.objectContaining({ status: s }) as Error;

describe('Channel', () => {
  it('delivers messages in order and reports SHOULD_WAIT then PEER_CLOSED', () => {
    const [a, b] = Channel.create();
    expect(() => b.read()).toThrow(status(ZxStatus.SHOULD_WAIT));
    a.write(1);
    a.write({ x: 2 });
    expect(b.pending).toBe(2);
    expect(b.read()).toBe(1);
    expect(b.read()).toEqual({ x: 2 });
    a.close();
    expect(b.peerClosed).toBe(true);
    expect(() => b.read()).toThrow(status(ZxStatus.PEER_CLOSED));
    expect(() => b.write(3)).toThrow(status(ZxStatus.PEER_CLOSED));
    expect(() => a.write(3)).toThrow(status(ZxStatus.BAD_HANDLE));
    expect(() => a.close()).toThrow(status(ZxStatus.BAD_HANDLE));
    a[Symbol.dispose]();
  });

  it('keeps order for any sequence of messages (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 30 }), (msgs) => {
        const [a, b] = Channel.create();
        for (const m of msgs) a.write(m);
        const got: unknown[] = [];
        while (b.pending > 0) got.push(b.read());
        expect(got).toEqual(msgs);
      }),
      { numRuns: 50 },
    );
  });

  it('tells listeners synchronously, and stops when disposed', () => {
    const [a, b] = Channel.create();
    let calls = 0;
    const sub = b.onSignal(() => calls++);
    a.write('x');
    expect(calls).toBe(1);
    sub[Symbol.dispose]();
    a.write('y');
    expect(calls).toBe(1);
  });

  it('transfers handles: needs TRANSFER, closes unread ones and ones written to a closed peer', () => {
    const kernel = new Kernel();
    const [a, b] = Channel.create();
    const v1 = Vmo.create(kernel, 4096);
    a.write({ target: { vmar: v1 } });
    b.close();
    expect(v1.valid).toBe(false);
    const [c, d] = Channel.create();
    const v2 = Vmo.create(kernel, 4096);
    const noTransfer = v2.duplicate(Rights.BASIC & ~Rights.TRANSFER);
    expect(() => c.write([noTransfer])).toThrow(status(ZxStatus.ACCESS_DENIED));
    expect(noTransfer.valid).toBe(false);
    d.close();
    expect(() => c.write([v2])).toThrow(ZxError);
    expect(v2.valid).toBe(false);
  });

  it('rejects messages carrying closed handles', () => {
    const kernel = new Kernel();
    const [a] = Channel.create();
    const v = Vmo.create(kernel, 0);
    v.close();
    expect(() => a.write({ v })).toThrow(status(ZxStatus.BAD_HANDLE));
  });
});
