import { OutboundLog } from './outbound-log.js';
import type { Settle } from './outcome.js';
import type { OutboundEventName, OutboundEvents } from '../protocol/outbound.js';
import type {
  LeaveCause,
  PeerAccess,
  PeerId,
  PeerInfo,
  PeerSink,
  RoomRef,
} from '../protocol/types.js';

/** Events kept for a connected peer: what a dead connection may have swallowed unnoticed. */
export const KEPT_WHILE_CONNECTED = 64;
/** Events kept for a detached peer; one that misses more is ended (announced as left). */
export const KEPT_WHILE_DETACHED = 2048;

/** Bounds of a peer's resume log while connected (see OutboundLog); undefined: its defaults. */
export interface KeptBounds {
  /** The outbound budget, MAX_BUFFERED_BYTES. */
  bytes?: number;
  /** The heartbeat's ping interval + ping timeout. */
  ms?: number;
}

/**
 * The reason a peer is disconnected for not reading: its outbound buffer (frames the server has
 * queued for it and the network has not taken) passed `MAX_BUFFERED_BYTES`. The whole budget is
 * one number per connection so that memory is bounded by connections × budget, whatever
 * clients do; docs/security.md explains it.
 */
export const OVER_BUDGET_REASON = 'outbound buffer over budget: the client is not reading';

/** What ends a peer (the peer registry). */
export interface PeerEnder {
  end(peer: Peer, reason: string): void;
}

/** What a transport may read of a peer; it changes the peer only through the engine. */
export interface PeerView {
  readonly id: PeerId;
  readonly info: Readonly<PeerInfo>;
  readonly access: Readonly<PeerAccess>;
  readonly resumeToken: string | undefined;
  readonly closed: boolean;
}

/** A connection on this process: its identity, where its events go and which rooms it is in. */
export class Peer implements PeerView, PeerSink {
  /** Rooms by `roomKey`, so relay checks are one map lookup. */
  readonly rooms = new Map<string, RoomRef>();
  closed = false;
  /**
   * Inbound messages waiting while a join or leave of this peer is in flight (keeps order), each
   * with the resolve of a caller waiting for its outcome (`Engine.request`).
   */
  backlog: Array<[event: string, payload: unknown, settle?: Settle]> | null = null;
  /** Token bucket for the per-peer message rate limit. */
  tokens: number;
  refilledAt = Date.now();
  rateLimitNoticeAt = 0;
  /** Grants and expiry of its token (`Engine.renewAccess`). */
  access: PeerAccess = {};
  expiryTimer: NodeJS.Timeout | undefined;
  /** The transport's sink while connected; null while detached (waiting for a resume). */
  transport: PeerSink | null;
  /** Ends a detached peer whose client did not come back in time. */
  expiry: NodeJS.Timeout | undefined;
  /** `log.count` when the connection dropped: a resume without a count replays from here. */
  detachedAt: number | undefined;
  /** Kicked by an admin: its resume token is void. */
  revoked = false;
  /** Set by an admin kick: what its leaves are reported as, whatever closes the connection. */
  leaveCause: LeaveCause | undefined;
  /** What was sent, for a resume; absent when resuming is off. */
  readonly log: OutboundLog | undefined;

  constructor(
    readonly info: PeerInfo,
    transport: PeerSink | null,
    burst: number,
    /** The secret half of the resume token (`<peer id>.<secret>`); empty when resuming is off. */
    readonly resumeSecret: string,
    /** Ends peers (the registry): `disconnect` goes there. */
    private readonly owner: PeerEnder,
    kept: KeptBounds = {},
  ) {
    this.tokens = burst;
    this.transport = transport;
    this.log = resumeSecret
      ? new OutboundLog(KEPT_WHILE_CONNECTED, KEPT_WHILE_DETACHED, kept.bytes, kept.ms)
      : undefined;
  }

  /**
   * Where the engine sends this peer's events: recorded, then written if connected. The peer
   * itself (methods, not closures: thousands of idle peers each save their closures' bytes).
   */
  get sink(): PeerSink {
    return this;
  }

  emit<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void {
    const log = this.log;
    if (!log) return this.transport?.emit(event, data);
    log.record(event, data);
    if (this.transport) this.transport.emit(event, data);
    // Detached and past the bound: it can no longer be resumed exactly, so it leaves now.
    else if (log.overflowed && !this.closed) {
      queueMicrotask(() => this.owner.end(this, 'missed too many events'));
    }
  }

  disconnect(reason: string): void {
    this.owner.end(this, reason);
  }

  get id(): string {
    return this.info.id;
  }

  /** Events sent to it so far, numbered as its resume log numbers them (0 when it has none). */
  get sent(): number {
    return this.log?.count ?? 0;
  }

  /** Its client has read the first `received` events: the resume log lets them go. */
  confirmReceived(received: number): void {
    this.log?.confirm(received);
  }

  get resumeToken(): string | undefined {
    return this.resumeSecret ? `${this.id}.${this.resumeSecret}` : undefined;
  }
}
