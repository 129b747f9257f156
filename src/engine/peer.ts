import type { PeerAccess, PeerInfo, PeerSink, RoomRef } from './types.js';

/** A connection on this process: its identity, where its events go and which rooms it is in. */
export class Peer {
  /** Rooms by `roomKey`, so relay checks are one map lookup. */
  readonly rooms = new Map<string, RoomRef>();
  closed = false;
  /** Inbound messages waiting while a join or leave of this peer is in flight (keeps order). */
  backlog: Array<[event: string, payload: unknown]> | null = null;
  /** Token bucket for the per-peer message rate limit. */
  tokens: number;
  refilledAt = Date.now();
  rateLimitNoticeAt = 0;
  /** Grants and expiry of its token (`Engine.renewAccess`). */
  access: PeerAccess = {};
  expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly info: PeerInfo,
    readonly sink: PeerSink,
    burst: number,
  ) {
    this.tokens = burst;
  }

  get id(): string {
    return this.info.id;
  }
}
