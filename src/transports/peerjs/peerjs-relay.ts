import type { Engine } from '../../engine/engine.js';
import { PEERJS_MESSAGE } from '../../protocol/outbound.js';
import type { PeerSink } from '../../protocol/types.js';
import { MessageType, QUEUED, type RelayedMessage } from './peerjs-messages.js';
import { PendingMessages } from './peerjs-queue.js';

/** The internal event carrying a PeerJS message to a peer's sink (also across processes). */
export const PEERJS_EVENT = PEERJS_MESSAGE;

/** How long a message for an id that is not connected waits: the PeerJS server's `expire_timeout`. */
export const EXPIRE_MS = 5000;

/**
 * Routes PeerJS messages to ids: a PeerJS peer on this process, or on another one through the
 * cluster (the id is unique cluster-wide). Reads the cluster's local mirror: nothing awaited.
 */
export class PeerjsRelay {
  private readonly pending = new PendingMessages();

  /** `local`: the sink of a PeerJS peer connected to this process, by id. */
  constructor(
    private readonly engine: Engine,
    private readonly local: (id: string) => PeerSink | undefined,
  ) {}

  /** Relays a client's message, or keeps it for an id that is not connected yet. */
  send(message: RelayedMessage): void {
    if (this.deliver(message)) this.engine.countRelayed();
    else if (QUEUED.has(message.type)) this.pending.add(message, Date.now());
  }

  /** A peer opened here: what waited for it, in order. */
  opened(id: string): void {
    for (const message of this.pending.take(id)) this.send(message);
  }

  /** A peer is gone: those it talked to hear `LEAVE` and close their connections to it. */
  left(id: string, contacts: Iterable<string>): void {
    for (const dst of contacts) this.deliver({ type: MessageType.LEAVE, src: id, dst });
  }

  /**
   * Hands queued messages to ids that connected on another process, and answers those that
   * waited `EXPIRE_MS` with `EXPIRE` to each sender (once per sender).
   */
  sweep(now = Date.now()): void {
    for (const id of this.pending.ids()) {
      if (this.reachable(id)) this.opened(id);
      else if (this.pending.expired(id, now, EXPIRE_MS)) {
        const senders = new Set(this.pending.take(id).map((message) => message.src));
        for (const src of senders) this.deliver({ type: MessageType.EXPIRE, src: id, dst: src });
      }
    }
  }

  private reachable(id: string): boolean {
    return this.local(id) !== undefined || this.remote(id) !== undefined;
  }

  /** The process of a PeerJS peer connected elsewhere in the cluster. */
  private remote(id: string): string | undefined {
    const { cluster } = this.engine;
    const peer = cluster.peer(id);
    return peer?.transport === 'peerjs' && peer.nodeId !== cluster.nodeId ? peer.nodeId : undefined;
  }

  /** Writes to a connected PeerJS peer; false when `dst` is none (other transports' ids too). */
  private deliver(message: RelayedMessage): boolean {
    const local = this.local(message.dst);
    if (local) {
      local.emit(PEERJS_EVENT, message);
      return true;
    }
    const nodeId = this.remote(message.dst);
    if (nodeId === undefined) return false;
    this.engine.cluster.forward(nodeId, message.dst, PEERJS_EVENT, message);
    return true;
  }
}
