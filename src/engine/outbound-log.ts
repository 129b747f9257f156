import type { SentLog } from './types.js';

/** One event as it was sent to a peer. */
export type Sent = [event: string, data: unknown];

/**
 * About the JSON size of an event's data, without serializing it (this runs on every relayed
 * message): string lengths plus a few bytes per value, to a fixed depth. SDPs, candidates and
 * chat text are strings, so it is close where it matters.
 */
export function approxSize(data: unknown, depth = 0): number {
  if (typeof data === 'string') return data.length + 2;
  if (data === null || typeof data !== 'object') return 8;
  if (depth > 3) return 64;
  let size = 2;
  if (Array.isArray(data)) {
    for (const value of data) size += approxSize(value, depth + 1) + 1;
    return size;
  }
  for (const key in data) {
    size += key.length + 4 + approxSize((data as Record<string, unknown>)[key], depth + 1);
  }
  return size;
}

/** What one kept event counts against the log's byte bound. */
const sentSize = (event: string, data: unknown) => event.length + approxSize(data);

/**
 * What a resumable peer was sent, numbered from 1 since it first connected. A client that comes
 * back says how many events it received; the log hands over the rest, in order.
 *
 * While connected only what a dead connection may have swallowed unnoticed is kept: events sent
 * within the last `maxAgeMs` (the heartbeat's ping interval + ping timeout: anything older was
 * confirmed by a pong, or the connection would have been dropped), at most the last `tail` of
 * them and within `maxBytes` (estimated). Older events go when the next one is recorded: no timer,
 * and per event only pushes onto two arrays. While detached everything is kept, up to
 * `maxDetached` events and `maxBytes`; past that the peer cannot be resumed exactly and
 * {@link overflowed} turns true. The byte bound is the connection's outbound budget
 * (`MAX_BUFFERED_BYTES`): without it, 64 of the largest SDPs would sit here for every peer,
 * whatever the transport's budget. A replay that needs events no longer kept is refused, so the
 * bounds decide how often a resume succeeds, never what it replays.
 */
export class OutboundLog {
  /** Events sent (or kept for a detached peer) since the peer first connected. */
  count = 0;
  /** Kept events, flat: event name then data; entry `i` is at `2 * (head + i)`. */
  private sent: unknown[] = [];
  /** Flat too: the {@link approxSize} of each kept event, then the time it was recorded. */
  private meta: number[] = [];
  /** Entries before `head` are dropped, their slots freed by the next compaction. */
  private head = 0;
  private bytes = 0;
  private detached = false;
  overflowed = false;

  constructor(
    private readonly tail: number,
    private readonly maxDetached: number,
    private readonly maxBytes = 1024 * 1024,
    private readonly maxAgeMs = 85_000,
  ) {}

  /** Bytes (estimated) the log holds now. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Events the log holds now. */
  get kept(): number {
    return this.sent.length / 2 - this.head;
  }

  /** Sequence number of the oldest kept event minus one. */
  private get first(): number {
    return this.count - this.kept;
  }

  record(event: string, data: unknown): void {
    this.count++;
    const size = sentSize(event, data);
    const now = Date.now();
    this.sent.push(event, data);
    this.meta.push(size, now);
    this.bytes += size;
    if (!this.detached) this.prune(now);
    else if (this.kept > this.tail + this.maxDetached || this.bytes > this.maxBytes) {
      this.overflowed = true;
    }
  }

  /** Drops the oldest events past the connected bounds (count, bytes, age). */
  private prune(now: number): void {
    const oldest = now - this.maxAgeMs;
    let head = this.head;
    const end = this.sent.length / 2;
    while (
      head < end &&
      (end - head > this.tail || this.bytes > this.maxBytes || this.meta[2 * head + 1]! < oldest)
    ) {
      this.bytes -= this.meta[2 * head]!;
      this.sent[2 * head] = this.sent[2 * head + 1] = undefined; // collectable at once
      head++;
    }
    // Slots are reclaimed in place once they are half the arrays: on average one entry moved
    // per event, and nothing allocated.
    if (head > 0 && head * 2 >= end) {
      this.sent.copyWithin(0, 2 * head);
      this.sent.length -= 2 * head;
      this.meta.copyWithin(0, 2 * head);
      this.meta.length -= 2 * head;
      head = 0;
    }
    this.head = head;
  }

  /** From now on keep everything, within bounds (the peer lost its connection). */
  detach(): void {
    this.prune(Date.now());
    this.detached = true;
  }

  /** Back to keeping the tail only. */
  attach(): void {
    this.detached = false;
    this.prune(Date.now());
  }

  /**
   * The events after the first `received`, or undefined when some of them are no longer kept
   * (or `received` is more than was ever sent).
   */
  since(received: number): Sent[] | undefined {
    if (this.overflowed || received > this.count || received < this.first) return undefined;
    return this.entries(received);
  }

  /** The kept events after the first `received` (which must be kept). */
  private entries(received: number): Sent[] {
    const events: Sent[] = [];
    for (let i = 2 * (this.head + received - this.first); i < this.sent.length; i += 2) {
      events.push([this.sent[i] as string, this.sent[i + 1]]);
    }
    return events;
  }

  /** The kept events with their numbering, to hand a peer to another process. */
  export(): SentLog {
    return { first: this.first, count: this.count, kept: this.entries(this.first) };
  }

  /** Continues a log exported by another process (its numbering: `first` is `count` minus kept). */
  import(state: SentLog): void {
    const now = Date.now();
    this.count = state.count;
    this.sent = state.kept.flat();
    // Their age is unknown here: counted from now, so they are kept the longest.
    this.meta = state.kept.flatMap(([event, data]) => [sentSize(event, data), now]);
    this.head = 0;
    this.bytes = 0;
    for (let i = 0; i < this.meta.length; i += 2) this.bytes += this.meta[i]!;
  }
}
