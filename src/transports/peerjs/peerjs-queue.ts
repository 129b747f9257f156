import type { RelayedMessage } from './peerjs-messages.js';

/** Messages kept for one id that is not connected; more are dropped (a client gone astray). */
const MAX_PER_ID = 256;
/** Ids with waiting messages; more are not queued (their senders hear nothing, as for a drop). */
const MAX_IDS = 10_000;
/**
 * Bytes (JSON characters) of waiting messages one sender may hold; more are dropped. A real
 * client's queue is an offer and its candidates; without it, frames of up to MAX_PAYLOAD_BYTES
 * at the rate limit would hold gigabytes for 5 s. 1 MiB: the default outbound budget, so the
 * queue of one sender delivered at once does not put a fresh peer over it.
 */
const MAX_BYTES_PER_SENDER = 1_048_576;

interface Queue {
  since: number;
  messages: RelayedMessage[];
  sizes: number[];
}

/**
 * Messages for ids that are not connected (yet): a PeerJS client may send its offer before the
 * other side's socket is open. Delivered when it connects; after the expiry, each sender is
 * told `EXPIRE` (the client's `peer-unavailable`), as the PeerJS server does.
 */
export class PendingMessages {
  private readonly byId = new Map<string, Queue>();
  private readonly bytesBySender = new Map<string, number>();

  add(message: RelayedMessage, now: number): void {
    let queue = this.byId.get(message.dst);
    if (queue && queue.messages.length >= MAX_PER_ID) return;
    // Measured only here, off the relay's path: a message to an id not connected.
    const size = JSON.stringify(message).length;
    const held = this.bytesBySender.get(message.src) ?? 0;
    if (held + size > MAX_BYTES_PER_SENDER) return;
    if (!queue) {
      if (this.byId.size >= MAX_IDS) return;
      queue = { since: now, messages: [], sizes: [] };
      this.byId.set(message.dst, queue);
    }
    queue.messages.push(message);
    queue.sizes.push(size);
    this.bytesBySender.set(message.src, held + size);
  }

  /** Removes and returns what waits for `id`. */
  take(id: string): RelayedMessage[] {
    const queue = this.byId.get(id);
    if (!queue) return [];
    this.byId.delete(id);
    queue.messages.forEach(({ src }, i) => {
      const left = (this.bytesBySender.get(src) ?? 0) - queue.sizes[i]!;
      if (left > 0) this.bytesBySender.set(src, left);
      else this.bytesBySender.delete(src);
    });
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
