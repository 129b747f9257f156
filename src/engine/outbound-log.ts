import type { SentLog } from './types.js';

/** One event as it was sent to a peer. */
export type Sent = [event: string, data: unknown];

/**
 * What a resumable peer was sent, numbered from 1 since it first connected. A client that comes
 * back says how many events it received; the log hands over the rest, in order.
 *
 * While connected only the last `tail` events are kept: the ones a dead TCP connection may have
 * swallowed before anyone noticed (one array push per event).
 * While detached everything is kept, up to `maxDetached`; past that the peer cannot be resumed
 * exactly and {@link overflowed} turns true.
 */
export class OutboundLog {
  /** Events sent (or kept for a detached peer) since the peer first connected. */
  count = 0;
  /** Sequence number of `kept[0]` minus one: `kept[i]` is event number `first + i + 1`. */
  private first = 0;
  private kept: Sent[] = [];
  private detached = false;
  overflowed = false;

  constructor(
    private readonly tail: number,
    private readonly maxDetached: number,
  ) {}

  record(event: string, data: unknown): void {
    this.count++;
    const kept = this.kept;
    kept.push([event, data]);
    if (this.detached) {
      if (kept.length > this.tail + this.maxDetached) this.overflowed = true;
    } else if (kept.length >= this.tail * 2) {
      // Trimmed in halves, so the copy is paid once per `tail` events.
      this.kept = kept.slice(kept.length - this.tail);
      this.first = this.count - this.kept.length;
    }
  }

  /** From now on keep everything (the peer lost its connection). */
  detach(): void {
    this.detached = true;
  }

  /** Back to keeping the tail only. */
  attach(): void {
    this.detached = false;
    if (this.kept.length > this.tail) {
      this.kept = this.kept.slice(this.kept.length - this.tail);
      this.first = this.count - this.kept.length;
    }
  }

  /**
   * The events after the first `received`, or undefined when some of them are no longer kept
   * (or `received` is more than was ever sent).
   */
  since(received: number): Sent[] | undefined {
    if (this.overflowed || received > this.count || received < this.first) return undefined;
    return this.kept.slice(received - this.first);
  }

  /** The kept events with their numbering, to hand a peer to another process. */
  export(): SentLog {
    return { first: this.first, count: this.count, kept: this.kept };
  }

  /** Continues a log exported by another process (its numbering included). */
  import(state: SentLog): void {
    this.first = state.first;
    this.count = state.count;
    this.kept = state.kept;
  }
}
