import type { RelayedMessage } from './peerjs-messages.js';

/** Messages kept for one id that is not connected; more are dropped (a client gone astray). */
const MAX_PER_ID = 256;
/** Ids with waiting messages; more are not queued (their senders hear nothing, as for a drop). */
const MAX_IDS = 10_000;

/**
 * Messages for ids that are not connected (yet): a PeerJS client may send its offer before the
 * other side's socket is open. Delivered when it connects; after the expiry, each sender is
 * told `EXPIRE` (the client's `peer-unavailable`), as the PeerJS server does.
 */
export class PendingMessages {
  private readonly byId = new Map<string, { since: number; messages: RelayedMessage[] }>();

  add(message: RelayedMessage, now: number): void {
    let queue = this.byId.get(message.dst);
    if (!queue) {
      if (this.byId.size >= MAX_IDS) return;
      queue = { since: now, messages: [] };
      this.byId.set(message.dst, queue);
    }
    if (queue.messages.length < MAX_PER_ID) queue.messages.push(message);
  }

  /** Removes and returns what waits for `id`. */
  take(id: string): RelayedMessage[] {
    const queue = this.byId.get(id);
    if (!queue) return [];
    this.byId.delete(id);
    return queue.messages;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Whether the first message for `id` has waited `expireMs` or more. */
  expired(id: string, now: number, expireMs: number): boolean {
    const queue = this.byId.get(id);
    return queue !== undefined && now - queue.since >= expireMs;
  }
}
