import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandshakeAuth } from '../../auth/identity.js';
import { SHUTDOWN } from '../../engine/engine.js';
import { OVER_BUDGET_REASON } from '../../engine/peer.js';
import { SignalError } from '../../engine/signal-error.js';
import type { Admission, TransportCore } from '../core/transport-core.js';
import { parseEventId, SseSession } from './sse-session.js';
import { attachStream, EndedSessions, headerValue } from './sse-stream.js';

export interface SseTransportOptions {
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
}

/**
 * Server-Sent Events (`GET /api/events`, PROTOCOLS.md §3): the stream carries the mesh dialect's
 * events; the client speaks back through REST calls that name its connection id and token.
 */
export class SseTransport {
  private readonly sessions = new Map<string, SseSession>();
  private readonly ended: EndedSessions;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly core: TransportCore,
    private readonly options: SseTransportOptions,
  ) {
    this.ended = new EndedSessions(options.resumeWindow * 2);
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
      if (this.ended.has(parsed.id)) {
        response.writeHead(204, headers).end();
        return undefined;
      }
      const session = this.sessions.get(parsed.id);
      if (session && session.resumableFrom(parsed.key, parsed.seq)) {
        attachStream(session, response, headers, () => this.gap(session));
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
    let admission;
    try {
      admission = await this.core.admit(query);
    } catch (error) {
      const { code, message } = error as SignalError;
      return { status: code === 'auth-unavailable' ? 503 : 401, error: code, message };
    }
    const session = this.connect(request, admission);
    if (session instanceof SignalError) {
      const status = session.code === 'too-many-connections' ? 429 : 503;
      return { status, error: session.code, message: session.message };
    }
    attachStream(session, response, headers, () => this.gap(session));
    const { userId, user, access } = admission.identity;
    session.emit('connected', {
      connectionId: session.id,
      connectionToken: session.token,
      peerId: session.peer.id,
      resumed: false,
      userId,
      user,
      expiresAt: access.expiresAt,
    });
    return undefined;
  }

  private connect(request: IncomingMessage, admission: Admission): SseSession | SignalError {
    let session: SseSession | undefined = undefined; // set once the peer is open
    const opened = this.core.open(
      {
        transport: 'sse',
        remoteAddress: request.socket.remoteAddress,
        headers: request.headers,
        send: (event, data) => {
          if (!session) return;
          session.emit(event, data);
          // Shutdown closes the HTTP server, which waits for open streams: end this one now.
          if (event === 'server:shutdown') this.release(session);
        },
        // The session measures its stream after each write (`onOverBudget`).
        queuedBytes: () => 0,
        close: (reason) => session && this.end(session, reason),
        terminate: () => session && this.end(session, OVER_BUDGET_REASON),
      },
      admission,
      // The session keeps its own events for `Last-Event-ID`, and greets with `connected`.
      { greet: false, resumable: false },
    );
    if (opened instanceof SignalError) return opened;
    const budget = this.core.options.maxBufferedBytes;
    const limits = {
      keepFor: this.options.resumeWindow * 2,
      maxKept: 2048, // kept events per stream, whatever the window
      maxKeptBytes: budget,
      maxUnsent: budget,
    };
    session = new SseSession(
      opened,
      limits,
      this.core.options.auth.connectionToken?.(opened.peer.id),
    );
    session.onOverBudget = () => opened.overBudget();
    this.sessions.set(session.id, session);
    return session;
  }

  /** Its stream closed: the peer waits `resumeWindow` for the client to come back. */
  private gap(session: SseSession): void {
    session.gapTimer = setTimeout(() => {
      if (!session.stream && !session.ended) this.finish(session, 'sse stream not resumed');
    }, this.options.resumeWindow);
    session.gapTimer.unref();
  }

  /** Server-side end (admin kick, shutdown): the client is told and may not resume. */
  end(session: SseSession, reason: string): void {
    if (session.ended) return;
    session.emit('disconnect', { reason });
    this.ended.add(session.id);
    this.finish(session, reason);
  }

  /** Ends a stream as a restart does: the client comes back, as a new peer if need be. */
  private release(session: SseSession): void {
    if (!session.ended) this.finish(session, SHUTDOWN);
  }

  private finish(session: SseSession, reason: string): void {
    session.ended = true;
    clearTimeout(session.gapTimer);
    this.sessions.delete(session.id);
    session.stream?.end();
    session.stream = null;
    void session.connection.end(reason);
  }

  private beat(): void {
    this.ended.sweep();
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
}
