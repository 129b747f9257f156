import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  addressOf,
  authenticate,
  type AuthOptions,
  type HandshakeAuth,
  type Identity,
} from '../../auth/identity.js';
import { SHUTDOWN, type Engine } from '../../engine/engine.js';
import { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../protocol/types.js';
import { OVER_BUDGET_REASON } from '../outbound-budget.js';
import { parseEventId, SseSession, type SessionListener } from './sse-session.js';

export interface SseTransportOptions {
  auth: AuthOptions;
  /**
   * How long a dropped stream may be resumed with `Last-Event-ID`; the engine peer (its rooms,
   * its id) lives on for this long.
   * @default 30000 ms
   */
  resumeWindow: number;
  /**
   * Comment line sent on idle streams so proxies do not close them.
   * @default 15000 ms — below the 30–60 s idle timeouts of common proxies and load balancers
   */
  heartbeatInterval: number;
  /** Outbound budget per connection, bytes (MAX_BUFFERED_BYTES): unsent, and kept for resume. */
  maxBufferedBytes: number;
}

/** What a REST call into the engine led to, from the events it caused. */
export type Outcome =
  | { kind: 'done'; event?: string; data?: unknown }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'queued' };

/** Kept events per stream, whatever the window. */
const MAX_KEPT_EVENTS = 2048;

/**
 * Server-Sent Events (`GET /api/events`, PROTOCOLS.md §3): the stream carries the mesh dialect's
 * events; the client speaks back through REST calls that name its connection id and token.
 */
export class SseTransport {
  private readonly sessions = new Map<string, SseSession>();
  /** Sessions ended by the server: a resume gets 204 so EventSource stops retrying. */
  private readonly ended = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly engine: Engine,
    private readonly options: SseTransportOptions,
  ) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatInterval);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  session(connectionId: string): SseSession | undefined {
    return this.sessions.get(connectionId);
  }

  /**
   * Serves one stream. `lastEventId` (header `Last-Event-ID`, or the `lastEventId` query for
   * clients that open a new EventSource) resumes a session; otherwise a new peer is connected.
   * Resolves to an HTTP error to send instead, if any.
   */
  async open(
    request: IncomingMessage,
    response: ServerResponse,
    query: HandshakeAuth & { lastEventId?: string },
    headers: Record<string, string>,
  ): Promise<{ status: number; error: string; message: string } | undefined> {
    // Errors of a stream's socket end that stream; nothing else depends on it.
    request.on('error', () => response.destroy());
    response.on('error', () => response.destroy());
    const lastEventId = headerValue(request.headers['last-event-id']) ?? query.lastEventId;
    const parsed = lastEventId ? parseEventId(lastEventId) : undefined;
    if (parsed) {
      if (this.endedRecently(parsed.id)) {
        response.writeHead(204, headers).end();
        return undefined;
      }
      const session = this.sessions.get(parsed.id);
      if (session && session.resumableFrom(parsed.key, parsed.seq)) {
        this.attach(session, response, headers);
        // Same id as the client's last one: ids stay in order and nothing new is numbered.
        const data = {
          connectionId: session.id,
          connectionToken: session.token,
          peerId: session.peer.id,
          resumed: true,
        };
        session.write(`id: ${lastEventId}\nevent: connected\ndata: ${JSON.stringify(data)}\n\n`);
        session.replayAfter(parsed.seq);
        return undefined;
      }
      // Its own client, too far behind to replay: end the old peer now (its rooms are told)
      // rather than at the end of the window; the client starts over as a new connection.
      if (session?.ownsKey(parsed.key)) this.end(session, 'sse resume too late');
    }
    let identity;
    try {
      identity = await authenticate(query, this.options.auth);
    } catch (error) {
      const { code = 'unauthorized', message } = error as SignalError;
      this.engine.countRefusal(code);
      return { status: code === 'auth-unavailable' ? 503 : 401, error: code, message };
    }
    const session = this.connect(request, identity);
    if (session instanceof SignalError) {
      const status = session.code === 'too-many-connections' ? 429 : 503;
      return { status, error: session.code, message: session.message };
    }
    this.attach(session, response, headers);
    const { userId, user } = identity;
    session.emit('connected', {
      connectionId: session.id,
      connectionToken: session.token,
      peerId: session.peer.id,
      resumed: false,
      userId,
      user,
      expiresAt: identity.access.expiresAt,
    });
    return undefined;
  }

  private connect(request: IncomingMessage, identity: Identity): SseSession | SignalError {
    let session: SseSession | undefined;
    const sink: PeerSink = {
      emit: (event, data) => {
        if (!session) return;
        session.emit(event, data);
        // Shutdown closes the HTTP server, which waits for open streams: end this one now.
        if (event === 'server:shutdown') this.release(session);
      },
      disconnect: (reason) => session && this.end(session, reason),
    };
    const keepFor = this.options.resumeWindow * 2;
    const budget = this.options.maxBufferedBytes;
    try {
      const peer = this.engine.connect(sink, {
        transport: 'sse',
        // The session keeps its own events for `Last-Event-ID`.
        resumable: false,
        userId: identity.userId,
        user: identity.user,
        address: addressOf(this.options.auth, request.socket.remoteAddress, request.headers),
        userAgent: headerValue(request.headers['user-agent']),
        access: identity.access,
      });
      const token = this.options.auth.connectionToken?.(peer.id);
      session = new SseSession(
        peer,
        { keepFor, maxKept: MAX_KEPT_EVENTS, maxKeptBytes: budget, maxUnsent: budget },
        token,
      );
      const opened = session;
      opened.onOverBudget = () => {
        this.engine.counters.overBudget.sse++;
        this.end(opened, OVER_BUDGET_REASON);
      };
    } catch (error) {
      if (error instanceof SignalError) return error;
      throw error;
    }
    this.sessions.set(session.id, session);
    return session;
  }

  private attach(session: SseSession, response: ServerResponse, headers: Record<string, string>) {
    clearTimeout(session.gapTimer);
    const previous = session.stream;
    session.stream = response;
    // A client back before we noticed its old stream died: that one is simply let go.
    if (previous && !previous.writableEnded) previous.end();
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(`retry: 1000\n\n`);
    response.on('close', () => {
      if (session.stream !== response) return;
      session.stream = null;
      if (session.ended) return;
      session.gapTimer = setTimeout(() => this.expire(session), this.options.resumeWindow);
      session.gapTimer.unref();
    });
  }

  private expire(session: SseSession): void {
    if (session.stream || session.ended) return;
    session.ended = true;
    this.sessions.delete(session.id);
    void this.engine.disconnect(session.peer, 'sse stream not resumed');
  }

  /** Server-side end (admin kick, shutdown): the client is told and may not resume. */
  end(session: SseSession, reason: string): void {
    if (session.ended) return;
    session.emit('disconnect', { reason });
    session.ended = true;
    clearTimeout(session.gapTimer);
    this.sessions.delete(session.id);
    this.ended.set(session.id, Date.now() + this.options.resumeWindow * 2);
    session.stream?.end();
    session.stream = null;
    void this.engine.disconnect(session.peer, reason);
  }

  /**
   * Hands a REST call to the engine as an event of this peer and reports what it led to: the
   * first `error` about it, or the first event `answers` accepts.
   */
  async request(
    session: SseSession,
    event: string,
    payload: unknown,
    answers: (event: string, data: unknown) => boolean = () => false,
  ): Promise<Outcome> {
    if (session.peer.backlog) {
      void this.engine.receive(session.peer, event, payload);
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
    session.listeners.add(listener);
    try {
      await this.engine.receive(session.peer, event, payload);
    } finally {
      session.listeners.delete(listener);
    }
    return outcome ?? { kind: 'done' };
  }

  private endedRecently(id: string): boolean {
    const until = this.ended.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.ended.delete(id);
    return false;
  }

  private beat(): void {
    const now = Date.now();
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
    for (const session of this.sessions.values()) session.write(': ping\n\n');
  }

  /**
   * Shutdown: ends every stream without a `disconnect` event, so EventSource and `SseClient`
   * reconnect by themselves (to this server restarted, or another); the peers end now.
   */
  close(): void {
    clearInterval(this.heartbeat);
    for (const session of [...this.sessions.values()]) this.release(session);
  }

  /** Ends a stream as a restart does: the client comes back, as a new peer if need be. */
  private release(session: SseSession): void {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.gapTimer);
    this.sessions.delete(session.id);
    session.stream?.end();
    session.stream = null;
    void this.engine.disconnect(session.peer, SHUTDOWN);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
