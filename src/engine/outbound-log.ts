import type {
  OutboundData,
  OutboundEvent,
  OutboundEventName,
  OutboundEvents,
} from '../protocol/outbound.js';
import type { SentLog } from '../protocol/types.js';

/** One event as it was sent to a peer. */
export type Sent = OutboundEvent;

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

/**
 * Slots a log starts with: an idle peer's few events (its joins, peers joining it) fit without
 * growing. `welcome` is not kept: it goes to the connection, not through the peer's log.
 */
const INITIAL_SLOTS = 4;

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
 * and per event a few writes into a ring that grows only when full. While detached everything is kept, up to
 * `maxDetached` events and `maxBytes`; past that the peer cannot be resumed exactly and
 * {@link overflowed} turns true. The byte bound is the connection's outbound budget
 * (`MAX_BUFFERED_BYTES`): without it, 64 of the largest SDPs would sit here for every peer,
 * whatever the transport's budget. A replay that needs events no longer kept is refused, so the
 * bounds decide how often a resume succeeds, never what it replays.
 */
export class OutboundLog {
  /** Events sent (or kept for a detached peer) since the peer first connected. */
  count = 0;
  /** A ring of the kept events: slot `i` holds an event's name and its data (`undefined` when free). */
  private names: Array<OutboundEventName | undefined> = new Array(INITIAL_SLOTS);
  private payloads: OutboundData[] = new Array(INITIAL_SLOTS);
  /** The same slots' {@link approxSize} (`2i`) and the time they were recorded (`2i + 1`). */
  private meta: number[] = new Array(2 * INITIAL_SLOTS).fill(0);
  /** Slot of the oldest kept event, and how many are kept. */
  private head = 0;
  private size = 0;
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
    return this.size;
  }

  /** Sequence number of the oldest kept event minus one. */
  private get first(): number {
    return this.count - this.size;
  }

  record<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void {
    this.count++;
    const size = sentSize(event, data);
    const now = Date.now();
    const slots = this.names.length;
    if (this.size === slots) this.resize(slots * 2);
    const slot = (this.head + this.size) % this.names.length;
    this.names[slot] = event;
    this.payloads[slot] = data;
    this.meta[2 * slot] = size;
    this.meta[2 * slot + 1] = now;
    this.size++;
    this.bytes += size;
    if (!this.detached) this.prune(now);
    else if (this.size > this.tail + this.maxDetached || this.bytes > this.maxBytes) {
      this.overflowed = true;
    }
  }

  /** Drops the oldest events past the connected bounds (count, bytes, age). */
  private prune(now: number): void {
    const oldest = now - this.maxAgeMs;
    while (
      this.size > 0 &&
      (this.size > this.tail ||
        this.bytes > this.maxBytes ||
        this.meta[2 * this.head + 1]! < oldest)
    ) {
      this.dropOldest();
    }
    this.shrink();
  }

  private dropOldest(): void {
    this.bytes -= this.meta[2 * this.head]!;
    this.names[this.head] = this.payloads[this.head] = undefined; // collectable at once
    this.head = (this.head + 1) % this.names.length;
    this.size--;
  }

  /** A ring that held a detached peer's backlog shrinks back once it is mostly empty. */
  private shrink(): void {
    const slots = this.names.length;
    if (slots > INITIAL_SLOTS && this.size * 4 <= slots) this.resize(slots / 2);
  }

  /** Moves the kept events, in order, into a ring of `slots` (grown when full: per event, O(1)). */
  private resize(slots: number): void {
    const names: Array<OutboundEventName | undefined> = new Array(slots);
    const payloads: OutboundData[] = new Array(slots);
    const meta: number[] = new Array(2 * slots).fill(0);
    const from = this.names.length;
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) % from;
      names[i] = this.names[at];
      payloads[i] = this.payloads[at];
      meta[2 * i] = this.meta[2 * at]!;
      meta[2 * i + 1] = this.meta[2 * at + 1]!;
    }
    this.names = names;
    this.payloads = payloads;
    this.meta = meta;
    this.head = 0;
  }

  /**
   * The client has read the first `received` events (a heartbeat answered: its pong came after
   * them on the same ordered stream), so a resume can no longer ask for them: they go now rather
   * than when {@link maxAgeMs} runs out. A connected peer's log then holds about one ping
   * interval of events instead of a ping interval plus the ping timeout.
   */
  confirm(received: number): void {
    if (this.detached) return;
    while (this.size > 0 && this.first < received) this.dropOldest();
    this.shrink();
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
    const slots = this.names.length;
    for (let i = received - this.first; i < this.size; i++) {
      const at = (this.head + i) % slots;
      events.push([this.names[at]!, this.payloads[at]]);
    }
    return events;
  }

  /** The kept events with their numbering, to hand a peer to another process. */
  export(): SentLog {
    return { first: this.first, count: this.count, kept: this.entries(this.first) };
  }

  /** Continues a log exported by another process (its numbering: `first` is `count` minus kept). */
  import(state: SentLog): void {
    this.count = state.count;
    this.head = this.size = this.bytes = 0;
    this.resize(Math.max(INITIAL_SLOTS, state.kept.length));
    // Their age is unknown here: counted from now, so they are kept the longest.
    const now = Date.now();
    for (const [event, data] of state.kept) {
      const size = sentSize(event, data);
      this.names[this.size] = event;
      this.payloads[this.size] = data;
      this.meta[2 * this.size] = size;
      this.meta[2 * this.size + 1] = now;
      this.size++;
      this.bytes += size;
    }
  }
}
