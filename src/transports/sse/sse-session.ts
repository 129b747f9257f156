import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { randomToken } from '../../engine/random-token.js';
import type { PeerView } from '../../engine/peer.js';
import { sameSecret } from '../../protocol/same-secret.js';
import type { Connection } from '../core/connection.js';

/** The pseudo-event name for admin broadcasts, sent as unnamed SSE `data:` events. */
export const UNNAMED_EVENT = 'broadcast';

/** Where a stream resumes from: the client's `Last-Event-ID`, split. */
export interface ResumePoint {
  lastEventId: string;
  /** The peer's resume token (`<peer id>.<secret>`) and the number of the client's last event. */
  token: string;
  seq: number;
}

/**
 * One SSE client: its stream and how its events are numbered. What it was sent is kept by the
 * engine (the peer's resume log, like every transport's), so a client reconnecting with
 * `Last-Event-ID` on this process or another gets what it missed. Event ids are
 * `<resume token>:<seq>`, seen by this client only; `connected` is 1, the engine's n-th event
 * n + 1, so a `Last-Event-ID` with seq s says the client received s - 1 of the engine's events.
 */
export class SseSession {
  /** The connection id its client names in REST calls, and the token that proves it. */
  id = '';
  token = '';
  private eventKey = '';
  private seq = 0;
  /** Frames written before the stream is attached (the greeting): sent when it is. */
  early: string[] | null = [];
  stream: ServerResponse | null = null;
  ended = false;
  /** Its peer, once the transport core opened it. */
  connection!: Connection;
  /** Called once the client lets more than `maxUnsent` pile up (it is not reading). */
  onOverBudget: (() => void) | undefined;

  constructor(
    private readonly maxUnsent: number,
    private readonly from: ResumePoint | undefined,
    /** The `connectionToken` for a peer id, when the server derives it (TURN credentials). */
    private readonly tokenFor?: (peerId: string) => string,
  ) {}

  get peer(): PeerView {
    return this.connection.peer;
  }

  checkToken(token: string | undefined): boolean {
    return typeof token === 'string' && sameSecret(token, this.token);
  }

  /**
   * Writes one event from the engine. Its `welcome` becomes `connected`; a broadcast goes out
   * without an `event:` line (SSE + REST clients read it with `eventSource.onmessage`).
   */
  send(event: string, data: unknown): void {
    if (event === 'welcome') return this.greet(data as Welcome);
    const name = event === UNNAMED_EVENT ? '' : `event: ${event}\n`;
    this.write(
      `id: ${this.eventKey}:${++this.seq}\n${name}data: ${JSON.stringify(data ?? null)}\n\n`,
    );
  }

  /**
   * `connected`: the connection id and token are derived from the resume token, so they stay
   * the same when the client comes back, here or on another process. A resumed one repeats the
   * client's last id: ids stay in order and what follows is numbered after it.
   */
  private greet(welcome: Welcome): void {
    const secret = welcome.resumeToken;
    this.id = secret ? derive('sse-connection', secret) : randomToken(18);
    this.token =
      this.tokenFor?.(welcome.socketId) ?? (secret ? derive('sse-token', secret) : randomToken(24));
    this.eventKey = secret ?? this.id;
    const resumed = welcome.resumed === true && this.from !== undefined;
    this.seq = resumed ? this.from!.seq : 1;
    const connected = {
      connectionId: this.id,
      connectionToken: this.token,
      peerId: welcome.socketId,
      resumed,
      userId: welcome.userId,
      user: welcome.user,
      expiresAt: welcome.expiresAt,
    };
    const id = resumed ? this.from!.lastEventId : `${this.eventKey}:1`;
    this.write(`id: ${id}\nevent: connected\ndata: ${JSON.stringify(connected)}\n\n`);
  }

  write(text: string): void {
    if (this.early) return void this.early.push(text);
    const stream = this.stream;
    if (!stream || stream.writableEnded || stream.destroyed) return;
    stream.write(text);
    // A client that stopped reading loses its stream, not our memory.
    if (stream.writableLength > this.maxUnsent) {
      stream.destroy();
      this.onOverBudget?.();
    }
  }
}

interface Welcome {
  socketId: string;
  userId?: string;
  user?: unknown;
  expiresAt?: number;
  resumeToken?: string;
  resumed?: boolean;
}

/** A private value of its own for each purpose, from the resume token's secret. */
const derive = (purpose: string, secret: string) =>
  createHash('sha256').update(`${purpose}:${secret}`).digest('base64url').slice(0, 24);

/** Splits a `Last-Event-ID` into the resume token and the number of the client's last event. */
export function parseEventId(value: string): ResumePoint | undefined {
  const match = /^([^:]{1,200}):(\d{1,15})$/.exec(value);
  if (!match) return undefined;
  return { lastEventId: value, token: match[1]!, seq: Number(match[2]) };
}
