import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  addressOf,
  authenticate,
  type AuthOptions,
  type HandshakeAuth,
  type Identity,
} from '../../auth/identity.js';
import { refreshIdentity } from '../../auth/refresh.js';
import { SHUTDOWN, type Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../protocol/types.js';
import type { OriginRule } from '../../http/origin.js';
import { OVER_BUDGET_REASON } from '../outbound-budget.js';
import {
  openPeer,
  prepareResume,
  type PreparedResume,
  type ResumeRequest,
} from '../resume-handshake.js';

export interface WebSocketTransportOptions {
  /** @default '/ws' */
  path?: string;
  auth: AuthOptions;
  /** Largest accepted frame, in bytes. */
  maxPayloadBytes: number;
  /** Ping every this many ms; a peer silent for `pingTimeout` is dropped. */
  pingInterval: number;
  pingTimeout: number;
  /** How long a client of an auth-requiring server has to send its `auth` frame (ms). */
  authTimeout: number;
  /** Outbound budget per connection, bytes (MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /** ALLOWED_ORIGINS: browsers of other sites are refused (403) before the upgrade. */
  origins: OriginRule;
}

/**
 * Close codes: 1012 service restart (shutdown: come back, with the resume token), 4000 kicked,
 * 4001 replaced by a resumed connection, 4401 unauthorized.
 */
const CLOSE_RESTART = 1012;
const CLOSE_KICKED = 4000;
const CLOSE_REPLACED = 4001;
const CLOSE_UNAUTHORIZED = 4401;

interface Connection {
  ws: WebSocket;
  peer?: Peer;
  lastSeen: number;
  /** Set when the server closes it; a close the client did not ask for may be resumed. */
  closedByServer?: boolean;
}

type Handshake = HandshakeAuth & ResumeRequest;

/**
 * Plain WebSocket at `/ws`: JSON text frames `{ "event": NAME, "data": PAYLOAD }` carrying the
 * same events as Socket.IO (PROTOCOLS.md §4).
 */
export class WebSocketTransport {
  readonly wss: WebSocketServer;
  readonly path: string;
  private readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly engine: Engine,
    private readonly options: WebSocketTransportOptions,
  ) {
    this.path = options.path ?? '/ws';
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    this.heartbeat = setInterval(() => this.sweep(), options.pingInterval);
    this.heartbeat.unref();
  }

  /** For an http.Server's `upgrade` event; returns false if the path is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path, query: params } = splitRequestUrl(request.url);
    if (path !== this.path) return false;
    if (!this.options.origins.allows(request)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'This origin is not in ALLOWED_ORIGINS');
      return true;
    }
    const query: Handshake = {};
    for (const key of ['userId', 'token', 'name', 'avatar', 'resume', 'received'] as const) {
      query[key] = params.get(key) ?? undefined;
    }
    const hasCredentials = query.userId !== undefined || query.token !== undefined;
    const needsAuthFrame = this.options.auth.mode !== 'open' && !hasCredentials;
    if (needsAuthFrame) {
      this.accept(request, socket, head, (ws) => this.awaitAuthFrame(ws, request));
      return true;
    }
    this.identify(query).then(
      ([identity, resume]) =>
        this.accept(request, socket, head, (ws) => this.open(ws, request, identity, resume)),
      (error: SignalError) => {
        this.engine.countRefusal(error.code ?? 'unauthorized');
        if (error.code === 'auth-unavailable') {
          refuseUpgrade(socket, 503, 'Service Unavailable', error.message);
        } else refuseUpgrade(socket, 401, 'Unauthorized', error.message);
      },
    );
    return true;
  }

  /**
   * Completes the upgrade. The WebSocket gets its error listener before anything else can happen
   * to it: a bad frame (invalid UTF-8, oversized) while no one else listens would otherwise be an
   * unhandled 'error' that ends the process. `ws` has already answered with a close code then.
   */
  private accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    then: (ws: WebSocket) => void,
  ): void {
    // The 101 response and the `welcome` frame leave in one TCP write: on loopback and busy
    // servers every write is a syscall that also runs the receiver's TCP path (~3 % of a join).
    corkForThisTick(socket as Socket);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', terminateOnError);
      then(ws);
    });
  }

  private awaitAuthFrame(ws: WebSocket, request: IncomingMessage): void {
    const timer = setTimeout(
      () => ws.close(CLOSE_UNAUTHORIZED, 'Authentication required'),
      this.options.authTimeout,
    );
    ws.once('close', () => clearTimeout(timer));
    ws.once('message', (raw, isBinary) => {
      clearTimeout(timer);
      const frame = isBinary ? undefined : parseFrame(raw.toString());
      if (!frame || frame.event !== 'auth') {
        ws.close(CLOSE_UNAUTHORIZED, 'Authentication required');
        return;
      }
      this.identify((frame.data ?? frame) as Handshake).then(
        ([identity, resume]) => this.open(ws, request, identity, resume),
        (error: SignalError) => {
          this.engine.countRefusal(error.code ?? 'unauthorized');
          ws.close(CLOSE_UNAUTHORIZED, error.message.slice(0, 120));
        },
      );
    });
  }

  private async identify(handshake: Handshake): Promise<[Identity, PreparedResume | undefined]> {
    const identity = await authenticate(handshake, this.options.auth);
    return [identity, await prepareResume(this.engine, handshake, handshake, identity)];
  }

  private open(
    ws: WebSocket,
    request: IncomingMessage,
    identity: Identity,
    resume: PreparedResume | undefined,
  ): void {
    // Closed while its token was being checked: no peer for a connection that is gone.
    if (ws.readyState !== ws.OPEN) return;
    const connection: Connection = { ws, lastSeen: Date.now() };
    const tcp = request.socket;
    const sink: PeerSink = {
      emit: (event, data) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > this.options.maxBufferedBytes) {
          // A client that stopped reading: drop it and what it left unread, now.
          if (connection.peer) {
            this.engine.counters.overBudget.websocket++;
            void this.engine.disconnect(connection.peer, OVER_BUDGET_REASON);
          }
          ws.terminate();
          return;
        }
        corkForThisTick(tcp);
        ws.send(JSON.stringify({ event, data }));
      },
      disconnect: (reason) => {
        connection.closedByServer = true;
        const replaced = reason === 'replaced by a resumed connection';
        ws.close(
          reason === SHUTDOWN ? CLOSE_RESTART : replaced ? CLOSE_REPLACED : CLOSE_KICKED,
          reason,
        );
      },
    };
    let peer: Peer;
    try {
      peer = openPeer(
        this.engine,
        sink,
        {
          transport: 'websocket',
          userId: identity.userId,
          user: identity.user,
          address: addressOf(this.options.auth, request.socket.remoteAddress, request.headers),
          userAgent: request.headers['user-agent'],
          access: identity.access,
        },
        resume,
        this.options.auth,
      );
    } catch (error) {
      const { code, message } = error as SignalError;
      ws.send(JSON.stringify({ event: 'error', data: { code, message } }));
      ws.close(1013, message.slice(0, 120));
      return;
    }
    connection.peer = peer;
    this.connections.add(connection);

    ws.on('pong', () => (connection.lastSeen = Date.now()));
    ws.on('message', (raw, isBinary) => {
      connection.lastSeen = Date.now();
      const frame = isBinary ? undefined : parseFrame(raw.toString());
      if (!frame) {
        sink.emit('error', {
          code: 'invalid-payload',
          message: 'Frames must be JSON text: {"event": NAME, "data": PAYLOAD}',
        });
        return;
      }
      if (frame.event === 'auth')
        void refreshIdentity(this.engine, peer, frame.data, this.options.auth);
      else void this.engine.receive(peer, frame.event, frame.data);
    });
    ws.on('close', (code) => {
      this.connections.delete(connection);
      // 1006: no close frame (network, proxy, ping timeout); the client did not mean to leave.
      const resumable = code === 1006 || connection.closedByServer === true;
      this.engine.transportClosed(peer, sink, `websocket close ${code}`, resumable);
    });
  }

  private sweep(): void {
    const deadline = Date.now() - this.options.pingTimeout;
    for (const { ws, lastSeen } of this.connections) {
      if (lastSeen < deadline) ws.terminate();
      else if (ws.readyState === ws.OPEN) ws.ping();
    }
  }

  /** Stops the heartbeat and closes every connection with 1012 (service restart: come back). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const connection of this.connections) {
      connection.closedByServer = true;
      connection.ws.close(CLOSE_RESTART, SHUTDOWN);
    }
    this.wss.close();
  }

  /** Force-closes what graceful shutdown left open. */
  terminateAll(): void {
    for (const { ws } of this.connections) ws.terminate();
  }
}

/**
 * Frames sent to one socket in the same tick (say, a burst of candidates read from its partner
 * in one TCP chunk) leave in one write instead of one syscall each. The socket is uncorked on
 * the next tick, before any I/O, so no frame waits longer than the code already running.
 */
function corkForThisTick(tcp: Socket): void {
  if (tcp.writableCorked > 0) return;
  tcp.cork();
  process.nextTick(uncork, tcp);
}

function uncork(tcp: Socket): void {
  tcp.uncork();
}

/**
 * A module-level listener, not an arrow: a closure here would keep this upgrade's whole scope
 * (the request and its headers) alive as long as the connection.
 */
function terminateOnError(this: WebSocket): void {
  this.terminate();
}

/**
 * Path and query of a request target, without `new URL`: a target such as `//:` is no URL at
 * all and must not throw in an upgrade handler.
 */
function splitRequestUrl(target: string | undefined): { path: string; query: URLSearchParams } {
  const raw = target ?? '/';
  const mark = raw.indexOf('?');
  if (mark < 0) return { path: raw, query: new URLSearchParams() };
  return { path: raw.slice(0, mark), query: new URLSearchParams(raw.slice(mark + 1)) };
}

/** Answers an upgrade with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, title: string, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = message.replace(/[\r\n]/g, ' ');
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function parseFrame(text: string): { event: string; data: unknown } | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (frame === null || typeof frame !== 'object') return undefined;
  const { event, data } = frame as { event?: unknown; data?: unknown };
  return typeof event === 'string' ? { event, data } : undefined;
}
