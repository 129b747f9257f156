import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { SHUTDOWN } from '../../engine/engine.js';
import { SignalError } from '../../engine/signal-error.js';
import type { Connection } from '../core/connection.js';
import type { Admission, Handshake, TransportCore } from '../core/transport-core.js';
import {
  CLOSE_UNAUTHORIZED,
  closeCodeOf,
  closeReason,
  corkForThisTick,
  handshakeOf,
  parseFrame,
  refuseUpgrade,
  splitRequestUrl,
  terminateOnError,
} from './upgrade.js';
import { WsLink } from './ws-link.js';

export interface WebSocketTransportOptions {
  /** @default '/ws' */
  path?: string;
  /** Largest accepted frame, in bytes. */
  maxPayloadBytes: number;
  /** Ping every this many ms; a peer silent for `pingTimeout` is dropped. */
  pingInterval: number;
  pingTimeout: number;
  /** How long a client of an auth-requiring server has to send its `auth` frame (ms). */
  authTimeout: number;
}

/**
 * Plain WebSocket at `/ws`: JSON text frames `{ "event": NAME, "data": PAYLOAD }` carrying the
 * same events as Socket.IO (PROTOCOLS.md §4). The lifecycle is the transport core's.
 */
export class WebSocketTransport {
  readonly wss: WebSocketServer;
  readonly path: string;
  /** Open connections by socket, and their connection once opened. */
  private readonly links = new Map<WebSocket, WsLink>();
  /** Listeners shared by all connections (`this` is the socket): none made per connection. */
  private readonly onPong: (this: WebSocket) => void;
  private readonly onMessage: (this: WebSocket, raw: RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket, code: number) => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly core: TransportCore,
    private readonly options: WebSocketTransportOptions,
  ) {
    this.path = options.path ?? '/ws';
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    this.heartbeat = setInterval(() => this.sweep(), options.pingInterval);
    this.heartbeat.unref();
    const links = this.links;
    this.onPong = function () {
      const link = links.get(this);
      if (!link) return;
      link.lastSeen = Date.now();
      link.connection?.ponged();
    };
    this.onMessage = function (raw, isBinary) {
      const link = links.get(this);
      if (!link?.connection) return;
      link.lastSeen = Date.now();
      onFrame(link.connection, isBinary ? undefined : parseFrame(raw.toString()));
    };
    this.onClose = function (code) {
      const link = links.get(this);
      if (!link?.connection) return;
      links.delete(this);
      // 1006: no close frame (network, proxy, ping timeout); the client did not mean to leave.
      link.connection.closed(`websocket close ${code}`, code === 1006 || link.closedByServer);
    };
  }

  /** For an http.Server's `upgrade` event; returns false if the path is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path, query: params } = splitRequestUrl(request.url);
    if (path !== this.path) return false;
    if (!this.core.allowsOrigin(request)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'This origin is not in ALLOWED_ORIGINS');
      return true;
    }
    const query = handshakeOf(params);
    const hasCredentials = query.userId !== undefined || query.token !== undefined;
    if (this.core.options.auth.mode !== 'open' && !hasCredentials) {
      this.accept(request, socket, head, (ws) => this.awaitAuthFrame(ws, request));
      return true;
    }
    this.core.admit(query).then(
      (admission) => this.accept(request, socket, head, (ws) => this.open(ws, request, admission)),
      (error: SignalError) => {
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
    const refuse = (message = 'Authentication required') =>
      ws.close(CLOSE_UNAUTHORIZED, closeReason(message));
    const timer = setTimeout(refuse, this.options.authTimeout);
    ws.once('close', () => clearTimeout(timer));
    ws.once('message', (raw, isBinary) => {
      clearTimeout(timer);
      const frame = isBinary ? undefined : parseFrame(raw.toString());
      if (frame?.event !== 'auth') return refuse();
      this.core.admit((frame.data ?? frame) as Handshake).then(
        (admission) => this.open(ws, request, admission),
        (error: SignalError) => refuse(error.message),
      );
    });
  }

  private open(ws: WebSocket, request: IncomingMessage, admission: Admission): void {
    // Closed while its token was being checked: no peer for a connection that is gone.
    if (ws.readyState !== ws.OPEN) return;
    const link = new WsLink(ws, request.socket, request.headers);
    const opened = this.core.open(link, admission);
    if (opened instanceof SignalError) {
      ws.send(
        JSON.stringify({ event: 'error', data: { code: opened.code, message: opened.message } }),
      );
      ws.close(1013, closeReason(opened.message));
      return;
    }
    link.opened(opened);
    this.links.set(ws, link);
    ws.on('pong', this.onPong);
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
  }

  private sweep(): void {
    const deadline = Date.now() - this.options.pingTimeout;
    for (const link of this.links.values()) {
      const ws = link.ws;
      if (link.lastSeen < deadline) ws.terminate();
      else if (ws.readyState === ws.OPEN) {
        link.connection?.pinged();
        ws.ping();
      }
    }
  }

  /** Stops the heartbeat and closes every connection with 1012 (service restart: come back). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const link of this.links.values()) {
      link.closedByServer = true;
      link.ws.close(closeCodeOf(SHUTDOWN), SHUTDOWN);
    }
    this.wss.close();
  }

  /** Force-closes what graceful shutdown left open. */
  terminateAll(): void {
    for (const ws of this.links.keys()) ws.terminate();
  }
}

function onFrame(connection: Connection, frame: ReturnType<typeof parseFrame>): void {
  if (!frame) {
    connection.sink.emit('error', {
      code: 'invalid-payload',
      message: 'Frames must be JSON text: {"event": NAME, "data": PAYLOAD}',
    });
  } else if (frame.event === 'auth') void connection.refresh(frame.data);
  else void connection.receive(frame.event, frame.data);
}
