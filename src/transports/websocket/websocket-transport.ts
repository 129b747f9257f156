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
import type { Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../engine/types.js';

export interface WebSocketTransportOptions {
  /** @default '/ws' */
  path?: string;
  auth: AuthOptions;
  /** Largest accepted frame, in bytes. */
  maxPayloadBytes: number;
  /** Ping every this many ms; a peer silent for `pingTimeout` is dropped. */
  pingInterval: number;
  pingTimeout: number;
}

/** Close codes: 1001 going away (shutdown), 4000 kicked, 4401 unauthorized, 1013 too slow. */
const CLOSE_KICKED = 4000;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_TOO_SLOW = 1013;
/** A client that lets this much pile up unsent is not reading; drop it to protect memory. */
const MAX_BUFFERED_FRAMES_OF_MAX_SIZE = 4;
/** How long a client of an auth-requiring server has to send its `auth` frame. */
const AUTH_FRAME_TIMEOUT_MS = 10_000;

interface Connection {
  ws: WebSocket;
  peer?: Peer;
  lastSeen: number;
}

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
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== this.path) return false;
    const query: HandshakeAuth = {
      userId: url.searchParams.get('userId') ?? undefined,
      token: url.searchParams.get('token') ?? undefined,
      name: url.searchParams.get('name') ?? undefined,
      avatar: url.searchParams.get('avatar') ?? undefined,
    };
    const hasCredentials = query.userId !== undefined || query.token !== undefined;
    const needsAuthFrame = this.options.auth.mode !== 'open' && !hasCredentials;
    const identify = needsAuthFrame ? undefined : authenticate(query, this.options.auth);
    if (!identify) {
      this.wss.handleUpgrade(request, socket, head, (ws) => this.awaitAuthFrame(ws, request));
      return true;
    }
    identify.then(
      (identity) =>
        this.wss.handleUpgrade(request, socket, head, (ws) => {
          this.open(ws, request, identity);
        }),
      (error: SignalError) => {
        this.engine.countRefusal(error.code ?? 'unauthorized');
        const status =
          error.code === 'auth-unavailable' ? '503 Service Unavailable' : '401 Unauthorized';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n${error.message}`);
      },
    );
    return true;
  }

  private awaitAuthFrame(ws: WebSocket, request: IncomingMessage): void {
    const timer = setTimeout(
      () => ws.close(CLOSE_UNAUTHORIZED, 'Authentication required'),
      AUTH_FRAME_TIMEOUT_MS,
    );
    ws.once('message', (raw, isBinary) => {
      clearTimeout(timer);
      const frame = isBinary ? undefined : parseFrame(raw.toString());
      if (!frame || frame.event !== 'auth') {
        ws.close(CLOSE_UNAUTHORIZED, 'Authentication required');
        return;
      }
      authenticate((frame.data ?? frame) as HandshakeAuth, this.options.auth).then(
        (identity) => this.open(ws, request, identity),
        (error: SignalError) => {
          this.engine.countRefusal(error.code ?? 'unauthorized');
          ws.close(CLOSE_UNAUTHORIZED, error.message.slice(0, 120));
        },
      );
    });
  }

  private open(ws: WebSocket, request: IncomingMessage, identity: Identity): void {
    const connection: Connection = { ws, lastSeen: Date.now() };
    const maxBuffered = this.options.maxPayloadBytes * MAX_BUFFERED_FRAMES_OF_MAX_SIZE;
    const tcp = request.socket;
    const sink: PeerSink = {
      emit: (event, data) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          ws.close(CLOSE_TOO_SLOW, 'Client is not reading its messages');
          return;
        }
        corkForThisTick(tcp);
        ws.send(JSON.stringify({ event, data }));
      },
      disconnect: (reason) => ws.close(reason === 'server-shutdown' ? 1001 : CLOSE_KICKED, reason),
    };
    let peer: Peer;
    try {
      peer = this.engine.connect(sink, {
        transport: 'websocket',
        userId: identity.userId,
        user: identity.user,
        address: addressOf(this.options.auth, request.socket.remoteAddress, request.headers),
        userAgent: request.headers['user-agent'],
        access: identity.access,
      });
    } catch (error) {
      const { code, message } = error as SignalError;
      ws.send(JSON.stringify({ event: 'error', data: { code, message } }));
      ws.close(1013, message.slice(0, 120));
      return;
    }
    connection.peer = peer;
    this.connections.add(connection);
    sink.emit('welcome', {
      socketId: peer.id,
      userId: identity.userId,
      user: identity.user,
      expiresAt: identity.access.expiresAt,
      connectionToken: this.options.auth.connectionToken?.(peer.id),
    });

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
    ws.on('close', () => {
      this.connections.delete(connection);
      void this.engine.disconnect(peer, 'transport close');
    });
    ws.on('error', () => ws.terminate());
  }

  private sweep(): void {
    const deadline = Date.now() - this.options.pingTimeout;
    for (const { ws, lastSeen } of this.connections) {
      if (lastSeen < deadline) ws.terminate();
      else if (ws.readyState === ws.OPEN) ws.ping();
    }
  }

  /** Stops the heartbeat and closes every connection with 1001 (going away). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const { ws } of this.connections) ws.close(1001, 'server-shutdown');
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
