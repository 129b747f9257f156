import type { SentLog } from '../protocol/types.js';

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
 * The log never holds more than `maxBytes` (estimated). While connected only the last `tail`
 * events are kept, within half of it: the ones a dead TCP connection may have swallowed before
 * anyone noticed (one array push per event). While detached everything is kept, up to
 * `maxDetached` events and `maxBytes`; past that the peer cannot be resumed exactly and
 * {@link overflowed} turns true. The byte bound is the connection's outbound budget
 * (`MAX_BUFFERED_BYTES`): without it, 128 of the largest SDPs would sit here for every peer,
 * whatever the transport's budget.
 */
export class OutboundLog {
  /** Events sent (or kept for a detached peer) since the peer first connected. */
  count = 0;
  /** Sequence number of `kept[0]` minus one: `kept[i]` is event number `first + i + 1`. */
  private first = 0;
  private kept: Sent[] = [];
  /** {@link approxSize} of each kept event, and their sum. */
  private sizes: number[] = [];
  private bytes = 0;
  private detached = false;
  overflowed = false;

  constructor(
    private readonly tail: number,
    private readonly maxDetached: number,
    private readonly maxBytes = 1024 * 1024,
  ) {}

  /** Bytes (estimated) the log holds now. */
  get keptBytes(): number {
    return this.bytes;
  }

  record(event: string, data: unknown): void {
    this.count++;
    const size = sentSize(event, data);
    this.kept.push([event, data]);
    this.sizes.push(size);
    this.bytes += size;
    if (this.detached) {
      if (this.kept.length > this.tail + this.maxDetached || this.bytes > this.maxBytes) {
        this.overflowed = true;
      }
    } else if (this.kept.length >= this.tail * 2 || this.bytes > this.maxBytes) {
      // Trimmed in halves, so the copy is paid once per `tail` events (or half the bytes).
      this.trim();
    }
  }

  /** Keeps the newest events, at most `tail` of them within `maxBytes`. */
  private trim(): void {
    let keep = 0;
    let bytes = 0;
    for (let i = this.sizes.length - 1; i >= 0 && keep < this.tail; i--) {
      if (bytes + this.sizes[i]! > this.maxBytes / 2) break;
      bytes += this.sizes[i]!;
      keep++;
    }
    if (keep === this.kept.length) return;
    this.kept = this.kept.slice(this.kept.length - keep);
    this.sizes = this.sizes.slice(this.sizes.length - keep);
    this.bytes = bytes;
    this.first = this.count - keep;
  }

  /** From now on keep everything, within bounds (the peer lost its connection). */
  detach(): void {
    this.trim();
    this.detached = true;
  }

  /** Back to keeping the tail only. */
  attach(): void {
    this.detached = false;
    this.trim();
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
    this.sizes = state.kept.map(([event, data]) => sentSize(event, data));
    this.bytes = this.sizes.reduce((sum, size) => sum + size, 0);
  }
}
