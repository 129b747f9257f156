import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SessionKicked } from '../../engine/resume.js';
import { SignalError } from '../../engine/signal-error.js';
import type { PeerInfo } from '../../protocol/types.js';
import type { PreparedResume } from '../core/resume-handshake.js';
import type { Admission, TransportCore } from '../core/transport-core.js';
import { refuseUpgrade, splitRequestUrl, terminateOnError } from '../websocket/upgrade.js';
import { peerjsSocket, type PeerjsLink } from './peerjs-connection.js';
import { holdFrames, readFrames } from './peerjs-frames.js';
import { ErrorText, errorMessage, MessageType, readHandshake } from './peerjs-messages.js';
import { PeerjsRelay } from './peerjs-relay.js';
import { isDrop, kickedText, peerjsResumeSecret, settleId } from './peerjs-resume.js';

export interface PeerjsTransportOptions {
  /** PEERJS_PATH, without a trailing slash: the socket is at `{path}/peerjs`. */
  path: string;
  /** PEERJS_KEY: the `key` every client must send. */
  key: string;
  maxPayloadBytes: number;
  /** A peer silent this long is dropped (PING_TIMEOUT_MS; PeerJS's `alive_timeout` is 60 s). */
  pingTimeout: number;
}

type EarlyFrames = ReturnType<typeof holdFrames>;

/** `OPEN`: the socket's id is settled (the client's `peer.on('open')`); once on every socket. */
const OPEN_FRAME = JSON.stringify({ type: MessageType.OPEN });

/** A handshake that passed: the id, the client's token and the core's admission. */
interface Handshake {
  id: string;
  token: string;
  admission: Admission;
  early: EarlyFrames;
}

/**
 * The PeerJS dialect: the socket of the PeerJS server 1.0.2 at `{path}/peerjs?key&id&token`, for
 * the unmodified peerjs 1.5.x client. Ids are the peers' sinyal ids, unique cluster-wide (a dropped
 * one waits for its client's id and token, on any process, for the resume window); the
 * client's `token` is its JWT when auth is on (its `sub` must be the id). The lifecycle (origin,
 * authentication, the peer, the outbound budget, the close) is the transport core's.
 */
export class PeerjsTransport {
  readonly wss: WebSocketServer;
  readonly relay: PeerjsRelay;
  private readonly socketPath: string;
  private readonly links = new Map<string, PeerjsLink>();
  /** Ids each PeerJS peer of this process sent to, by its `info`: they hear `LEAVE` when it ends. */
  private readonly contacts = new WeakMap<PeerInfo, Set<string>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly core: TransportCore,
    private readonly options: PeerjsTransportOptions,
  ) {
    this.socketPath = `${options.path}/peerjs`;
    const { engine } = core;
    // The peer's own sink: what a dropped peer is sent is kept for its resume.
    this.relay = new PeerjsRelay(engine, (id) => engine.sinkOf(id, 'peerjs'));
    // Left on purpose, kicked, or not back within the resume window: the end of a PeerJS peer.
    engine.hooks.on('peer-disconnected', ({ peer }) => {
      const contacts = this.contacts.get(peer);
      if (contacts) this.relay.left(peer.id, contacts);
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    // PeerJS's own cadence: queues are checked every second, clients send HEARTBEAT every 5 s.
    this.timer = setInterval(() => this.sweep(), 1000);
    this.timer.unref();
  }

  /** For an http.Server's `upgrade` event; returns false if the path is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path, query } = splitRequestUrl(request.url);
    if (path !== this.socketPath) return false;
    if (!this.core.allowsOrigin(request)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'This origin is not in ALLOWED_ORIGINS');
      return true;
    }
    // Refusals are PeerJS messages on an open socket: that is where the client looks for them.
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', terminateOnError);
      const early = holdFrames(ws);
      const handshake = readHandshake(query, this.options.key);
      if ('problem' in handshake) {
        this.core.engine.countRefusal('unauthorized');
        return this.refuse(ws, handshake.problem);
      }
      const { id, token } = handshake;
      const jwt = this.core.options.auth.mode === 'jwt';
      // The core authenticates and counts a refusal; the words are PeerJS's.
      this.core.admit(jwt ? { token, userId: id } : { userId: id }).then(
        (admission) => void this.open(ws, request, { id, token, admission, early }),
        (error: SignalError) => this.refuse(ws, `${ErrorText.INVALID_TOKEN}: ${error.message}`),
      );
    });
    return true;
  }

  private refuse(ws: WebSocket, msg: string): void {
    ws.send(errorMessage(msg));
    ws.close();
  }

  private taken(ws: WebSocket): void {
    this.core.engine.countRefusal('id-taken');
    ws.send(JSON.stringify({ type: MessageType.ID_TAKEN, payload: { msg: 'ID is taken' } }));
    ws.close();
  }

  /** A new id is claimed cluster-wide; the same id and token again is the same client's. */
  private async open(ws: WebSocket, request: IncomingMessage, handshake: Handshake): Promise<void> {
    const { id, token, admission } = handshake;
    // Closed while its token was being checked: no peer for a connection that is gone.
    if (ws.readyState !== ws.OPEN) return;
    const held = this.links.get(id);
    if (held)
      return held.token === token ? this.takeOver(held, ws, handshake.early) : this.taken(ws);
    const { engine } = this.core;
    const settled = await settleId(engine, id, token, admission.identity.userId);
    if (settled === 'claimed') {
      if (ws.readyState === ws.OPEN) return this.start(ws, request, handshake);
      return engine.releaseId(id);
    }
    if (ws.readyState !== ws.OPEN) return; // a peer adopted for it waits out its window
    if (settled instanceof SessionKicked) return this.refuse(ws, kickedText(settled.reason));
    if (settled === 'taken' || this.links.has(id)) return this.taken(ws);
    this.start(ws, request, handshake, { found: settled, received: undefined });
  }

  /** Opens (or, with `resume`, resumes) the peer of a socket whose id is settled. */
  private start(
    ws: WebSocket,
    request: IncomingMessage,
    { id, token, admission, early }: Handshake,
    resume?: PreparedResume,
  ): void {
    // Its connection and contacts are set below, once the core opened it over the link's socket.
    const link = { ws, token, lastSeen: Date.now(), unsent: 0 } as PeerjsLink;
    // `OPEN` first: what a resumed peer missed is written as it opens.
    if (resume) ws.send(OPEN_FRAME);
    const opened = this.core.open(
      peerjsSocket(link, id, request),
      { ...admission, resume },
      { greet: false, resumeSecret: peerjsResumeSecret(token) },
    );
    if (opened instanceof SignalError) {
      if (!resume) this.core.engine.releaseId(id);
      const busy = opened.code === 'server-busy';
      return this.refuse(ws, busy ? ErrorText.CONNECTION_LIMIT_EXCEED : opened.message);
    }
    link.connection = opened;
    link.contacts = this.contacts.get(opened.peer.info) ?? new Set();
    this.contacts.set(opened.peer.info, link.contacts);
    this.links.set(id, link);
    this.attach(link, ws, early, !resume);
    this.relay.opened(id);
  }

  /** The same id and token again (the client's `reconnect()`): the new socket replaces the old. */
  private takeOver(link: PeerjsLink, ws: WebSocket, early: EarlyFrames): void {
    const old = link.ws;
    link.ws = ws;
    link.lastSeen = Date.now();
    link.unsent = 0;
    old.close(1000, 'replaced by a new connection');
    this.attach(link, ws, early);
  }

  /** Sends `OPEN` (unless sent), then reads frames, early ones first. A close ends or drops. */
  private attach(link: PeerjsLink, ws: WebSocket, early: EarlyFrames, greet = true): void {
    if (greet) ws.send(OPEN_FRAME);
    readFrames(this.core.engine, this.relay, link, ws, early(), (code) => {
      this.links.delete(link.connection.peer.id);
      link.connection.closed(`peerjs close ${code}`, isDrop(code), undefined, link.unsent);
    });
  }

  private sweep(): void {
    const now = Date.now();
    this.relay.sweep(now);
    const deadline = now - this.options.pingTimeout;
    for (const { ws, lastSeen } of this.links.values()) if (lastSeen < deadline) ws.terminate();
  }

  /** Stops the timers and closes every connection (the clients may `reconnect()`). */
  close(): void {
    clearInterval(this.timer);
    for (const { ws } of this.links.values()) ws.close(1012, 'shutdown');
    this.wss.close();
  }

  /** Force-closes what graceful shutdown left open. */
  terminateAll(): void {
    for (const { ws } of this.links.values()) ws.terminate();
  }
}
