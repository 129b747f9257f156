import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { PayloadLimits } from '../protocol/limits.js';
import type { Peer } from './peer.js';
import type { PeerAccess, PeerId, RoomRef, TransportName, User } from '../protocol/types.js';

// What embedders and transports hand the engine: its options, live settings and counters.

/** Settings the engine reads on every use, so an admin can change them without a restart. */
export interface LiveSettings {
  /**
   * Default capacity of a mesh room.
   * @default 8 — reference 004's rooms; full-mesh video degrades beyond that on ordinary uplinks.
   */
  meshRoomCapacity: number;
  /**
   * Connections this process accepts (0 = no limit).
   * @default 0
   */
  maxConnections: number;
  /**
   * Messages per second one peer may send (0 = no limit); bursts of twice that pass.
   * @default 200 — ICE gathering sends tens per second; a client far above is misbehaving.
   */
  maxMessagesPerSecond: number;
  /**
   * Connections one client address may hold on this process (0 = no limit).
   * @default 0 — offices and mobile carriers put many users behind one address.
   */
  maxConnectionsPerIp: number;
}

export const defaultLiveSettings: LiveSettings = {
  meshRoomCapacity: 8,
  maxConnections: 0,
  maxMessagesPerSecond: 200,
  maxConnectionsPerIp: 0,
};

/**
 * Decides whether a peer may enter a room, before anyone in it hears of the attempt: throws a
 * {@link SignalError} (`forbidden`, `too-many-rooms`...) to refuse. Token grants, join limits and
 * the app's membership check (src/auth/join-guard.ts) plug in here.
 */
export type JoinPolicy = (peer: Peer, room: RoomRef) => void | Promise<void>;

export interface EngineOptions {
  /** @default a `MemoryCluster` (cluster/memory.ts): one process. */
  cluster?: Cluster;
  /** @default `defaultLimits` (protocol/limits.ts) */
  limits?: PayloadLimits;
  /** Mutable; read at each use. @default {@link defaultLiveSettings} */
  settings?: LiveSettings;
  /** Capacity of a persistent mesh room, when one is defined (REST `POST /api/video/rooms`). */
  roomCapacity?: (roomId: string) => number | undefined;
  /** @default every join allowed (room capacity still applies) */
  joinPolicy?: JoinPolicy;
  logger?: Logger;
  /**
   * How long a peer whose connection dropped is kept for its client to resume (0 = off).
   * @default 30000 ms — covers a Wi-Fi switch or a proxy restart; media needs no server meanwhile.
   */
  resumeWindowMs?: number;
  /**
   * Bytes of sent events kept per peer for a resume.
   * @default 1 MiB — the transports' outbound budget (MAX_BUFFERED_BYTES), so what a peer
   * costs stays within one number however large its events are.
   */
  maxKeptBytes?: number;
  /**
   * How long sent events are kept for a connected peer, in case its connection died unnoticed.
   * @default 85000 ms — the default ping interval + ping timeout (25 + 60 s): an older event
   * was confirmed by a pong, or the connection would have been dropped by now.
   */
  maxKeptMs?: number;
}

export interface ConnectOptions {
  transport: TransportName;
  userId: string;
  user: User;
  /** @default a random id; Socket.IO peers pass their socket id. */
  id?: PeerId;
  /** The client address (behind a trusted proxy, the forwarded one): per-address limit. */
  address?: string;
  userAgent?: string;
  /** Grants and expiry from the token. @default any room, no expiry */
  access?: PeerAccess;
  /** Whether the engine keeps what it sends for a resume. @default true */
  resumable?: boolean;
  /**
   * The secret half of its resume token, when the client already holds one (PeerJS: derived
   * from the client's own `token`, so coming back with the same id and token resumes).
   * @default a random one, sent in `welcome`
   */
  resumeSecret?: string;
}

/** Counters read by `/metrics`; plain numbers so the hot path only increments. */
export interface EngineCounters {
  relayed: number;
  refused: number;
  connections: number;
  /** Refusals by error code (events, handshakes, joins), for `/metrics`. */
  refusals: Record<string, number>;
  /** Peers disconnected because they let more than their outbound budget pile up, by transport. */
  overBudget: Record<TransportName, number>;
}
