import type { IncomingHttpHeaders } from 'node:http';
import type { AuthOptions, HandshakeAuth, Identity } from '../../auth/identity.js';
import { refreshIdentity, renewIdentity } from '../../auth/refresh.js';
import type { Engine, Outcome } from '../../engine/engine.js';
import type { Answer } from '../../engine/handler-context.js';
import type { Peer, PeerView } from '../../engine/peer.js';
import type { InboundEvent } from '../../protocol/inbound.js';
import type { OutboundEventName, OutboundEvents } from '../../protocol/outbound.js';
import type { PeerSink, TransportName } from '../../protocol/types.js';

/** A connection's headers once it is open: what the core read of them is copied by then. */
export const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * One client connection as an adapter gives it to the core: the adapter encodes frames for its
 * wire (Socket.IO packets, `/ws` JSON, SSE events, PeerJS messages) and knows its socket.
 */
export interface TransportSocket {
  readonly transport: TransportName;
  /** The peer id to use (Socket.IO's socket id). @default a random id */
  readonly id?: string;
  /** The socket's peer address and the handshake headers (client address, user agent). */
  readonly remoteAddress: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Writes one event to the client (an internal one only to the transport it is for). */
  send<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void;
  /** Bytes queued for the client and not yet taken by the network (0 if it measures itself). */
  queuedBytes(): number;
  /** Ends the connection from the server side: a kick, `shutdown`, or a resumed replacement. */
  close(reason: string): void;
  /** Drops the connection now with whatever it left unread (over its outbound budget). */
  terminate(): void;
}

export interface ConnectionSettings {
  auth: AuthOptions;
  /** Outbound budget per connection, bytes (MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
}

/** A live connection's peer, as the adapter that opened it drives it. */
export class Connection implements PeerSink {
  private own: Peer | undefined;
  /** Events the peer was sent before the ping awaiting its pong; -1 when none waits. */
  private pingMark = -1;

  constructor(
    private readonly engine: Engine,
    private readonly settings: ConnectionSettings,
    private readonly socket: TransportSocket,
  ) {}

  /**
   * What the engine writes through: the socket, within the outbound budget. The connection
   * itself (methods, not closures: fewer bytes per idle connection).
   */
  get sink(): PeerSink {
    return this;
  }

  emit<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void {
    if (this.socket.queuedBytes() <= this.settings.maxBufferedBytes) this.socket.send(event, data);
    else this.overBudget();
  }

  disconnect(reason: string): void {
    this.socket.close(reason);
  }

  /** @internal Set once by `TransportCore.open`. */
  attach(peer: Peer): void {
    this.own = peer;
  }

  get peer(): PeerView {
    return this.own!;
  }

  /**
   * The adapter sent a heartbeat ping: once its pong comes, the client has read everything the
   * peer was sent before it (same ordered stream). A ping still unanswered keeps its mark, so a
   * late pong cannot confirm events sent after that ping.
   */
  pinged(): void {
    if (this.pingMark < 0) this.pingMark = this.own?.sent ?? 0;
  }

  /**
   * A pong came: what was sent before its ping is confirmed read, and the resume log drops it
   * now instead of keeping it for the ping timeout too. A pong no ping waits for confirms nothing.
   */
  ponged(): void {
    if (this.pingMark < 0) return;
    this.own?.confirmReceived(this.pingMark);
    this.pingMark = -1;
  }

  /** An inbound event of this client. */
  receive(event: string, data: unknown): void | Promise<void> {
    return this.engine.receive(this.own!, event, data);
  }

  /**
   * An inbound event whose outcome the adapter answers with (SSE's REST calls): awaited behind
   * a join or leave of its peer in flight, so the answer is the real one.
   */
  request<E extends InboundEvent>(event: E, data: unknown): Promise<Outcome<Answer<E>>> {
    return this.engine.request(this.own!, event, data);
  }

  /**
   * Takes one message from the peer's rate limit; false when it is over it (counted, and the
   * client told once a second). For an adapter that relays without {@link receive} (PeerJS).
   */
  takeToken(): boolean {
    return this.engine.takeToken(this.own!);
  }

  /** New credentials for this connection (SSE's REST `auth`); throws a `SignalError`. */
  renew(given: HandshakeAuth): Promise<Identity> {
    return renewIdentity(this.engine, this.own!, given, this.settings.auth);
  }

  /** Ends the peer now, for a reason of the adapter's own (a stream not resumed in time). */
  end(reason: string): Promise<void> {
    return this.engine.disconnect(this.own!, reason);
  }

  /** An `auth` message: new credentials for this connection (answers `welcome` or `error`). */
  refresh(data: unknown): Promise<void> {
    return refreshIdentity(this.engine, this.own!, data, this.settings.auth);
  }

  /**
   * The client stopped reading: its peer ends and the socket is dropped now, without waiting
   * for a drain that will not come. For adapters that measure their own buffer too.
   */
  overBudget(): void {
    if (this.own) this.engine.dropOverBudget(this.own);
    this.socket.terminate();
  }

  /**
   * The socket closed; `resumable`: it dropped, rather than the client leaving on purpose. The
   * peer then waits `windowMs` for its client (SSE's own window), else the engine's. `unsent`:
   * the last events the adapter could not write (its socket was already closing), replayed on
   * a resume that does not say what it received (PeerJS).
   */
  closed(reason: string, resumable: boolean, windowMs?: number, unsent = 0): void {
    this.engine.transportClosed(this.own!, this.sink, reason, resumable, windowMs, unsent);
  }
}
