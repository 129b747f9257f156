import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandshakeAuth } from '../../auth/identity.js';
import { SHUTDOWN } from '../../engine/engine.js';
import { OVER_BUDGET_REASON } from '../../engine/peer.js';
import { SessionKicked } from '../../engine/resume.js';
import { SignalError } from '../../engine/signal-error.js';
import type { Admission, TransportCore } from '../core/transport-core.js';
import { parseEventId, SseSession, type ResumePoint } from './sse-session.js';
import { attachStream, headerValue } from './sse-stream.js';

/** What the engine says to the connection a resumed one replaced (here or on another process). */
const REPLACED = 'replaced by a resumed connection';

export interface SseTransportOptions {
  /**
   * How long a dropped stream may be resumed with `Last-Event-ID`; the engine peer (its rooms,
   * its id) lives on for this long. Resuming needs the engine's resume log (RESUME_WINDOW_MS > 0).
   * @default 30000 ms
   */
  resumeWindow: number;
  /**
   * Comment line sent on idle streams so proxies do not close them.
   * @default 15000 ms — below the 30–60 s idle timeouts of common proxies and load balancers
   */
  heartbeatInterval: number;
}

type Failure = { status: number; error: string; message: string };

/**
 * Server-Sent Events (`GET /api/events`, PROTOCOLS.md §3): the stream carries the mesh dialect's
 * events; the client speaks back through REST calls that name its connection id and token. A
 * `Last-Event-ID` is a resume of the transport core: its token and count of received events.
 */
export class SseTransport {
  private readonly sessions = new Map<string, SseSession>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly core: TransportCore,
    private readonly options: SseTransportOptions,
  ) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatInterval);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The live session a connection id names (its peer connected, or waiting for its client). */
  session(connectionId: string): SseSession | undefined {
    const session = this.sessions.get(connectionId);
    if (!session?.peer.closed) return session;
    this.sessions.delete(connectionId);
    return undefined;
  }

  /**
   * Serves one stream. `lastEventId` (header `Last-Event-ID`, or the `lastEventId` query for
   * clients that open a new EventSource) resumes a peer; otherwise a new peer is connected.
   * Resolves to an HTTP error to send instead, if any.
   */
  async open(
    request: IncomingMessage,
    response: ServerResponse,
    query: HandshakeAuth & { lastEventId?: string },
    headers: Record<string, string>,
  ): Promise<Failure | undefined> {
    // Errors of a stream's socket end that stream; nothing else depends on it.
    request.on('error', () => response.destroy());
    response.on('error', () => response.destroy());
    const lastEventId = headerValue(request.headers['last-event-id']) ?? query.lastEventId;
    const from = lastEventId ? parseEventId(lastEventId) : undefined;
    let admission: Admission;
    try {
      const resume = from && from.seq > 0 ? { resume: from.token, received: from.seq - 1 } : {};
      admission = await this.core.admit({ ...query, ...resume });
    } catch (error) {
      const { code, message } = error as SignalError;
      return { status: code === 'auth-unavailable' ? 503 : 401, error: code, message };
    }
    // Kicked means gone: 204 stops an EventSource from retrying.
    if (admission.resume?.found instanceof SessionKicked) {
      response.writeHead(204, headers).end();
      return undefined;
    }
    if (request.destroyed) return undefined; // gone while its token was checked
    const session = this.connect(request, admission, from);
    if (session instanceof SignalError) {
      const status = session.code === 'too-many-connections' ? 429 : 503;
      return { status, error: session.code, message: session.message };
    }
    attachStream(session, response, headers, () =>
      session.connection.closed('sse stream closed', true, this.options.resumeWindow),
    );
    return undefined;
  }

  private connect(
    request: IncomingMessage,
    admission: Admission,
    from: ResumePoint | undefined,
  ): SseSession | SignalError {
    const { auth, maxBufferedBytes } = this.core.options;
    const session = new SseSession(maxBufferedBytes, from, auth.connectionToken?.bind(auth));
    const opened = this.core.open(
      {
        transport: 'sse',
        remoteAddress: request.socket.remoteAddress,
        headers: request.headers,
        send: (event, data) => {
          session.send(event, data);
          // Shutdown closes the HTTP server, which waits for open streams: end this one now.
          if (event === 'server:shutdown') this.release(session);
        },
        // The session measures its stream after each write (`onOverBudget`).
        queuedBytes: () => 0,
        close: (reason) => this.end(session, reason),
        terminate: () => this.end(session, OVER_BUDGET_REASON),
      },
      admission,
    );
    if (opened instanceof SignalError) return opened;
    session.connection = opened;
    session.onOverBudget = () => opened.overBudget();
    // A resume on this process replaces the session of the same id (its stream was let go).
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * Server-side end (admin kick, token expiry, over budget): the client is told, and its peer
   * ends. A connection replaced by a resumed one only lets its stream go.
   */
  private end(session: SseSession, reason: string): void {
    if (session.ended) return;
    if (reason !== REPLACED) session.send('disconnect', { reason });
    this.finish(session);
    // Ended by the server: the engine ends the peer (a kicked one is revoked, so not resumed).
    if (reason !== REPLACED && session.connection) session.connection.closed(reason, true);
  }

  /** Ends a stream as a restart does: the client comes back, as a new peer if need be. */
  private release(session: SseSession): void {
    if (session.ended) return;
    this.finish(session);
    session.connection?.closed(SHUTDOWN, true, this.options.resumeWindow);
  }

  private finish(session: SseSession): void {
    session.ended = true;
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    session.stream?.end();
    session.stream = null;
  }

  private beat(): void {
    for (const [id, session] of this.sessions) {
      if (session.peer.closed) this.sessions.delete(id);
      else session.write(': ping\n\n');
    }
  }

  /**
   * Shutdown: ends every stream without a `disconnect` event, so EventSource and `SseClient`
   * reconnect by themselves (to this server restarted, or another); the engine then hands their
   * peers to another process (with Redis) or ends them.
   */
  close(): void {
    clearInterval(this.heartbeat);
    for (const session of [...this.sessions.values()]) this.release(session);
  }
}
