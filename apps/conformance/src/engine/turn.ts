/**
 * Runs `callback` at the next turn of the event loop: `setImmediate` in Node; in a browser (the playground), which
 * has no `setImmediate`, a message-channel task (`setTimeout(0)` would be clamped to 4 ms once nested). Both queue
 * in order, so a callback queued before another runs first.
 */
export function onNextTurn(callback: () => void): void {
  if (typeof setImmediate === 'function') {
    setImmediate(callback);
    return;
  }
  // The browser's port (Node's types describe worker_threads' port, which has no onmessage).
  const ch = new MessageChannel() as unknown as { port1: { onmessage: (() => void) | null; close(): void }; port2: { postMessage(m: null): void } };
  ch.port1.onmessage = () => {
    ch.port1.close();
    callback();
  };
  ch.port2.postMessage(null);
}
