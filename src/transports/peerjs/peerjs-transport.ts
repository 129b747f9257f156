import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { addressOf, authenticate, type AuthOptions, type Identity } from '../../auth/identity.js';
import type { Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { OriginRule } from '../../http/origin.js';
import { refuseUpgrade, splitRequestUrl, terminateOnError } from '../websocket/upgrade.js';
import { peerjsSink, type PeerjsConnection } from './peerjs-connection.js';
import { holdFrames, readFrames } from './peerjs-frames.js';
import { ErrorText, errorMessage, MessageType, readHandshake } from './peerjs-messages.js';
import { PeerjsRelay } from './peerjs-relay.js';

export interface PeerjsTransportOptions {
  /** PEERJS_PATH, without a trailing slash: the socket is at `{path}/peerjs`. */
  path: string;
  /** PEERJS_KEY: the `key` every client must send. */
  key: string;
  auth: AuthOptions;
  maxPayloadBytes: number;
  /** A peer silent this long is dropped (PING_TIMEOUT_MS; PeerJS's `alive_timeout` is 60 s). */
  pingTimeout: number;
  maxBufferedBytes: number;
  origins: OriginRule;
}

type EarlyFrames = ReturnType<typeof holdFrames>;

/** A handshake that passed: the id, the client's token and who it is. */
interface Handshake {
  id: string;
  token: string;
  identity: Identity;
  early: EarlyFrames;
}

/**
 * The PeerJS dialect: the socket of the PeerJS server 1.0.2 at `{path}/peerjs?key&id&token`, for
 * the unmodified peerjs 1.5.x client. Ids are the peers' sinyal ids, unique cluster-wide; the
 * client's `token` is its JWT when auth is on (its `sub` must be the id).
 */
export class PeerjsTransport {
  readonly wss: WebSocketServer;
  readonly relay: PeerjsRelay;
  private readonly socketPath: string;
  private readonly connections = new Map<string, PeerjsConnection>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly engine: Engine,
    private readonly options: PeerjsTransportOptions,
  ) {
    this.socketPath = `${options.path}/peerjs`;
    this.relay = new PeerjsRelay(engine);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    // PeerJS's own cadence: queues are checked every second, clients send HEARTBEAT every 5 s.
    this.timer = setInterval(() => this.sweep(), 1000);
    this.timer.unref();
  }

  /** For an http.Server's `upgrade` event; returns false if the path is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path, query } = splitRequestUrl(request.url);
    if (path !== this.socketPath) return false;
    if (!this.options.origins.allows(request)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'This origin is not in ALLOWED_ORIGINS');
      return true;
    }
    // Refusals are PeerJS messages on an open socket: that is where the client looks for them.
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', terminateOnError);
      const early = holdFrames(ws);
      const handshake = readHandshake(query, this.options.key);
      if ('problem' in handshake) return this.refuse(ws, 'unauthorized', handshake.problem);
      const { id, token } = handshake;
      const jwt = this.options.auth.mode === 'jwt';
      authenticate(jwt ? { token, userId: id } : { userId: id }, this.options.auth).then(
        (identity) => this.open(ws, request, { id, token, identity, early }),
        (error: SignalError) => {
          const problem = `${ErrorText.INVALID_TOKEN}: ${error.message}`;
          this.refuse(ws, error.code ?? 'unauthorized', problem);
        },
      );
    });
    return true;
  }

  private refuse(ws: WebSocket, code: string, msg: string): void {
    this.engine.countRefusal(code);
    ws.send(errorMessage(msg));
    ws.close();
  }

  private open(ws: WebSocket, request: IncomingMessage, handshake: Handshake): void {
    const { id, token, identity, early } = handshake;
    // Closed while its token was being checked: no peer for a connection that is gone.
    if (ws.readyState !== ws.OPEN) return;
    const held = this.connections.get(id);
    if (held && held.token === token) return this.takeOver(held, ws, early);
    if (held || this.engine.local.has(id) || this.engine.cluster.peer(id)) {
      this.engine.countRefusal('id-taken');
      ws.send(JSON.stringify({ type: MessageType.ID_TAKEN, payload: { msg: 'ID is taken' } }));
      return void ws.close();
    }
    // Its peer and sink are set below: the sink needs the connection, the peer needs the sink.
    const connection = { ws, token, lastSeen: Date.now(), contacts: new Set() } as PeerjsConnection;
    connection.sink = peerjsSink(this.engine, connection, this.options.maxBufferedBytes);
    let peer: Peer;
    try {
      peer = this.engine.connect(connection.sink, {
        id,
        transport: 'peerjs',
        userId: identity.userId,
        user: identity.user,
        address: addressOf(this.options.auth, request.socket.remoteAddress, request.headers),
        userAgent: request.headers['user-agent'],
        access: identity.access,
        // A PeerJS client comes back by `reconnect()` with its id and token, not a resume token.
        resumable: false,
      });
    } catch (error) {
      const { code, message } = error as SignalError;
      ws.send(errorMessage(code === 'server-busy' ? ErrorText.CONNECTION_LIMIT_EXCEED : message));
      return void ws.close();
    }
    connection.peer = peer;
    this.connections.set(id, connection);
    this.attach(connection, ws, early);
    this.relay.opened(id);
  }

  /** The same id and token again (the client's `reconnect()`): the new socket replaces the old. */
  private takeOver(connection: PeerjsConnection, ws: WebSocket, early: EarlyFrames): void {
    const old = connection.ws;
    connection.ws = ws;
    connection.lastSeen = Date.now();
    old.close(1000, 'replaced by a new connection');
    this.attach(connection, ws, early);
  }

  /** Sends `OPEN`, then reads the socket's frames, those it sent before `OPEN` first. */
  private attach(connection: PeerjsConnection, ws: WebSocket, early: EarlyFrames): void {
    ws.send(JSON.stringify({ type: MessageType.OPEN }));
    readFrames(this.engine, this.relay, connection, ws, early(), (code) => {
      const { peer } = connection;
      this.connections.delete(peer.id);
      this.engine.transportClosed(peer, connection.sink, `peerjs close ${code}`, false);
      this.relay.left(peer.id, connection.contacts);
    });
  }

  private sweep(): void {
    const now = Date.now();
    this.relay.sweep(now);
    const deadline = now - this.options.pingTimeout;
    for (const { ws, lastSeen } of this.connections.values()) {
      if (lastSeen < deadline) ws.terminate();
    }
  }

  /** Stops the timers and closes every connection (the clients may `reconnect()`). */
  close(): void {
    clearInterval(this.timer);
    for (const connection of this.connections.values()) connection.ws.close(1012, 'shutdown');
    this.wss.close();
  }

  /** Force-closes what graceful shutdown left open. */
  terminateAll(): void {
    for (const { ws } of this.connections.values()) ws.terminate();
  }
}
