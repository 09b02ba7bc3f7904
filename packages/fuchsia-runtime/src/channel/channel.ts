import type { Handle} from '@memsim/zircon-objects';
import { Rights, ZxError, ZxStatus } from '@memsim/zircon-objects';
import { handlesIn } from './handles-in.js';

/** Shared state of one channel pair. */
interface Side {
  queue: unknown[];
  closed: boolean;
  listeners: Set<() => void>;
}

/**
 * One end of an in-memory channel (`zx_channel_create`): an ordered, bidirectional message pipe. Messages are any
 * JS value; handles found inside a message (zircon-objects `Handle` objects in plain objects and arrays) are transferred with
 * it, so they need TRANSFER and are closed if the message is never read. Writing to a channel whose peer has closed
 * fails with PEER_CLOSED; reading an empty channel gives SHOULD_WAIT while the peer is open, PEER_CLOSED after.
 * @public
 */
export class Channel implements Disposable {
  readonly #self: Side;
  readonly #peer: Side;

  private constructor(self: Side, peer: Side) {
    this.#self = self;
    this.#peer = peer;
  }

  /** Creates a connected pair of channel ends. */
  static create(): [Channel, Channel] {
    const a: Side = { queue: [], closed: false, listeners: new Set() };
    const b: Side = { queue: [], closed: false, listeners: new Set() };
    return [new Channel(a, b), new Channel(b, a)];
  }

  /** Whether this end has been closed. */
  get closed(): boolean {
    return this.#self.closed;
  }

  /** Whether the other end has been closed. */
  get peerClosed(): boolean {
    return this.#peer.closed;
  }

  /** Messages waiting to be read on this end. */
  get pending(): number {
    return this.#self.queue.length;
  }

  /**
   * `zx_channel_write`: queues `message` on the peer and tells the peer's listeners at once (synchronously). The
   * handles inside are consumed whatever the outcome, as in Zircon.
   */
  write(message: unknown): void {
    const handles = handlesIn(message);
    if (this.#self.closed) {
      closeAll(handles);
      throw new ZxError(ZxStatus.BAD_HANDLE, 'channel end is closed');
    }
    for (const h of handles) {
      if (!h.valid) {
        closeAll(handles);
        throw new ZxError(ZxStatus.BAD_HANDLE, 'message carries a closed handle');
      }
      if ((h.rights & Rights.TRANSFER) === 0) {
        closeAll(handles);
        throw new ZxError(ZxStatus.ACCESS_DENIED, 'message carries a handle without TRANSFER');
      }
    }
    if (this.#peer.closed) {
      closeAll(handles);
      throw new ZxError(ZxStatus.PEER_CLOSED, 'the other end of the channel is closed');
    }
    this.#peer.queue.push(message);
    notify(this.#peer);
  }

  /** `zx_channel_read`: the oldest queued message. SHOULD_WAIT when empty, PEER_CLOSED when empty and orphaned. */
  read(): unknown {
    if (this.#self.closed) throw new ZxError(ZxStatus.BAD_HANDLE, 'channel end is closed');
    if (this.#self.queue.length === 0) {
      if (this.#peer.closed) throw new ZxError(ZxStatus.PEER_CLOSED, 'the other end of the channel is closed');
      throw new ZxError(ZxStatus.SHOULD_WAIT, 'no message queued');
    }
    return this.#self.queue.shift();
  }

  /**
   * Calls `listener` synchronously whenever a message arrives on this end or the peer closes (READABLE and
   * PEER_CLOSED signals). Dispose the result to stop listening.
   */
  onSignal(listener: () => void): Disposable {
    if (typeof listener !== 'function') throw new ZxError(ZxStatus.INVALID_ARGS, 'listener must be a function');
    const set = this.#self.listeners;
    set.add(listener);
    return { [Symbol.dispose]: () => void set.delete(listener) };
  }

  /** `zx_handle_close`: unread messages (and their handles) are discarded; the peer sees PEER_CLOSED. */
  close(): void {
    if (this.#self.closed) throw new ZxError(ZxStatus.BAD_HANDLE, 'channel end is already closed');
    this.#self.closed = true;
    const unread = this.#self.queue.splice(0);
    for (const m of unread) closeAll(handlesIn(m));
    this.#self.listeners.clear();
    notify(this.#peer);
  }

  /** Closes if open; never throws. */
  [Symbol.dispose](): void {
    if (!this.#self.closed) this.close();
  }
}

function notify(side: Side): void {
  for (const l of [...side.listeners]) l();
}

function closeAll(handles: readonly Handle[]): void {
  for (const h of handles) h[Symbol.dispose]();
}
