import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { randomToken } from '../../engine/random-token.js';
import type { PeerView } from '../../engine/peer.js';
import type { Connection } from '../core/connection.js';

/** The one event sent unnamed (an EventSource `message`). */
export const UNNAMED_EVENT = 'broadcast';

/** What a REST call into the engine led to, from the events it caused. */
export type Outcome =
  | { kind: 'done'; event?: string; data?: unknown }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'queued' };

export type SessionListener = (event: string, data: unknown) => void;

interface Sent {
  seq: number;
  at: number;
  frame: string;
}

export interface SessionLimits {
  /** Keep sent events this long for a resume (ms). */
  keepFor: number;
  /** ...and at most this many. */
  maxKept: number;
  /** ...and at most this many characters of them (the outbound budget, MAX_BUFFERED_BYTES). */
  maxKeptBytes?: number;
  /** Bytes unsent on the socket before the stream is cut and {@link SseSession.onOverBudget} runs. */
  maxUnsent: number;
}

/**
 * One SSE connection: an engine peer plus the events sent to it, kept for a while so a client
 * that reconnects with `Last-Event-ID` gets exactly what it missed. Event ids are
 * `connectionId:resumeKey:seq`, seen by this client only.
 */
export class SseSession {
  /** Proves the connection in REST calls (and to `GET /api/ice-servers`). */
  readonly token: string;
  private readonly resumeKey = randomToken(12);
  private seq = 0;
  private readonly sent: Sent[] = [];
  private keptBytes = 0;
  /** Called once the client lets more than `maxUnsent` pile up (it is not reading). */
  onOverBudget: (() => void) | undefined;
  stream: ServerResponse | null = null;
  gapTimer: NodeJS.Timeout | undefined;
  readonly listeners = new Set<SessionListener>();
  ended = false;

  constructor(
    /** Its peer, as the transport core opened it. */
    readonly connection: Connection,
    private readonly limits: SessionLimits,
    token?: string,
  ) {
    this.token = token ?? randomToken(24);
  }

  get peer(): PeerView {
    return this.connection.peer;
  }

  /**
   * Hands a REST call to the engine as an event of this peer and reports what it led to: the
   * first `error` about it, or the first event `answers` accepts.
   */
  async request(
    event: string,
    payload: unknown,
    answers: (event: string, data: unknown) => boolean = () => false,
  ): Promise<Outcome> {
    if (this.connection.busy) {
      void this.connection.receive(event, payload);
      return { kind: 'queued' };
    }
    let outcome: Outcome | undefined;
    const listener: SessionListener = (name, data) => {
      if (outcome) return;
      const error = data as { event?: string; code?: string; message?: string };
      if (name === 'error' && (error.event === event || error.code === 'rate-limited')) {
        outcome = { kind: 'error', code: error.code ?? 'error', message: error.message ?? '' };
      } else if (answers(name, data)) outcome = { kind: 'done', event: name, data };
    };
    this.listeners.add(listener);
    try {
      await this.connection.receive(event, payload);
    } finally {
      this.listeners.delete(listener);
    }
    return outcome ?? { kind: 'done' };
  }

  /**
   * The connection id its client names in REST calls: private, 144 random bits. Other peers
   * know this connection by its public peer id only, so the id alone proves the connection.
   */
  readonly id = randomToken(18);

  eventId(seq: number): string {
    return `${this.id}:${this.resumeKey}:${seq}`;
  }

  checkToken(token: string | undefined): boolean {
    return typeof token === 'string' && safeEqual(token, this.token);
  }

  /** Whether a `Last-Event-ID` carries this session's key (it came from this client). */
  ownsKey(key: string): boolean {
    return safeEqual(key, this.resumeKey);
  }

  /** Whether a `Last-Event-ID` of this session can be resumed from (its successors are kept). */
  resumableFrom(key: string, seq: number): boolean {
    if (!this.ownsKey(key) || seq > this.seq || seq < 0) return false;
    const oldest = this.sent[0]?.seq ?? this.seq + 1;
    return seq >= oldest - 1;
  }

  /**
   * Numbers, keeps and (if a stream is attached) writes one event. A broadcast goes out without
   * an `event:` line: SSE + REST clients read it with `eventSource.onmessage`, which fires only
   * for unnamed events. Signaling events keep their names.
   */
  emit(event: string, data: unknown): void {
    const seq = ++this.seq;
    const name = event === UNNAMED_EVENT ? '' : `event: ${event}\n`;
    const frame = `id: ${this.eventId(seq)}\n${name}data: ${JSON.stringify(data ?? null)}\n\n`;
    const now = Date.now();
    this.sent.push({ seq, at: now, frame });
    this.keptBytes += frame.length;
    this.trim(now);
    this.write(frame);
    for (const listener of this.listeners) listener(event, data);
  }

  /** Writes what a resuming client missed (after `seq`), in order. */
  replayAfter(seq: number): void {
    for (const entry of this.sent) if (entry.seq > seq) this.write(entry.frame);
  }

  write(text: string): void {
    const stream = this.stream;
    if (!stream || stream.writableEnded || stream.destroyed) return;
    stream.write(text);
    // A client that stopped reading loses its stream, not our memory.
    if (stream.writableLength > this.limits.maxUnsent) {
      stream.destroy();
      this.onOverBudget?.();
    }
  }

  private trim(now: number): void {
    const { keepFor, maxKept, maxKeptBytes = Infinity } = this.limits;
    while (
      this.sent.length > maxKept ||
      this.keptBytes > maxKeptBytes ||
      (this.sent.length && now - this.sent[0]!.at > keepFor)
    ) {
      this.keptBytes -= this.sent.shift()!.frame.length;
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Splits a `Last-Event-ID` into its session id, key and sequence number. */
export function parseEventId(value: string): { id: string; key: string; seq: number } | undefined {
  const match = /^([^:]{1,128}):([A-Za-z0-9_-]{16}):(\d{1,15})$/.exec(value);
  if (!match) return undefined;
  return { id: match[1]!, key: match[2]!, seq: Number(match[3]) };
}
